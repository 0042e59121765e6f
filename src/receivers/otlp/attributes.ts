import type { Int64, OtlpAnyValue, OtlpKeyValue } from './codec.js';
import { labelName } from './names.js';

/** An int64 as a JavaScript number (exact up to 2^53, which counts and nanosecond times stay far from). */
export function toNumber(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  const low = value.low >>> 0;
  return value.unsigned ? value.high * 2 ** 32 + low : (value.high | 0) * 2 ** 32 + low;
}

/** An int64 exactly, as decimal text (attribute values are compared as text, so precision matters). */
function int64Text(value: Int64): string {
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  const low = BigInt(value.low >>> 0);
  const high = value.unsigned ? BigInt(value.high >>> 0) : BigInt(value.high | 0);
  return String((high << 32n) + low);
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A value as JSON, for arrays and maps (the spec's "AnyValue representation for non-OTLP protocols"). */
function jsonOf(value: OtlpAnyValue | null | undefined): Json {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'intValue':
      return Number(int64Text(value.intValue));
    case 'doubleValue':
      return Number.isFinite(value.doubleValue) ? value.doubleValue : String(value.doubleValue);
    case 'bytesValue':
      return Buffer.from(value.bytesValue).toString('base64');
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map(jsonOf);
    case 'kvlistValue':
      return Object.fromEntries((value.kvlistValue?.values ?? []).map((kv) => [kv.key, jsonOf(kv.value)]));
    case undefined:
      return null;
  }
}

/** An attribute value as label text: strings as they are, scalars as written, arrays and maps as JSON. */
export function attributeText(value: OtlpAnyValue | null | undefined): string {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue ? 'true' : 'false';
    case 'intValue':
      return int64Text(value.intValue);
    case 'doubleValue':
      return String(value.doubleValue);
    case undefined:
      return '';
    case 'bytesValue':
    case 'arrayValue':
    case 'kvlistValue':
      return JSON.stringify(jsonOf(value));
  }
}

/** Label names of attribute keys seen lately: the same few keys come with every point. */
const labelNames = new Map<string, string>();
const MAX_CACHED_NAMES = 10_000;

function cachedLabelName(key: string): string {
  let name = labelNames.get(key);
  if (name === undefined) {
    name = labelName(key);
    if (labelNames.size >= MAX_CACHED_NAMES) labelNames.clear();
    labelNames.set(key, name);
  }
  return name;
}

/**
 * Attributes as labels. Keys that become the same label name after sanitising have their values joined
 * with `;` in the order of the original keys, as the spec says; empty values are left out (Prometheus
 * reads an empty label as an absent one). `skip` names keys that are mapped elsewhere.
 */
export function attributeLabels(
  attributes: readonly OtlpKeyValue[],
  into: Record<string, string> = {},
  skip?: ReadonlySet<string>,
): Record<string, string> {
  // The usual case, distinct label names, writes straight into `into`; a collision redoes it the slow way.
  const written: string[] = [];
  for (const kv of attributes) {
    if (skip?.has(kv.key)) continue;
    const name = cachedLabelName(kv.key);
    const text = attributeText(kv.value);
    if (text === '' || name === '') continue;
    if (written.includes(name)) return joinedLabels(attributes, into, skip);
    into[name] = text;
    written.push(name);
  }
  return into;
}

function joinedLabels(
  attributes: readonly OtlpKeyValue[],
  into: Record<string, string>,
  skip?: ReadonlySet<string>,
): Record<string, string> {
  const byLabel = new Map<string, { key: string; text: string }[]>();
  for (const kv of attributes) {
    if (skip?.has(kv.key)) continue;
    const text = attributeText(kv.value);
    const name = cachedLabelName(kv.key);
    if (text === '' || name === '') continue;
    const entries = byLabel.get(name);
    if (entries === undefined) byLabel.set(name, [{ key: kv.key, text }]);
    else entries.push({ key: kv.key, text });
  }
  for (const [name, entries] of byLabel) {
    into[name] = entries
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((entry) => entry.text)
      .join(';');
  }
  return into;
}
