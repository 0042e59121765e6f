import { encodeV1, snappy } from '../test/support/remote-write.js';

export const SAMPLES_PER_REQUEST = 1000;
export const SERIES = 10_000;
const BODIES = SERIES / SAMPLES_PER_REQUEST;

/** A source of request bodies, each with timestamps later than the last body of the same series. */
export interface BodySource {
  /** The next body whose series have no request in flight, and which of the ten bodies it is. */
  next(): { body: string | Buffer; shard: number };
  /** The request of that body was answered: its series may be sent again. */
  answered(shard: number): void;
  /** Forgets requests a finished load left unanswered (the next load starts seconds later). */
  restart(): void;
}

/**
 * Hands out the bodies in turn, skipping one whose previous request is still unanswered: the series of a
 * body then have one request in flight at a time, as a Prometheus sender's shard sends them. Without it,
 * two connections could carry the same series at once and a later request overtake an earlier one, which
 * a receiver rightly refuses as out of order (Prometheus did, 4 to 30 times a round).
 */
function shards(build: (shard: number) => string | Buffer): BodySource {
  const inFlight = new Array<boolean>(BODIES).fill(false);
  let n = 0;
  return {
    next() {
      let shard = n++ % BODIES;
      // At most one request per connection is in flight, so with fewer connections than bodies one is free.
      for (let tries = 0; inFlight[shard] && tries < BODIES; tries++) shard = n++ % BODIES;
      inFlight[shard] = true;
      return { body: build(shard), shard };
    },
    answered(shard) {
      inFlight[shard] = false;
    },
    restart() {
      inFlight.fill(false);
    },
  };
}

function seriesOf(i: number) {
  return {
    name: `bench_rw_metric_${String(i % 20)}`,
    counter: i % 2 === 0,
    instance: `host-${String(i % 50)}`,
  };
}

/**
 * Each body's next timestamp: the clock, or one past the body's last when the clock has not moved (two
 * requests of one body in the same millisecond). Every sample sent is then new (no duplicate or
 * out-of-order work), which is what a sender in steady state sends.
 */
function freshTimestamps(): (body: number) => number {
  const last = new Array<number>(BODIES).fill(0);
  return (body) => {
    const t = Math.max(Date.now(), last[body]! + 1);
    last[body] = t;
    return t;
  };
}

/** Little-endian base-128 varint bytes of a non-negative integer below 2^53. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return bytes;
}

/**
 * Remote write 1.0 bodies of the 10,000 series (ten of 1,000), taken in turn across all connections, each
 * with fresh timestamps. A body is encoded once; per request its timestamps are overwritten in place (ms
 * since the epoch are 6-byte varints until 2109) and the whole snappy-compressed, as a sender does.
 */
export function remoteWriteSource(): BodySource {
  const t0 = Date.now();
  const stamp = [0x10, ...varint(t0)]; // Sample.timestamp: field 2, varint
  const templates = Array.from({ length: BODIES }, (_, b) => {
    const series = Array.from({ length: SAMPLES_PER_REQUEST }, (__, k) => {
      const i = b * SAMPLES_PER_REQUEST + k;
      const s = seriesOf(i);
      return {
        labels: { __name__: s.counter ? `${s.name}_total` : s.name, instance: s.instance, shard: String(i) },
        samples: [{ value: (i % 97) + 0.5, timestamp: t0 }],
      };
    });
    const bytes = Buffer.from(encodeV1(series));
    const offsets: number[] = [];
    for (
      let at = bytes.indexOf(Buffer.from(stamp));
      at >= 0;
      at = bytes.indexOf(Buffer.from(stamp), at + 1)
    ) {
      offsets.push(at + 1);
    }
    if (offsets.length !== SAMPLES_PER_REQUEST) throw new Error('remote-write bench: timestamp not found');
    return { bytes, offsets };
  });
  const timestamp = freshTimestamps();
  return shards((b) => {
    const { bytes, offsets } = templates[b]!;
    const encoded = varint(timestamp(b));
    if (encoded.length !== stamp.length - 1) throw new Error('remote-write bench: timestamp width changed');
    for (const at of offsets) for (let j = 0; j < encoded.length; j++) bytes[at + j] = encoded[j]!;
    return snappy(bytes);
  });
}

/** The same series as JSON batch bodies (metric names suffixed `_json`), each sample with a fresh timestamp. */
export function jsonBatchSource(): BodySource {
  const marker = '"timestamp":-1';
  const templates = Array.from({ length: BODIES }, (_, b) => {
    const metrics = Array.from({ length: SAMPLES_PER_REQUEST }, (__, k) => {
      const i = b * SAMPLES_PER_REQUEST + k;
      const s = seriesOf(i);
      return {
        name: `${s.name}_json`,
        type: s.counter ? 'counter' : 'gauge',
        value: (i % 97) + 0.5,
        labels: { instance: s.instance, shard: String(i) },
        timestamp: -1,
      };
    });
    return JSON.stringify({ metrics }).split(marker);
  });
  const timestamp = freshTimestamps();
  return shards((b) => templates[b]!.join(`"timestamp":${String(timestamp(b))}`));
}
