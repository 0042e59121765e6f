import type { Logger } from 'pino';
import type { ChannelBook } from '../alerting/channel-book.js';
import type { RuleBook } from '../alerting/rule-book.js';
import { storedSilence, type SilenceSet } from '../alerting/silences.js';
import type { HealthChecker } from '../health/health-checker.js';
import type { AlertStore, HealthStore } from '../storage/ports.js';
import type { ChangeFeed, ChangeTopic } from './change-feed.js';

/** Store methods whose success other replicas must hear about, and the topic each one changes. */
const ALERT_WRITES: Partial<Record<keyof AlertStore, ChangeTopic>> = {
  saveRule: 'rules',
  deleteRule: 'rules',
  saveSilence: 'silences',
  deleteSilence: 'silences',
  saveChannel: 'channels',
  deleteChannel: 'channels',
};
const HEALTH_WRITES: Partial<Record<keyof HealthStore, ChangeTopic>> = {
  saveService: 'services',
  deleteService: 'services',
};

/**
 * The store with a publish after each successful write of the listed methods: every edit path (API,
 * files, bootstrap) tells the other replicas without the books or routes knowing about the cluster.
 */
function publishing<T extends object>(
  store: T,
  writes: Partial<Record<keyof T, ChangeTopic>>,
  feed: ChangeFeed,
): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const topic = writes[property as keyof T];
      if (topic === undefined || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        feed.publish(topic);
        return result;
      };
    },
  });
}

export function publishingAlertStore(store: AlertStore, feed: ChangeFeed): AlertStore {
  return publishing(store, ALERT_WRITES, feed);
}

export function publishingHealthStore(store: HealthStore, feed: ChangeFeed): HealthStore {
  return publishing(store, HEALTH_WRITES, feed);
}

/** Replaces the silences in memory with the stored ones. */
export async function reloadSilences(set: SilenceSet, store: AlertStore, log: Logger): Promise<void> {
  const rows = await store.loadSilences();
  const ids = new Set(rows.map((r) => r.id));
  for (const { id, data } of rows) {
    try {
      set.put(storedSilence(data).silence);
    } catch (error) {
      log.error({ err: error, silence: id }, 'reloaded silence skipped');
    }
  }
  for (const silence of set.list()) if (!ids.has(silence.id)) set.delete(silence.id);
}

/** Reloads each cached part from the store when another replica says it changed. */
export function subscribeReloads(
  feed: ChangeFeed,
  parts: {
    rules: RuleBook;
    channels: ChannelBook;
    silences: SilenceSet;
    alertStore: AlertStore;
    checker: HealthChecker;
    log: Logger;
  },
): () => void {
  const offs = [
    feed.subscribe('rules', () => parts.rules.reload()),
    feed.subscribe('channels', () => parts.channels.load()),
    feed.subscribe('silences', () => reloadSilences(parts.silences, parts.alertStore, parts.log)),
    feed.subscribe('services', () => parts.checker.reload()),
  ];
  return () => {
    for (const off of offs) off();
  };
}
