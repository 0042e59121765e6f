/**
 * Which protocol version a request speaks, from its Content-Type (the 2.0 spec's negotiation):
 * `application/x-protobuf` alone or with `proto=prometheus.WriteRequest` is 1.0, with
 * `proto=io.prometheus.write.v2.Request` 2.0. Anything else is answered 415 with this list.
 */
export const SUPPORTED_CONTENT_TYPES = [
  'application/x-protobuf;proto=prometheus.WriteRequest',
  'application/x-protobuf;proto=io.prometheus.write.v2.Request',
] as const;

export type Negotiated = { version: '1.0' | '2.0' } | { unsupported: string };

export function negotiate(contentType: string | undefined): Negotiated {
  if (contentType === undefined || contentType.trim() === '') {
    // Old senders omitted it; Prometheus' own receiver assumes 1.0 too.
    return { version: '1.0' };
  }
  const [mediaType, ...params] = contentType.split(';').map((part) => part.trim());
  if (mediaType?.toLowerCase() !== 'application/x-protobuf') {
    return { unsupported: `content type "${contentType}" is not a remote write message` };
  }
  let proto: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() === 'proto') {
      proto = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
    }
  }
  if (proto === undefined || proto === 'prometheus.WriteRequest') return { version: '1.0' };
  if (proto === 'io.prometheus.write.v2.Request') return { version: '2.0' };
  return { unsupported: `proto "${proto}" is not supported` };
}

/** The only compression both versions define is snappy's block format; a missing header means none. */
export function encodingProblem(contentEncoding: string | undefined): string | undefined {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (encoding === 'snappy') return undefined;
  return encoding === undefined || encoding === ''
    ? 'remote write bodies are snappy-compressed: send Content-Encoding: snappy'
    : `content encoding "${contentEncoding}" is not supported: remote write uses snappy (block format)`;
}
