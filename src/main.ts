import module from 'node:module';

/**
 * The service's entry point (`npm start`, `node dist/main.js`). On Node 22.1+ it first turns on V8's module
 * compile cache (in the OS temporary directory, or NODE_COMPILE_CACHE), which must happen before the
 * service's modules load, hence this file and the dynamic import of the rest (src/serve.ts). Measured on
 * a loaded 2-core host its gain was within the noise (docs/benchmarks.md, Startup); Node 20 has no cache.
 */
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./serve.js');
