import module from 'node:module';

/**
 * The service's entry point (`npm start`, `node dist/main.js`). Node 22.1+ keeps V8's compiled code of
 * every module in a cache on disk (the OS temporary directory, or NODE_COMPILE_CACHE), so a start after
 * the first skips most of the parsing and compiling of ~1,000 modules; Node 20 has no such cache and
 * starts as before. The cache must be on before the service's modules load, hence this file and the
 * dynamic import of the rest.
 */
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./serve.js');
