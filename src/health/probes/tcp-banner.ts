import { Socket } from 'node:net';
import type { ServiceDefinition } from '../service-schema.js';
import { measured } from './measured.js';
import type { ProbeContext, ProbeReason, ProbeResult } from './probe.js';

/**
 * TCP banner check (`tcp://host:port` with `keyword`): connect, send `payload` when given, read until the
 * keyword shows up, the peer closes, `readLimitBytes` have come, or the timeout. UP when the keyword was
 * read (`invertKeyword`: when it was not, by the close or the limit); a timeout without it is a timeout.
 */
export function bannerCheck(definition: ServiceDefinition, context: ProbeContext): Promise<ProbeResult> {
  const url = new URL(definition.url);
  const keyword = Buffer.from(definition.keyword ?? '');
  const limit = definition.monitor.readLimitBytes;
  let socket: Socket | undefined;
  return measured(
    definition,
    context,
    () =>
      new Promise<ProbeReason | undefined>((resolve, reject) => {
        const host = context.guard.checkHost(url.hostname);
        const connection = new Socket();
        socket = connection;
        let received = Buffer.alloc(0);
        const judge = (found: boolean, why: string): void => {
          connection.destroy();
          if (found !== definition.invertKeyword) resolve(undefined);
          else if (found)
            resolve({
              code: 'keyword_present',
              message: `the banner contains "${definition.keyword ?? ''}"`,
            });
          else
            resolve({
              code: 'keyword_missing',
              message: `no "${definition.keyword ?? ''}" in ${why}: ${shown(received)}`,
            });
        };
        connection.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]).subarray(0, limit);
          if (received.includes(keyword)) judge(true, '');
          else if (received.length >= limit) judge(false, `the first ${String(limit)} bytes`);
        });
        connection.once('end', () => {
          judge(false, 'what the server sent before closing');
        });
        connection.once('error', reject);
        connection.once('connect', () => {
          if (definition.monitor.payload !== undefined) connection.write(definition.monitor.payload);
        });
        connection.connect({ host, port: Number(url.port), lookup: context.guard.lookup });
      }),
    () => socket?.destroy(),
  );
}

/** What was read, as text people can read in a reason (control characters escaped, shortened). */
function shown(data: Buffer): string {
  if (data.length === 0) return 'nothing';
  return JSON.stringify(data.subarray(0, 120).toString('latin1'));
}
