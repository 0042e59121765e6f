// Builds the dashboard page into dist/web: one bundled script (uPlot and socket.io-client inside), the
// HTML and the styles. `npm run build` (and so `npm start`) runs it; nothing is fetched at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${root}web/src/main.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: false,
  outfile: `${out}/app.js`,
  logLevel: 'warning',
});
copyFileSync(`${root}web/index.html`, `${out}/index.html`);
copyFileSync(`${root}web/styles.css`, `${out}/styles.css`);
copyFileSync(`${root}node_modules/uplot/dist/uPlot.min.css`, `${out}/uplot.css`);
