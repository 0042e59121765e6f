import { Readable } from 'node:stream';
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CONTENT_TYPES, type ExpositionFormat, type SeriesExposition } from '../../telemetry/exposition.js';
import { gzipBody, textBody } from '../../telemetry/exposition-body.js';
import { DeflateSegments } from '../../telemetry/deflate-segments.js';
import { toOpenMetrics, type OwnMetrics } from '../../telemetry/own-metrics.js';

/** OpenMetrics when the scraper asks for it (Prometheus does by default), the 0.0.4 text format otherwise. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && accept.includes('application/openmetrics-text') ? 'openmetrics' : 'text';
}

/**
 * gzip when Accept-Encoding accepts it (Prometheus always sends `gzip`), q-values honoured: `gzip;q=0`
 * refuses it, `identity` at a higher q wins, `*` matches it. Otherwise the text without content coding:
 * no header, an empty one or only unknown codings (RFC 9110 §12.5.3). A refused identity with gzip refused
 * too (`identity;q=0, gzip;q=0`) also gets the plain text rather than a 406, which no scraper could use.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): 'gzip' | 'identity' {
  return negotiate(acceptEncoding ?? '', ['gzip', 'identity']) === 'gzip' ? 'gzip' : 'identity';
}

/** GET /metrics: the service's own metrics, then the current value of every ingested series. */
export function prometheusRoutes(deps: {
  exposition: SeriesExposition;
  own: OwnMetrics;
  gzipLevel?: number;
}): FastifyPluginAsyncTypebox {
  const deflate = new DeflateSegments(deps.gzipLevel);
  return (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['prometheus'],
          summary:
            'Prometheus exposition (text 0.0.4, or OpenMetrics 1.0 when Accept asks for it), gzip when Accept-Encoding allows',
          produces: [CONTENT_TYPES.text, CONTENT_TYPES.openmetrics],
          response: { 200: Type.Unsafe<Readable>(Type.String({ description: 'Exposition text' })) },
        },
      },
      async (request, reply) => {
        const format = negotiateFormat(request.headers.accept);
        const encoding = negotiateEncoding(request.headers['accept-encoding']);
        const started = performance.now();
        const rendering = await deps.exposition.render(format);
        deps.own.expositionSeconds.observe((performance.now() - started) / 1000);
        const ownText = (await deps.own.text()).replace(/\n{2,}/g, '\n');
        const openMetrics = format === 'openmetrics';
        const parts = { own: openMetrics ? toOpenMetrics(ownText) : ownText, rendering, openMetrics };
        // Appended: CORS may already have said the answer varies by Origin.
        const vary = reply.getHeader('vary');
        reply
          .type(CONTENT_TYPES[format])
          .header(
            'vary',
            vary === undefined ? 'Accept, Accept-Encoding' : `${String(vary)}, Accept, Accept-Encoding`,
          );
        if (encoding === 'identity') return reply.send(Readable.from(textBody(parts)));
        // One gzip member, streamed segment by segment; each group of families is compressed once and reused.
        return reply.header('content-encoding', 'gzip').send(Readable.from(gzipBody(parts, deflate)));
      },
    );
    return Promise.resolve();
  };
}
