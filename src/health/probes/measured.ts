import { performance } from 'node:perf_hooks';
import type { ServiceDefinition } from '../service-schema.js';
import { failureReason } from './failure-reason.js';
import type { ProbeContext, ProbeReason, ProbeResult } from './probe.js';

/**
 * Runs a check that answers why it failed (or nothing when it passed), timing it and turning a thrown
 * error into a reason. Clients that take no abort signal are raced against it, so the service's timeout
 * holds whatever the client does; `onAbort` closes what they opened.
 */
export async function measured(
  definition: ServiceDefinition,
  context: ProbeContext,
  check: () => Promise<ProbeReason | undefined>,
  onAbort?: () => void,
): Promise<ProbeResult> {
  const started = performance.now();
  let abort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    abort = () => {
      onAbort?.();
      reject(new Error('aborted'));
    };
    if (context.signal.aborted) abort();
    else context.signal.addEventListener('abort', abort, { once: true });
  });
  try {
    const reason = await Promise.race([check(), aborted]);
    const durationMs = performance.now() - started;
    return reason === undefined ? { ok: true, durationMs } : { ok: false, durationMs, reason };
  } catch (error) {
    return {
      ok: false,
      durationMs: performance.now() - started,
      reason: failureReason(error, context.signal.aborted, definition.timeout),
    };
  } finally {
    if (abort !== undefined) context.signal.removeEventListener('abort', abort);
    aborted.catch(() => undefined);
  }
}

/** A name compared as DNS compares it: case-insensitive, with or without the root's trailing dot. */
const normalise = (value: string): string => value.trim().replace(/\.$/, '').toLowerCase();

/** Why the answers miss an expected value, or undefined when every expected value is among them. */
export function expectationReason(
  expected: readonly string[] | undefined,
  answers: readonly string[],
  what: string,
): ProbeReason | undefined {
  if (expected === undefined) return undefined;
  const got = new Set(answers.map(normalise));
  const missing = expected.filter((value) => !got.has(normalise(value)));
  if (missing.length === 0) return undefined;
  const shown = answers.length === 0 ? 'nothing' : answers.slice(0, 10).join(', ');
  return {
    code: 'unexpected_result',
    message: `${what} lacks ${missing.map((m) => `"${m}"`).join(', ')}; got ${shown}`.slice(0, 500),
  };
}

/** The user, password and database of a database URL, decoded. */
export function credentialsOf(url: URL): { user?: string; password?: string; database?: string } {
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    ...(url.username === '' ? {} : { user: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(database === '' ? {} : { database }),
  };
}
