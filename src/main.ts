import { existsSync } from 'node:fs';
import module from 'node:module';

/**
 * The service's entry point (`npm start`, `node dist/main.js`). On Node 22.1+ it first turns on V8's module
 * compile cache (in the OS temporary directory, or NODE_COMPILE_CACHE), which must happen before the
 * service's modules load, hence this file and the dynamic import of the rest (src/serve.ts, bundled). Measured on
 * a loaded 2-core host its gain was within the noise (docs/benchmarks.md, Startup); Node 20 has no cache.
 */
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// The build bundles serve.js and its imports into one file (scripts/bundle-server.mjs); run from the
// sources (tsx) there is none.
const bundle = new URL('./serve.bundle.js', import.meta.url);
await import(existsSync(bundle) ? bundle.href : './serve.js');
