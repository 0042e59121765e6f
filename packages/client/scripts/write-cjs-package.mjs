// The package is "type": "module"; this marks dist/cjs as CommonJS, so `require('@metrics-service/client/…')`
// loads the CommonJS build (and TypeScript reads its .d.ts files as CommonJS declarations).
import { mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
