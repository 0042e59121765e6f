/**
 * The Prometheus text exposition format (0.0.4), as pushed to a Pushgateway. No npm parser is kept up for
 * it (parse-prometheus-text-format was last published in 2019 and drops the escapes), so this one is
 * small and property-tested against a writer (test/receivers/text-format.test.ts).
 */
export type ExpositionType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface ExpositionFamily {
  name: string;
  type: ExpositionType;
  help: string;
  samples: ExpositionSample[];
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${String(line)}: ${reason}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<ExpositionType, readonly string[]> = {
  counter: [],
  gauge: [],
  untyped: [],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** The families of a text exposition, in order of first appearance. */
export function parseExposition(text: string): ExpositionFamily[] {
  const families = new Map<string, ExpositionFamily>();
  const family = (name: string): ExpositionFamily => {
    let found = families.get(name);
    if (found === undefined) {
      found = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  const typed = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const number = i + 1;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const match = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t](.*))?$/s.exec(line);
      if (match === null) continue; // an ordinary comment
      const [, keyword, name, rest = ''] = match as unknown as [string, string, string, string?];
      if (!METRIC_NAME.test(name)) throw new ExpositionError(number, `"${name}" is not a metric name`);
      const target = family(name);
      if (keyword === 'HELP') target.help = unescapeHelp(rest, number);
      else {
        const type = rest.trim();
        if (!TYPES.has(type)) throw new ExpositionError(number, `unknown type "${type}"`);
        if (typed.has(name)) throw new ExpositionError(number, `second TYPE line for ${name}`);
        if (target.samples.length > 0) throw new ExpositionError(number, `TYPE of ${name} after its samples`);
        typed.add(name);
        target.type = type as ExpositionType;
      }
      continue;
    }
    const sample = parseSample(line, number);
    family(familyOf(sample.name, families)).samples.push(sample);
  }
  return [...families.values()];
}

/** The family a sample belongs to: a typed histogram or summary takes its suffixed series. */
function familyOf(name: string, families: ReadonlyMap<string, ExpositionFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base !== undefined && SUFFIXES[base.type].includes(suffix)) return base.name;
  }
  return name;
}

function parseSample(line: string, number: number): ExpositionSample {
  let at = 0;
  while (at < line.length && line[at] !== '{' && line[at] !== ' ' && line[at] !== '\t') at++;
  const name = line.slice(0, at);
  if (!METRIC_NAME.test(name))
    throw new ExpositionError(number, `"${name.slice(0, 80)}" is not a metric name`);
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    for (;;) {
      at = skipSpaces(line, at);
      if (line[at] === '}') {
        at++;
        break;
      }
      const start = at;
      while (at < line.length && /[a-zA-Z0-9_]/.test(line[at]!)) at++;
      const label = line.slice(start, at);
      if (!LABEL_NAME.test(label))
        throw new ExpositionError(number, `bad label name at column ${String(start + 1)}`);
      at = skipSpaces(line, at);
      if (line[at] !== '=' || line[skipSpaces(line, at + 1)] !== '"') {
        throw new ExpositionError(number, `expected ="…" after label ${label}`);
      }
      at = skipSpaces(line, at + 1) + 1;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) throw new ExpositionError(number, `unterminated value of label ${label}`);
        at++;
        if (c === '"') break;
        if (c !== '\\') {
          value += c;
          continue;
        }
        const escaped = line[at++];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new ExpositionError(number, `bad escape \\${escaped ?? ''} in label ${label}`);
      }
      if (Object.hasOwn(labels, label)) throw new ExpositionError(number, `label ${label} twice`);
      labels[label] = value;
      at = skipSpaces(line, at);
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new ExpositionError(number, `expected , or } after label ${label}`);
    }
  }
  const fields = line
    .slice(at)
    .trim()
    .split(/[ \t]+/);
  if (fields.length === 0 || fields[0] === '' || fields.length > 2) {
    throw new ExpositionError(number, 'expected a value and an optional timestamp after the metric');
  }
  const value = parseValue(fields[0]!);
  if (value === undefined) throw new ExpositionError(number, `"${fields[0]!.slice(0, 40)}" is not a number`);
  const sample: ExpositionSample = { name, labels, value };
  if (fields[1] !== undefined) {
    const timestamp = Number(fields[1]);
    if (!Number.isSafeInteger(timestamp))
      throw new ExpositionError(number, `"${fields[1]}" is not a timestamp`);
    sample.timestamp = timestamp;
  }
  return sample;
}

function skipSpaces(line: string, at: number): number {
  while (line[at] === ' ' || line[at] === '\t') at++;
  return at;
}

/** A value as Go's strconv.ParseFloat reads it in this format: numbers, NaN, ±Inf. */
export function parseValue(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case '+inf':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function unescapeHelp(text: string, number: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === 'n') out += '\n';
    else if (next === '\\') out += '\\';
    else throw new ExpositionError(number, `bad escape \\${next ?? ''} in HELP`);
  }
  return out;
}
