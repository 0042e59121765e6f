import type { PromqlErrorShape } from './api.js';

/** A refused or failed query, carrying Prometheus' error type; the HTTP layer maps it to a status. */
export class PromqlError extends Error implements PromqlErrorShape {
  constructor(
    readonly errorType: PromqlErrorShape['errorType'],
    message: string,
    readonly position?: { from: number; to: number },
  ) {
    super(message);
    this.name = 'PromqlError';
  }
}

/** A parse or type error, written as Prometheus writes them: `1:5: parse error: …`. */
export function parseError(expr: string, from: number, to: number, message: string): PromqlError {
  let line = 1;
  let lastLineBreak = -1;
  const at = Math.max(0, Math.min(from, expr.length));
  for (let i = 0; i < at; i++) {
    if (expr[i] === '\n') {
      lastLineBreak = i;
      line++;
    }
  }
  return new PromqlError('bad_data', `${line}:${at - lastLineBreak}: parse error: ${message}`, { from, to });
}

/** An error raised while evaluating (Prometheus' `execution` errors, such as many-to-many matching). */
export function executionError(message: string): PromqlError {
  return new PromqlError('execution', message);
}

export function tooManySamples(limit: number): PromqlError {
  return new PromqlError(
    'too_many_samples',
    `query processing would load too many samples into memory in query execution (limit ${limit}, PROMQL_MAX_SAMPLES)`,
  );
}
