import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waiting for the state a test expects, not for the first element of it: the page renders in steps (a list
 * replaced when its answer comes, a second card after a second request), so a read made once right after
 * some element appeared may see the state before. node:test has no Playwright `expect.poll`: this polls
 * from the test (locators, `page.evaluate`, or the test's own records of what the page did).
 */

/** Generous on purpose: a liveness bound, not a performance claim (a loaded 2-core CI host is slow). */
const TIMEOUT_MS = 15_000;
const INTERVAL_MS = 50;

/** Polls until `read` answers something `want` accepts, and answers it; fails with the last value read. */
export async function until<T>(
  read: () => T | Promise<T>,
  want: (value: T) => boolean,
  what: string,
  timeoutMs = TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (want(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await sleep(INTERVAL_MS);
  }
}
