import { DomainError } from '../../domain/errors.js';
import type { MetricType } from '../../domain/metric.js';
import { checkLabels, checkMetricName, type LabelLimits } from '../../domain/names.js';
import { labelsKey } from '../../domain/series-key.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { IngestSample } from '../../ingest/sample-schema.js';
import type { Tsdb } from '../../tsdb/tsdb.js';
import { storedType } from '../remote-write/to-samples.js';
import type { SenderMetricType } from '../remote-write/write-series.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PgDatabase } from '../../storage/postgres/pg-database.js';
import { openDatabase } from '../../storage/sqlite/open-database.js';
import { GroupFile, type GroupFamily, type OwnedSeries, type PushGroup } from './group-file.js';
import { groupId, type GroupingKey } from './grouping-key.js';
import { PgPushGroupStore } from './pg-push-group-store.js';
import { expiryOf, type PushGroupStore } from './push-group-store.js';
import { SqlitePushGroupStore } from './sqlite-push-group-store.js';
import type { ExpositionFamily } from './text-format.js';

export interface PushGroupsDeps {
  ingest: IngestService;
  tsdb: Tsdb;
  /** Shared by the replicas (the service's database). */
  store: PushGroupStore;
  /** The per-process file of earlier versions: its groups are moved into the store once. */
  legacyFile?: GroupFile;
  labelLimits: LabelLimits;
  /** PUSH_GROUP_TTL, seconds; 0 keeps groups until deleted. */
  defaultTtlSeconds: number;
  clock?: () => number;
}

const PUSH_TIME = 'push_time_seconds';
const PUSH_FAILURE_TIME = 'push_failure_time_seconds';

const seriesKey = (s: OwnedSeries): string => `${s.name}${labelsKey(s.labels)}`;

/**
 * The Pushgateway's grouping semantics on the TSDB: PUT replaces a group's metrics, POST the metrics of
 * the same names, DELETE the group; every group has push_time_seconds and push_failure_time_seconds; a
 * metric's type and HELP must agree across groups. Plus a TTL per group: expired groups are deleted with
 * their series. Operations run one at a time in this process, each on the groups as stored (read again
 * first), so a group pushed to another replica is seen, replaced, deleted and expired here the same way.
 * Two replicas changing one group at the same instant: the last write wins (the Pushgateway gives no
 * stronger promise either).
 */
export class PushGroups {
  private readonly groups = new Map<string, PushGroup>();
  /** Which group owns each stored series, so two groups never write the same one. */
  private readonly owners = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: () => number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PushGroupsDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Deletes expired groups every second (the TTLs are in seconds or more). */
  start(): void {
    this.sweeper = setInterval(() => void this.expire().catch(() => undefined), 1000);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    await this.queue.catch(() => undefined);
    await this.deps.store.close();
  }

  get size(): number {
    return this.groups.size;
  }

  push(
    key: GroupingKey,
    families: readonly ExpositionFamily[],
    replace: 'group' | 'same-names',
    ttlSeconds: number | undefined,
  ): Promise<void> {
    return this.serial(() => this.pushNow(key, families, replace, ttlSeconds));
  }

  /** Whether the group existed. */
  delete(key: GroupingKey): Promise<boolean> {
    return this.serial(async () => {
      const group = this.groups.get(groupId(key));
      if (group === undefined) return false;
      await this.removeGroup(group);
      return true;
    });
  }

  /** Deletes the groups whose TTL has passed since their last push; how many. */
  expire(): Promise<number> {
    return this.serial(async () => {
      let removed = 0;
      for (const id of await this.deps.store.expired(this.clock())) {
        const group = this.groups.get(id);
        if (group !== undefined && (await this.removeGroup(group))) removed++;
      }
      return removed;
    });
  }

  /** One operation at a time, each on the groups as stored now. */
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const fresh = async (): Promise<T> => {
      await this.refresh();
      return step();
    };
    const run = this.queue.then(fresh, fresh);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async refresh(): Promise<void> {
    const legacy = this.deps.legacyFile;
    if (legacy !== undefined) {
      const stored = new Set((await this.deps.store.load()).map((g) => groupId(g.key)));
      for (const group of legacy.load())
        if (!stored.has(groupId(group.key)))
          await this.deps.store.save(groupId(group.key), group, expiryOf(group), this.clock());
      legacy.retire();
      delete this.deps.legacyFile;
    }
    this.groups.clear();
    this.owners.clear();
    for (const group of await this.deps.store.load()) this.adopt(group);
  }

  private async pushNow(
    key: GroupingKey,
    families: readonly ExpositionFamily[],
    replace: 'group' | 'same-names',
    ttlSeconds: number | undefined,
  ): Promise<void> {
    const id = groupId(key);
    const existing = this.groups.get(id);
    const nowSeconds = this.clock() / 1000;
    const failed = async (error: DomainError): Promise<never> => {
      const current = this.groups.get(id);
      if (current !== undefined) {
        current.failureTimeSeconds = nowSeconds;
        await this.ingestTimes(current);
        await this.save(current);
      }
      throw error;
    };
    const checked = this.check(id, key, families);
    if (checked instanceof DomainError) return failed(checked);

    const group: PushGroup = {
      key,
      families: replace === 'group' ? {} : { ...(existing?.families ?? {}) },
      pushTimeSeconds: nowSeconds,
      failureTimeSeconds: existing?.failureTimeSeconds ?? 0,
      ttlSeconds: ttlSeconds ?? existing?.ttlSeconds ?? this.deps.defaultTtlSeconds,
    };
    const samples: IngestSample[] = [];
    for (const family of families) {
      const owned: GroupFamily = { type: family.type, help: family.help, series: [] };
      for (const sample of family.samples) {
        const labels = { ...sample.labels, ...key };
        owned.series.push({ name: sample.name, labels });
        samples.push(checked.get(family)!(sample.name, labels, sample.value));
      }
      group.families[family.name] = owned;
    }
    samples.push(...this.timeSamples(group));
    const outcome = await this.deps.ingest.ingest(samples, 'custom');
    const dropped = this.dropped(existing, group);
    await this.deleteSeries(dropped);
    if (existing !== undefined) this.disown(existing);
    this.adopt(group);
    await this.save(group);
    const first = outcome.rejected[0];
    if (first !== undefined) {
      const sample = samples[first.index]!;
      return failed(
        new DomainError(
          'samples_rejected',
          400,
          `${String(outcome.rejected.length)} samples refused (the others are stored); first: ${sample.name}: ${first.reason}`,
          first.field,
          { rejected: outcome.rejected.slice(0, 10) },
        ),
      );
    }
  }

  /**
   * What the Pushgateway refuses before storing anything: timestamps, labels clashing with the grouping
   * key, its own time metrics, a type or HELP differing from another group's, and what the ingest path
   * would refuse for names, labels, types and counter values. Per family, how its samples are ingested.
   */
  private check(
    id: string,
    key: GroupingKey,
    families: readonly ExpositionFamily[],
  ):
    | Map<ExpositionFamily, (name: string, labels: Record<string, string>, value: number) => IngestSample>
    | DomainError {
    const out = new Map<
      ExpositionFamily,
      (name: string, labels: Record<string, string>, value: number) => IngestSample
    >();
    const seen = new Set<string>();
    for (const family of families) {
      const refuse = (
        reason: string,
        code: 'inconsistent_metric' | 'invalid_exposition' = 'inconsistent_metric',
      ) =>
        new DomainError(
          code,
          400,
          `pushed metrics are invalid or inconsistent with existing metrics: ${family.name}: ${reason}`,
          family.name,
        );
      if (family.name === PUSH_TIME || family.name === PUSH_FAILURE_TIME) {
        return refuse('this name is the Pushgateway’s own', 'invalid_exposition');
      }
      for (const [otherId, other] of this.groups) {
        if (otherId === id) continue;
        const theirs = other.families[family.name];
        if (theirs === undefined) continue;
        if (theirs.type !== family.type)
          return refuse(`is a ${theirs.type} in group ${otherId}, pushed as a ${family.type}`);
        if (theirs.help !== family.help)
          return refuse(`has HELP "${theirs.help}" in group ${otherId}, pushed with "${family.help}"`);
      }
      const metadata = { type: senderType(family.type), help: family.help, unit: '' };
      for (const sample of family.samples) {
        if (sample.timestamp !== undefined)
          return refuse('pushed metrics must not carry timestamps', 'invalid_exposition');
        for (const [label, value] of Object.entries(key)) {
          if (label in sample.labels && sample.labels[label] !== value) {
            return refuse(
              `label ${label}="${sample.labels[label]!}" conflicts with the grouping key (${label}="${value}")`,
            );
          }
        }
        const labels = { ...sample.labels, ...key };
        const skey = seriesKey({ name: sample.name, labels });
        if (seen.has(skey)) return refuse(`series ${sample.name}${labelsKey(labels)} twice in the push`);
        seen.add(skey);
        const owner = this.owners.get(skey);
        if (owner !== undefined && owner !== id)
          return refuse(`series ${sample.name}${labelsKey(labels)} belongs to group ${owner}`);
        const badName = checkMetricName(sample.name);
        if (badName !== undefined) return refuse(badName.reason, 'invalid_exposition');
        const badLabels = checkLabels(labels, { ...this.deps.labelLimits, refuseReserved: false });
        if (badLabels !== undefined) return refuse(badLabels.reason, 'invalid_exposition');
        const type = storedType(sample.name, labels, metadata, this.existingType(sample.name));
        if (type === 'histogram')
          return refuse(`${sample.name} is a histogram of this service (JSON observations)`);
        // A counter as the sender typed it, even one stored as a gauge to keep its name (storedType).
        const counter = type === 'counter' || family.type === 'counter';
        if (counter && !(Number.isFinite(sample.value) && sample.value >= 0)) {
          return refuse(
            `a counter's value must be a finite number ≥ 0, got ${String(sample.value)}`,
            'invalid_exposition',
          );
        }
      }
      out.set(family, (name, labels, value) => {
        const type = storedType(name, labels, metadata, this.existingType(name));
        return {
          name,
          labels,
          value,
          type,
          asSent: true,
          ...(family.help === '' ? {} : { help: family.help.slice(0, 1024) }),
          ...(type === 'counter' ? { cumulative: { kind: 'counter-total' as const } } : {}),
        };
      });
    }
    return out;
  }

  private existingType(name: string): MetricType | undefined {
    return this.deps.tsdb.reader.family(name)?.def.type;
  }

  private timeSamples(group: PushGroup): IngestSample[] {
    const labels = { ...group.key };
    return [
      {
        name: PUSH_TIME,
        labels,
        value: group.pushTimeSeconds,
        type: 'gauge',
        help: 'Last Unix time when changing this group in the Pushgateway succeeded.',
      },
      {
        name: PUSH_FAILURE_TIME,
        labels,
        value: group.failureTimeSeconds,
        type: 'gauge',
        help: 'Last Unix time when changing this group in the Pushgateway failed.',
      },
    ];
  }

  private async ingestTimes(group: PushGroup): Promise<void> {
    await this.deps.ingest.ingest(this.timeSamples(group), 'custom');
  }

  /** Series the old state owned that the new one does not. */
  private dropped(before: PushGroup | undefined, after: PushGroup): OwnedSeries[] {
    if (before === undefined) return [];
    const kept = new Set(Object.values(after.families).flatMap((f) => f.series.map(seriesKey)));
    return Object.values(before.families)
      .flatMap((f) => f.series)
      .filter((s) => !kept.has(seriesKey(s)));
  }

  /** Deletes these series' label sets from the TSDB (their history with them), one family at a time. */
  private async deleteSeries(series: readonly OwnedSeries[]): Promise<void> {
    const byFamily = new Map<string, Set<string>>();
    for (const s of series) {
      const keys = byFamily.get(s.name) ?? new Set<string>();
      keys.add(labelsKey(s.labels));
      byFamily.set(s.name, keys);
    }
    for (const [name, keys] of byFamily)
      await this.deps.tsdb.deleteLabelSets([name], (labels) => keys.has(labelsKey(labels)));
  }

  /** Deletes the group's series and its row; whether this replica deleted the row (not another first). */
  private async removeGroup(group: PushGroup): Promise<boolean> {
    const sets = [
      ...Object.values(group.families).flatMap((f) => f.series),
      { name: PUSH_TIME, labels: group.key },
      { name: PUSH_FAILURE_TIME, labels: group.key },
    ];
    await this.deleteSeries(sets);
    this.disown(group);
    this.groups.delete(groupId(group.key));
    return this.deps.store.delete(groupId(group.key));
  }

  private adopt(group: PushGroup): void {
    const id = groupId(group.key);
    this.groups.set(id, group);
    for (const family of Object.values(group.families))
      for (const s of family.series) this.owners.set(seriesKey(s), id);
  }

  private disown(group: PushGroup): void {
    for (const family of Object.values(group.families))
      for (const s of family.series) this.owners.delete(seriesKey(s));
  }

  private save(group: PushGroup): Promise<void> {
    return this.deps.store.save(groupId(group.key), group, expiryOf(group), this.clock());
  }
}

function senderType(type: ExpositionFamily['type']): SenderMetricType {
  return type === 'untyped' ? 'unknown' : type;
}

/**
 * The groups the app serves: stored in the service's database (PostgreSQL with DATABASE_URL, shared by the
 * replicas, through the replica's pool; else the SQLite file in DATA_DIR, through a connection of their own,
 * which stop() closes); the TSDB and ingest path of the service. A group file of an earlier version is moved in at the first use.
 */
export function openPushGroups(services: {
  ingest: IngestService;
  tsdb: Tsdb;
  /** Scaled out: the replica's PostgreSQL pool, used instead of a connection of their own. */
  cluster?: { database: PgDatabase | undefined };
  config: {
    dataDir: string;
    databaseUrl?: string | undefined;
    pushGroupTtlSeconds: number;
    maxLabelsPerSeries: number;
    maxLabelNameLength: number;
    maxLabelValueLength: number;
  };
}): PushGroups {
  const { config } = services;
  const store =
    config.databaseUrl === undefined
      ? new SqlitePushGroupStore(openDatabase(join(config.dataDir, 'metrics.db'), 'normal'), true)
      : services.cluster?.database !== undefined
        ? // The replica's one pool (ADR 0020 deployments): its owner ends it.
          new PgPushGroupStore(services.cluster.database)
        : new PgPushGroupStore(new PgDatabase({ url: config.databaseUrl, max: 2 }), true);
  const legacyPath = join(config.dataDir, 'pushgateway-groups.json');
  return new PushGroups({
    ingest: services.ingest,
    tsdb: services.tsdb,
    store,
    ...(existsSync(legacyPath) ? { legacyFile: new GroupFile(legacyPath) } : {}),
    labelLimits: {
      maxLabels: config.maxLabelsPerSeries,
      maxNameLength: config.maxLabelNameLength,
      maxValueLength: config.maxLabelValueLength,
    },
    defaultTtlSeconds: config.pushGroupTtlSeconds,
  });
}
