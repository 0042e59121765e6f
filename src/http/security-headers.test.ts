import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { securityHeaderOptions } from './hardening.js';
import { installSecurityHeaders } from './security-headers.js';

/** An app answering 200, an error and a 404 (and a header of its own), with the given security headers. */
async function appWith(install: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
  const app = Fastify();
  await install(app);
  app.get('/ok', (_request, reply) => reply.header('x-own', 'kept').send({ ok: true }));
  app.post('/fails', () => {
    throw new Error('refused');
  });
  app.get('/page', (_request, reply) =>
    reply.header('content-security-policy', "default-src 'none'").type('text/html').send('<p>'),
  );
  await app.ready();
  return app;
}

/** Every header but the date, in the order it was written. */
async function headersOf(app: FastifyInstance, method: 'GET' | 'POST', url: string) {
  const response = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
  const raw = response.raw.res.getHeaders();
  return { status: response.statusCode, headers: Object.entries(raw).filter(([name]) => name !== 'date') };
}

describe('security headers', () => {
  for (const tlsCertFile of [undefined, '/etc/tls/cert.pem']) {
    it(`are those @fastify/helmet sends with the same options (${tlsCertFile === undefined ? 'HTTP' : 'HTTPS'})`, async () => {
      const options = securityHeaderOptions({ tlsCertFile });
      // The same options through the plugin's types (its helmet types are the CommonJS build's).
      const reference = await appWith(async (app) => {
        await app.register(fastifyHelmet, options as FastifyHelmetOptions);
      });
      const ours = await appWith((app) => {
        installSecurityHeaders(app, options);
        return Promise.resolve();
      });
      try {
        for (const [method, url] of [
          ['GET', '/ok'],
          ['POST', '/fails'],
          ['GET', '/missing'],
          ['GET', '/page'],
        ] as const) {
          const expected = await headersOf(reference, method, url);
          assert.ok(expected.headers.some(([name]) => name === 'content-security-policy'));
          assert.deepEqual(await headersOf(ours, method, url), expected, `${method} ${url}`);
        }
        const ok = await headersOf(ours, 'GET', '/ok');
        const names = ok.headers.map(([name]) => name);
        assert.equal(names.includes('strict-transport-security'), tlsCertFile !== undefined);
        assert.ok(names.includes('x-own'));
      } finally {
        await reference.close();
        await ours.close();
      }
    });
  }

  it('keep the page CSP without upgrade-insecure-requests over plain HTTP, with it over HTTPS', async () => {
    const csp = async (tlsCertFile: string | undefined) => {
      const app = await appWith((a) => {
        installSecurityHeaders(a, securityHeaderOptions({ tlsCertFile }));
        return Promise.resolve();
      });
      try {
        return String((await app.inject({ method: 'GET', url: '/ok' })).headers['content-security-policy']);
      } finally {
        await app.close();
      }
    };
    assert.doesNotMatch(await csp(undefined), /upgrade-insecure-requests/);
    assert.match(await csp('/etc/tls/cert.pem'), /upgrade-insecure-requests/);
  });
});
