// Bundles the built service (dist/serve.js and everything it imports) into dist/serve.bundle.js, which
// dist/main.js loads when it exists. Loading ~900 modules one by one cost a fifth of a start's CPU on
// Node 20, which has no compile cache (docs/adr/0019-bundled-server.md, docs/benchmarks.md, Startup).
// `npm run build` runs it after tsc. Stack traces point into the bundle; `node --enable-source-maps
// dist/main.js` maps them back to src/ through the linked source map.
import { build } from 'esbuild';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Left out of the bundle, loaded from node_modules as before: a native addon, packages that serve files
 * from their own directory, and the modules the service loads lazily (only with REDIS_URL, SMTP, tracing,
 * DATABASE_URL, a database monitor, a gRPC or JSONata check, a TOTP enrolment), whose laziness the bundle
 * must keep. grpc-health-check also reads its .proto file from its own directory.
 */
const EXTERNAL = [
  'better-sqlite3',
  'socket.io',
  '@fastify/swagger-ui',
  '@fastify/static',
  'ioredis',
  'nodemailer',
  'pg',
  'mysql2',
  '@grpc/*',
  'grpc-health-check',
  'jsonata',
  'qrcode',
  '@socket.io/*',
  '@opentelemetry/*',
];

await build({
  entryPoints: [`${root}dist/serve.js`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: `${root}dist/serve.bundle.js`,
  external: EXTERNAL,
  sourcemap: 'linked',
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
