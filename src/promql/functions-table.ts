import type { ValueType } from './ast.js';

/**
 * The signature of each PromQL function, as Prometheus 2.42's parser declares it (`parser/functions.go`):
 * argument types, how many trailing arguments are optional (`variadic`, -1: any number), return type.
 */
export interface FunctionSignature {
  argTypes: ValueType[];
  variadic: number;
  returnType: ValueType;
}

const v: ValueType = 'vector';
const m: ValueType = 'matrix';
const s: ValueType = 'scalar';
const str: ValueType = 'string';

const vectorToVector: FunctionSignature = { argTypes: [v], variadic: 0, returnType: v };
const matrixToVector: FunctionSignature = { argTypes: [m], variadic: 0, returnType: v };
const dateFunction: FunctionSignature = { argTypes: [v], variadic: 1, returnType: v };

export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map<string, FunctionSignature>([
  ['abs', vectorToVector],
  ['absent', vectorToVector],
  ['absent_over_time', matrixToVector],
  ['acos', vectorToVector],
  ['acosh', vectorToVector],
  ['asin', vectorToVector],
  ['asinh', vectorToVector],
  ['atan', vectorToVector],
  ['atanh', vectorToVector],
  ['avg_over_time', matrixToVector],
  ['ceil', vectorToVector],
  ['changes', matrixToVector],
  ['clamp', { argTypes: [v, s, s], variadic: 0, returnType: v }],
  ['clamp_max', { argTypes: [v, s], variadic: 0, returnType: v }],
  ['clamp_min', { argTypes: [v, s], variadic: 0, returnType: v }],
  ['cos', vectorToVector],
  ['cosh', vectorToVector],
  ['count_over_time', matrixToVector],
  ['days_in_month', dateFunction],
  ['day_of_month', dateFunction],
  ['day_of_week', dateFunction],
  ['day_of_year', dateFunction],
  ['deg', vectorToVector],
  ['delta', matrixToVector],
  ['deriv', matrixToVector],
  ['exp', vectorToVector],
  ['floor', vectorToVector],
  ['histogram_quantile', { argTypes: [s, v], variadic: 0, returnType: v }],
  ['holt_winters', { argTypes: [m, s, s], variadic: 0, returnType: v }],
  ['hour', dateFunction],
  ['idelta', matrixToVector],
  ['increase', matrixToVector],
  ['irate', matrixToVector],
  ['label_replace', { argTypes: [v, str, str, str, str], variadic: 0, returnType: v }],
  ['label_join', { argTypes: [v, str, str, str], variadic: -1, returnType: v }],
  ['last_over_time', matrixToVector],
  ['ln', vectorToVector],
  ['log10', vectorToVector],
  ['log2', vectorToVector],
  ['max_over_time', matrixToVector],
  ['min_over_time', matrixToVector],
  ['minute', dateFunction],
  ['month', dateFunction],
  ['pi', { argTypes: [], variadic: 0, returnType: s }],
  ['predict_linear', { argTypes: [m, s], variadic: 0, returnType: v }],
  ['present_over_time', matrixToVector],
  ['quantile_over_time', { argTypes: [s, m], variadic: 0, returnType: v }],
  ['rad', vectorToVector],
  ['rate', matrixToVector],
  ['resets', matrixToVector],
  ['round', { argTypes: [v, s], variadic: 1, returnType: v }],
  ['scalar', { argTypes: [v], variadic: 0, returnType: s }],
  ['sgn', vectorToVector],
  ['sin', vectorToVector],
  ['sinh', vectorToVector],
  ['sort', vectorToVector],
  ['sort_desc', vectorToVector],
  ['sqrt', vectorToVector],
  ['stddev_over_time', matrixToVector],
  ['stdvar_over_time', matrixToVector],
  ['sum_over_time', matrixToVector],
  ['tan', vectorToVector],
  ['tanh', vectorToVector],
  ['time', { argTypes: [], variadic: 0, returnType: s }],
  ['timestamp', vectorToVector],
  ['vector', { argTypes: [s], variadic: 0, returnType: v }],
  ['year', dateFunction],
]);

export function functionReturnType(name: string): ValueType {
  return FUNCTIONS.get(name)?.returnType ?? 'vector';
}
