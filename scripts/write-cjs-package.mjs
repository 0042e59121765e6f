// The package is "type": "module"; this marks dist/cjs as CommonJS so `require('metrics-service/express')`
// loads the CommonJS build of the client integrations.
import { mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
