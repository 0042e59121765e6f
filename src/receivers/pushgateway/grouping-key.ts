/**
 * The grouping key of a Pushgateway URL: `/metrics/job/<job>{/<label>/<value>}`, any name or value
 * segment may be `<name>@base64/<url-safe base64>` (RFC 4648 §5, padding optional, `=` for an empty value),
 * as the Pushgateway reads it.
 */
export type GroupingKey = Record<string, string>;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class GroupingKeyError extends Error {}

/** `path` is what follows `/metrics/` (already split from the query string). */
export function parseGroupingKey(path: string): GroupingKey {
  const segments = path.split('/');
  if (segments.length % 2 !== 0) {
    throw new GroupingKeyError('the path must be /metrics/job/<job> followed by /<label>/<value> pairs');
  }
  const key: GroupingKey = {};
  for (let i = 0; i < segments.length; i += 2) {
    let name = decode(segments[i]!);
    let value = decode(segments[i + 1]!);
    if (name.endsWith('@base64')) {
      name = name.slice(0, -'@base64'.length);
      value = fromBase64(value, name);
    }
    if (i === 0 && name !== 'job') throw new GroupingKeyError('the grouping key starts with /job/<job>');
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new GroupingKeyError(`"${name.slice(0, 80)}" is not a label name`);
    }
    if (Object.hasOwn(key, name)) throw new GroupingKeyError(`label ${name} twice in the grouping key`);
    if (value === '') {
      throw new GroupingKeyError(
        name === 'job'
          ? 'the job name must not be empty'
          : `label ${name} is empty: an empty value means no label, leave it out of the URL`,
      );
    }
    key[name] = value;
  }
  return key;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GroupingKeyError(`"${segment.slice(0, 80)}" is not valid percent-encoding`);
  }
}

function fromBase64(text: string, name: string): string {
  if (text === '=') return '';
  if (!/^[A-Za-z0-9\-_]*={0,2}$/.test(text) && !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new GroupingKeyError(`the value of ${name}@base64 is not base64`);
  }
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

/** One string per grouping key, whatever the order of its labels. */
export function groupId(key: GroupingKey): string {
  return JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
