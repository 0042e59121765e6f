import jsonata from 'jsonata';
import type { ProbeReason } from './probe.js';

/** A body larger than this is not evaluated: JSONata walks the whole document in memory. */
export const JSONATA_MAX_INPUT_BYTES = 256 * 1024;
/** Evaluation guardrails (jsonata's own): time, recursion depth, sequence length. */
const MAX_EVALUATION_MS = 250;
const MAX_DEPTH = 200;
const MAX_SEQUENCE = 100_000;

/**
 * The JSONata condition of an HTTP check against the body: up when the expression yields `true`. The
 * expression was parsed when the monitor was saved; here it runs bounded in time, depth and sequence
 * length, on a body of at most JSONATA_MAX_INPUT_BYTES, so a costly expression fails its own check only.
 */
export async function jsonataFailure(expression: string, body: string): Promise<ProbeReason | undefined> {
  if (Buffer.byteLength(body) > JSONATA_MAX_INPUT_BYTES)
    return {
      code: 'json_condition',
      message: `the body is over ${String(JSONATA_MAX_INPUT_BYTES)} bytes, the JSONata input limit`,
    };
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { code: 'json_condition', message: 'the body is not JSON' };
  }
  let result: unknown;
  try {
    result = await jsonata(expression, {
      timeout: MAX_EVALUATION_MS,
      stack: MAX_DEPTH,
      sequence: MAX_SEQUENCE,
    }).evaluate(document);
  } catch (error) {
    const { message, code } = error as { message?: string; code?: string };
    return {
      code: 'json_condition',
      message:
        `the JSONata expression failed${code === undefined ? '' : ` (${code})`}: ${message ?? String(error)}`.slice(
          0,
          500,
        ),
    };
  }
  if (result === true) return undefined;
  const shown = result === undefined ? 'nothing' : JSON.stringify(result).slice(0, 200);
  return { code: 'json_condition', message: `${expression.slice(0, 200)} yields ${shown}, not true` };
}
