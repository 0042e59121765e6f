import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { failureReason } from './failure-reason.js';
import type { Probe } from './probe.js';
import { bannerCheck } from './tcp-banner.js';

/**
 * TCP check: the service is up when a connection opens (databases, brokers, anything without HTTP); with a
 * `keyword`, when the banner (the answer to `payload`) holds it (tcp-banner.ts).
 */
export const tcpProbe: Probe = {
  run(definition, context) {
    if (definition.keyword !== undefined) return bannerCheck(definition, context);
    const started = performance.now();
    const url = new URL(definition.url);
    return new Promise((resolve) => {
      const finish = (error?: unknown): void => {
        socket.destroy();
        const durationMs = performance.now() - started;
        resolve(
          error === undefined
            ? { ok: true, durationMs }
            : {
                ok: false,
                durationMs,
                reason: failureReason(error, context.signal.aborted, definition.timeout),
              },
        );
      };
      const socket = new Socket({ signal: context.signal });
      socket.once('connect', () => {
        finish();
      });
      socket.once('error', finish);
      try {
        const host = context.guard.checkHost(url.hostname);
        socket.connect({ host, port: Number(url.port), lookup: context.guard.lookup });
      } catch (error) {
        finish(error);
      }
    });
  },
};
