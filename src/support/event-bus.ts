import type { Logger } from 'pino';

/**
 * The typed in-process bus between the core and its consumers (alerting, realtime). A listener that
 * throws is logged and never stops the others nor the emitter: a broken consumer must not break checks.
 */
export class EventBus<Events extends object> {
  // Keyed loosely so a bus of more events can be handed to code that publishes or hears fewer.
  private readonly listeners = new Map<PropertyKey, Set<(payload: never) => void>>();

  constructor(private readonly log: Logger) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (error) {
        this.log.error({ err: error, event: String(type) }, 'event listener failed');
      }
    }
  }
}
