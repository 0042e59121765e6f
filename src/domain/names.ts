import { rejection, type Rejection } from './errors.js';

// The Prometheus data model rules (https://prometheus.io/docs/concepts/data_model/).
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const MAX_METRIC_NAME_LENGTH = 200;

export function checkMetricName(name: string, field = 'name'): Rejection | undefined {
  if (name.length === 0 || name.length > MAX_METRIC_NAME_LENGTH || !METRIC_NAME.test(name)) {
    return rejection(
      'invalid_metric_name',
      `metric name "${truncate(name)}" must match [a-zA-Z_:][a-zA-Z0-9_:]* and be at most ${MAX_METRIC_NAME_LENGTH} characters`,
      field,
    );
  }
  if (name.startsWith('__')) {
    return rejection('invalid_metric_name', 'metric names starting with "__" are reserved', field);
  }
  return undefined;
}

export interface LabelLimits {
  maxLabels: number;
  maxNameLength: number;
  maxValueLength: number;
  /**
   * Whether `le` and `quantile` are refused (the default). Only a histogram family sets them itself; a
   * remote-written `x_bucket{le="0.1"}` kept flat, or a summary's `x{quantile="0.5"}`, carries them as
   * ordinary labels.
   */
  refuseReserved?: boolean;
}

/** Labels the service sets itself; a client may not supply them. */
const RESERVED_LABELS = new Set(['le', 'quantile']);

export function checkLabels(
  labels: Record<string, unknown>,
  limits: LabelLimits,
  field = 'labels',
): Rejection | undefined {
  let count = 0;
  for (const key in labels) {
    if (!Object.hasOwn(labels, key)) continue;
    count++;
    if (count > limits.maxLabels) {
      return rejection('too_many_labels', `at most ${limits.maxLabels} labels per series`, field);
    }
    const value = labels[key];
    const where = `${field}.${truncate(key, 64)}`;
    if (key.length > limits.maxNameLength) {
      return rejection(
        'invalid_label_name',
        `label names are at most ${limits.maxNameLength} characters`,
        where,
      );
    }
    if (!LABEL_NAME.test(key) || key.startsWith('__')) {
      return rejection(
        'invalid_label_name',
        `label name "${truncate(key)}" must match [a-zA-Z_][a-zA-Z0-9_]* and not start with "__"`,
        where,
      );
    }
    if (limits.refuseReserved !== false && RESERVED_LABELS.has(key)) {
      return rejection('invalid_label_name', `label "${key}" is set by the service for histograms`, where);
    }
    if (typeof value !== 'string') {
      return rejection('invalid_label_value', 'label values must be strings', where);
    }
    if (value.length > limits.maxValueLength) {
      return rejection(
        'invalid_label_value',
        `label values are at most ${limits.maxValueLength} characters`,
        where,
      );
    }
    if (value.length === 0) {
      // Prometheus treats an empty label value as an absent label; refusing it avoids two keys for one series.
      return rejection(
        'invalid_label_value',
        'label values must not be empty (omit the label instead)',
        where,
      );
    }
  }
  return undefined;
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
