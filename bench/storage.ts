import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { migrateSqlite } from '../src/storage/sqlite/migrations.js';
import { openDatabase } from '../src/storage/sqlite/open-database.js';
import { SqliteMetricStore } from '../src/storage/sqlite/sqlite-metric-store.js';
import { checkpoint } from '../src/tsdb/checkpoint.js';
import { Heads } from '../src/tsdb/heads.js';
import { WriteLock } from '../src/tsdb/write-lock.js';
import { report, seeded, tempDir } from './support.js';

/**
 * Bytes per sample on disk after 10 million samples of 10,000 series, 15 s apart: random-walk gauges
 * (two decimals, like a percentage), byte gauges (integers), counters (integer increments) and 10 %
 * of gauges with full float noise (ratios computed by clients), against 16 bytes of raw (t, v) pairs.
 */
export async function benchStorage(samples = 10_000_000, seriesCount = 10_000): Promise<void> {
  const dir = tempDir('storage');
  const file = join(dir, 'metrics.db');
  const store = openStore(file);
  // The heads and checkpoints alone: what this measures is what they write.
  const heads = new Heads();
  const lock = new WriteLock();
  const rnd = seeded(42);
  const start = Date.UTC(2026, 0, 1);
  // Starting values as such series have them: percentages with two decimals, byte counts and counters as
  // integers, ratios as arbitrary floats.
  const state = Array.from({ length: seriesCount }, (_, i) => {
    const kind = i % 10;
    const value =
      kind < 4
        ? Math.round(rnd() * 10_000) / 100
        : kind < 6
          ? Math.round(rnd() * 2 ** 30)
          : kind < 9
            ? Math.round(rnd() * 1e6)
            : rnd();
    return { kind, value };
  });
  await store.commit({
    families: [],
    series: state.map((_, id) => ({
      id: id + 1,
      family: 'bench',
      labels: { id: String(id) },
      role: 'value',
      le: null,
      createdAt: start,
    })),
    samples: null,
  });
  const rounds = Math.ceil(samples / seriesCount);
  for (let r = 0; r < rounds; r++) {
    const t = start + r * 15_000;
    for (let id = 0; id < seriesCount; id++) {
      const s = state[id]!;
      if (s.kind < 4)
        s.value = Math.round((s.value + (rnd() - 0.5) * 2) * 100) / 100; // percentage-like gauge
      else if (s.kind < 6)
        s.value += Math.round((rnd() - 0.5) * 8192) * 4; // bytes gauge
      else if (s.kind < 9)
        s.value += Math.floor(rnd() * 50); // counter
      else s.value = s.value * (1 + (rnd() - 0.5) * 0.01); // float noise
      heads.append(id + 1, t, s.value);
    }
    if (r % 240 === 239) await checkpoint(store, heads, lock);
  }
  await checkpoint(store, heads, lock);
  const db = openDatabase(file, 'normal');
  const content = db
    .prepare(
      `SELECT (SELECT SUM(LENGTH(data)) FROM chunks) + (SELECT SUM(LENGTH(data)) FROM head_chunks) AS bytes,
              (SELECT COUNT(*) FROM chunks) + (SELECT COUNT(*) FROM head_chunks) AS chunks`,
    )
    .get() as {
    bytes: number;
    chunks: number;
  };
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  await store.close(); // folds the SQLite -wal file into the database
  const bytes = statSync(file).size;
  const total = rounds * seriesCount;
  report('storage', {
    samples: total,
    bytes_on_disk: bytes,
    bytes_per_sample: bytes / total,
    chunk_payload_bytes_per_sample: content.bytes / total,
    chunks: content.chunks,
    free_pages_bytes_before_close: free * pageSize,
    raw_bytes_per_sample: 16,
    ratio_vs_raw: bytes / total / 16,
    target: '<= 3 bytes/sample',
  });
  if (process.env.BENCH_KEEP === '1')
    console.log(`kept ${file}`); // for inspection with sqlite3's dbstat
  else rmSync(dir, { recursive: true, force: true });
}

function openStore(file: string): SqliteMetricStore {
  const db = openDatabase(file, 'normal');
  migrateSqlite(db);
  return new SqliteMetricStore(db, file);
}

/**
 * What writing every series of a histogram label set at every sample costs (PromQL's lookback needs a
 * recent sample in each `_bucket` series), against writing only the series whose value changed (what
 * ingest did before): one latency histogram (Prometheus' default buckets) getting one observation every
 * 15 s, log-normal around 80 ms, for `samples` label-set samples. Chunk payload bytes, same run.
 */
export function benchHistogramStorage(samples = 100_000): Promise<void> {
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Number.POSITIVE_INFINITY];
  const width = bounds.length + 2;
  const rnd = seeded(7);
  const start = Date.UTC(2026, 0, 1);
  const all = new Heads();
  const changedOnly = new Heads();
  const values = new Float64Array(width);
  let writtenAll = 0;
  let writtenChanged = 0;
  for (let n = 0; n < samples; n++) {
    const t = start + n * 15_000;
    // Box-Muller: a log-normal latency around 80 ms.
    const normal = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    const latency = 0.08 * Math.exp(0.9 * normal);
    const before = values.slice();
    for (let b = 0; b < bounds.length; b++) if (latency <= bounds[b]!) values[b]! += 1;
    values[bounds.length]! += latency;
    values[bounds.length + 1]! += 1;
    for (let i = 0; i < width; i++) {
      all.append(i + 1, t, values[i]!);
      writtenAll++;
      if (n === 0 || values[i] !== before[i]) {
        changedOnly.append(i + 1, t, values[i]!);
        writtenChanged++;
      }
    }
  }
  const payload = (heads: Heads): number => {
    let bytes = 0;
    for (let id = 1; id <= width; id++) {
      for (const chunk of heads.get(id)?.memoryChunks() ?? []) bytes += chunk.data.byteLength;
    }
    return bytes;
  };
  const allBytes = payload(all);
  const changedBytes = payload(changedOnly);
  report('storage_histogram', {
    label_set_samples: samples,
    series_per_set: width,
    all_series_samples: writtenAll,
    changed_only_samples: writtenChanged,
    all_series_bytes_per_set_sample: allBytes / samples,
    changed_only_bytes_per_set_sample: changedBytes / samples,
    cost_ratio_all_vs_changed: allBytes / changedBytes,
  });
  return Promise.resolve();
}
