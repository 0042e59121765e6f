import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SystemCollector } from '../../collectors/system/system-collector.js';
import { errorResponses } from '../problem.js';

const Rate = Type.Union([Type.Number(), Type.Null()], {
  description: 'Per second over the last interval; null until two readings exist.',
});

const SystemSchema = Type.Object({
  collectedAt: Type.Number({ description: 'ms since the epoch' }),
  intervalSeconds: Type.Number(),
  cpu: Type.Object({
    usageRatio: Type.Union([Type.Number(), Type.Null()]),
    cores: Type.Array(
      Type.Object({ cpu: Type.String(), usageRatio: Type.Union([Type.Number(), Type.Null()]) }),
    ),
  }),
  memory: Type.Object({
    totalBytes: Type.Number(),
    availableBytes: Type.Number(),
    usedBytes: Type.Number(),
    usedRatio: Type.Number(),
  }),
  load: Type.Object({ load1: Type.Number(), load5: Type.Number(), load15: Type.Number() }),
  disks: Type.Array(
    Type.Object({
      device: Type.String(),
      readBytesPerSecond: Rate,
      writtenBytesPerSecond: Rate,
      readsPerSecond: Rate,
      writesPerSecond: Rate,
    }),
  ),
  filesystems: Type.Array(
    Type.Object({
      mountpoint: Type.String(),
      device: Type.String(),
      fstype: Type.String(),
      sizeBytes: Type.Number(),
      freeBytes: Type.Number(),
      availBytes: Type.Number(),
      usedRatio: Type.Number(),
    }),
  ),
  network: Type.Array(
    Type.Object({
      interface: Type.String(),
      receiveBytesPerSecond: Rate,
      transmitBytesPerSecond: Rate,
      receiveErrorsTotal: Type.Number(),
      transmitErrorsTotal: Type.Number(),
    }),
  ),
  unavailable: Type.Array(Type.String(), {
    description: 'Parts this platform does not report (disks and network need Linux /proc).',
  }),
});

/** GET /api/metrics/system: the system collector's latest reading (history: the query API). */
export function systemRoutes(deps: { system: SystemCollector }): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/metrics/system',
      {
        schema: {
          tags: ['metrics'],
          summary: 'CPU, memory, load, disks, filesystems and network of the host, as last collected',
          description:
            'Series of the same figures (system_*) are on /metrics and in the range query API for history.',
          response: { 200: SystemSchema, ...errorResponses(500) },
        },
      },
      async () => deps.system.snapshot ?? (await deps.system.collect()),
    );
    return Promise.resolve();
  };
}
