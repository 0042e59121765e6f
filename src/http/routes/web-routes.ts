import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * dist/web from the built service (dist/http/routes), from its bundle (dist/serve.bundle.js) or from the
 * sources run by tsx (src/http/routes).
 */
function webDirectory(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return [join(here, '../../web'), join(here, 'web'), join(here, '../../../dist/web')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/**
 * The dashboard page at `/` and its assets under `/assets/`, read once at start from the build output
 * (npm run build bundles web/ into dist/web), so `npm start` serves it with no other step.
 */
export function webRoutes(): FastifyPluginAsyncTypebox {
  const dir = webDirectory();
  const files = new Map<string, string>();
  if (dir !== undefined)
    for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name), 'utf8'));
  return (app) => {
    app.get(
      '/',
      { schema: { hide: true, response: { 200: Type.String({ description: 'The dashboard page.' }) } } },
      (_request, reply) => {
        const page = files.get('index.html');
        if (page === undefined)
          throw new DomainError('not_found', 404, 'the dashboard is not built: run npm run build');
        void reply.type(TYPES['.html']!).send(page);
      },
    );
    app.get(
      '/assets/:file',
      {
        schema: {
          hide: true,
          params: Type.Object({ file: Type.String({ maxLength: 64 }) }),
          response: { 200: Type.String({ description: 'A script or style sheet of the page.' }) },
        },
      },
      (request, reply) => {
        const body = files.get(request.params.file);
        const type = TYPES[extname(request.params.file)];
        if (body === undefined || type === undefined || request.params.file === 'index.html')
          throw new DomainError('not_found', 404, `no asset ${request.params.file}`);
        void reply.type(type).header('cache-control', 'no-cache').send(body);
      },
    );
    return Promise.resolve();
  };
}
