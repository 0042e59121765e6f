import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** What other replicas must reload from the store when one replica edits it. */
export type ChangeTopic = 'rules' | 'channels' | 'silences' | 'services';
export const CHANGE_TOPICS: readonly ChangeTopic[] = ['rules', 'channels', 'silences', 'services'];

type Reload = () => Promise<void>;

/**
 * Cache invalidation between replicas. A replica that edits rules, channels, silences or health services
 * publishes the topic after its store write; every other replica reloads that part from the store. The
 * message carries no data: the store stays the one source of truth, and a lost message is repaired by the
 * next one (or by the full reload after a reconnect).
 */
export interface ChangeFeed {
  publish(topic: ChangeTopic): void;
  /** Registers the reload of a topic; returns the unsubscribe. */
  subscribe(topic: ChangeTopic, reload: Reload): () => void;
  close(): Promise<void>;
}

/** The embedded mode: one process, nothing to tell anyone. */
export class LocalChangeFeed implements ChangeFeed {
  publish(): void {}
  subscribe(): () => void {
    return () => undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Redis pub/sub (REDIS_URL). Reloads of one topic never overlap: messages arriving during a reload fold into
 * one more reload after it. After the subscriber reconnects (messages may have been missed during the
 * blip) every topic is reloaded.
 */
export class RedisChangeFeed implements ChangeFeed {
  private readonly reloads = new Map<ChangeTopic, Set<Reload>>();
  /** Per topic in reload: how many messages asked for it, and the loop serving them. */
  private readonly running = new Map<ChangeTopic, { asked: number; done: Promise<void> }>();
  private readonly channel: string;
  private connectedOnce = false;

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    keyPrefix: string,
    private readonly replicaId: string,
    private readonly log: Logger,
  ) {
    this.channel = `${keyPrefix}changes`;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.received(message);
    });
    subscriber.on('ready', () => {
      // (Re)subscribes on every connection: one made while Redis was down never took.
      subscriber.subscribe(this.channel).then(
        () => {
          if (this.connectedOnce) for (const topic of CHANGE_TOPICS) this.reload(topic);
          this.connectedOnce = true;
        },
        (error: unknown) => {
          log.warn({ err: error }, 'change feed: could not subscribe; retrying on the next connection');
        },
      );
    });
    subscriber.on('error', (error: Error) => {
      log.warn({ err: error }, 'change feed: Redis unavailable; edits on other replicas wait for it');
    });
  }

  /**
   * Subscribes before answering when Redis is there, so no edit published after start is missed; when it
   * is not, the service starts all the same (its /ready says so) and the feed subscribes once it returns.
   */
  static async open(
    publisher: Redis,
    keyPrefix: string,
    replicaId: string,
    log: Logger,
  ): Promise<RedisChangeFeed> {
    const subscriber = publisher.duplicate();
    const feed = new RedisChangeFeed(publisher, subscriber, keyPrefix, replicaId, log);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      const ready = (): void => {
        clearTimeout(timer);
        // Resolves once the 'ready' handler's subscription is done (queued after it on this connection).
        void subscriber.ping().then(
          () => {
            resolve();
          },
          () => {
            resolve();
          },
        );
      };
      subscriber.once('ready', ready);
    });
    return feed;
  }

  publish(topic: ChangeTopic): void {
    this.publisher
      .publish(this.channel, JSON.stringify({ topic, from: this.replicaId }))
      .catch((error: unknown) => {
        this.log.warn({ err: error, topic }, 'change feed: could not tell the other replicas');
      });
  }

  subscribe(topic: ChangeTopic, reload: Reload): () => void {
    let set = this.reloads.get(topic);
    if (set === undefined) this.reloads.set(topic, (set = new Set()));
    set.add(reload);
    return () => set.delete(reload);
  }

  /** Resolves once every reload started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  async close(): Promise<void> {
    await this.settled();
    this.subscriber.disconnect();
  }

  private received(message: string): void {
    let parsed: { topic?: unknown; from?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.from === this.replicaId) return; // this replica applied its own edit already
    if (CHANGE_TOPICS.includes(parsed.topic as ChangeTopic)) this.reload(parsed.topic as ChangeTopic);
  }

  private reload(topic: ChangeTopic): void {
    const current = this.running.get(topic);
    if (current !== undefined) {
      current.asked++;
      return;
    }
    const state = { asked: 1, done: Promise.resolve() };
    this.running.set(topic, state);
    state.done = (async () => {
      await Promise.resolve(); // starts after `running` holds it, even when nothing is subscribed
      for (let served = 0; served < state.asked;) {
        served = state.asked;
        for (const reload of this.reloads.get(topic) ?? [])
          await reload().catch((error: unknown) => {
            this.log.error({ err: error, topic }, 'change feed: reload failed; the next change retries');
          });
      }
      this.running.delete(topic);
    })();
  }
}
