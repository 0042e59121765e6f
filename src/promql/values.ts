import type { Labels } from '../domain/metric.js';

/**
 * A series of points: the evaluator's value for every expression over the steps it is evaluated at.
 * Times (ms) and values in two parallel arrays, oldest first: a range query makes series × steps points,
 * and an object per point was most of the garbage the collector had to chase.
 */
export interface Series {
  metric: Labels;
  t: number[];
  v: number[];
}

/** The evaluator's matrix: an instant vector or scalar evaluated over every step, or a range vector. */
export type Matrix = Series[];

/** One element of an instant vector at one step. */
export interface Sample {
  metric: Labels;
  t: number;
  v: number;
}

export type Vector = Sample[];

export interface StringValue {
  kind: 'string';
  value: string;
}

/** Per-step state shared with the functions (Prometheus' EvalNodeHelper). */
export interface StepContext {
  /** The step's evaluation time (ms). */
  ts: number;
}
