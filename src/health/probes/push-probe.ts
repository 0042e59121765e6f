import type { Probe, ProbeResult } from './probe.js';

/**
 * Push (heartbeat) check: nothing is contacted; the job calls `/api/push/<token>` and this check reads the
 * last heartbeat. DOWN with `push_missing` when none came within `interval + pushGrace` (counted from the
 * monitor's creation or the process start when none came yet), with `push_down` when the job itself said
 * `status=down` (its `msg` is the reason). The job's `ping=` (ms) is the check's duration.
 */
export const pushProbe: Probe = {
  async run(definition, context) {
    const heartbeats = context.heartbeats;
    if (heartbeats === undefined)
      return {
        ok: false,
        durationMs: 0,
        reason: { code: 'push_missing', message: 'push monitors are not served by this process' },
      };
    const last = await heartbeats.last(definition.name);
    const now = Date.now();
    const deadline = definition.interval + definition.monitor.pushGraceMs;
    const since = last?.at ?? heartbeats.watchedSince(definition.name);
    const age = now - since;
    const series = [
      ...(last === undefined ? [] : [{ name: 'probe_push_age_seconds', value: age / 1000 }]),
      ...(last?.pingMs === undefined ? [] : [{ name: 'probe_push_ping_seconds', value: last.pingMs / 1000 }]),
    ];
    const result: ProbeResult = { ok: true, durationMs: last?.pingMs ?? 0, series };
    if (age > deadline)
      return {
        ...result,
        ok: false,
        reason: {
          code: 'push_missing',
          message:
            last === undefined
              ? `no heartbeat yet, ${String(Math.round(age / 1000))} s after watching began (allowed: ${String(deadline / 1000)} s)`
              : `last heartbeat ${String(Math.round(age / 1000))} s ago (allowed: ${String(deadline / 1000)} s)`,
        },
      };
    if (last?.status === 'down')
      return {
        ...result,
        ok: false,
        reason: { code: 'push_down', message: last.message === '' ? 'the job reported down' : last.message },
      };
    return result;
  },
};
