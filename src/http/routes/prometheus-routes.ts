import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CONTENT_TYPES, type ExpositionFormat, type SeriesExposition } from '../../telemetry/exposition.js';
import { toOpenMetrics, type OwnMetrics } from '../../telemetry/own-metrics.js';

/** OpenMetrics when the scraper asks for it (Prometheus does by default), the 0.0.4 text format otherwise. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && accept.includes('application/openmetrics-text') ? 'openmetrics' : 'text';
}

/** GET /metrics: the service's own metrics, then the current value of every ingested series. */
export function prometheusRoutes(deps: {
  exposition: SeriesExposition;
  own: OwnMetrics;
}): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['prometheus'],
          summary: 'Prometheus exposition (text 0.0.4, or OpenMetrics 1.0 when Accept asks for it)',
          produces: [CONTENT_TYPES.text, CONTENT_TYPES.openmetrics],
          response: { 200: Type.Unsafe<Readable>(Type.String({ description: 'Exposition text' })) },
        },
      },
      async (request, reply) => {
        const format = negotiateFormat(request.headers.accept);
        const started = performance.now();
        const series = await deps.exposition.render(format);
        deps.own.expositionSeconds.observe((performance.now() - started) / 1000);
        const own = (await deps.own.text()).replace(/\n{2,}/g, '\n');
        const pieces =
          format === 'openmetrics' ? [toOpenMetrics(own), ...series, '# EOF\n'] : [own, ...series];
        // Streamed piece by piece: 100,000 series are never joined into one large string.
        return reply.type(CONTENT_TYPES[format]).send(Readable.from(pieces));
      },
    );
    return Promise.resolve();
  };
}
