import { inSpan } from '../telemetry/tracing.js';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { nextHealth, type HealthState, type HealthTracker } from '../domain/health-state.js';
import type { EgressGuard } from '../security/egress-guard.js';
import type { HealthStore, StoredHealthState } from '../storage/ports.js';
import type { EventBus } from '../support/event-bus.js';
import type { CheckRecorder } from './check-recorder.js';
import type { HealthEvents } from './health-events.js';
import { PROBES } from './probes/probe-registry.js';
import type { HeartbeatReader, ProbeReason, ProbeResult } from './probes/probe.js';
import { resolveDefinition, type ServiceDefaults } from './resolve-definition.js';
import { CheckScheduler } from './scheduler.js';
import {
  storedServiceInput,
  type ServiceDefinition,
  type ServiceInput,
  type ServiceOrigin,
  type ServicePatch,
} from './service-schema.js';

export interface WatchedService {
  id: number;
  definition: ServiceDefinition;
  /** As the client sent it (defaults implicit), for GET answers and PATCH merges. */
  input: ServiceInput;
  origin: ServiceOrigin;
  createdAt: number;
  updatedAt: number;
  tracker: HealthTracker;
  /** The reason of the last failed or degraded check. */
  reason: ProbeReason | undefined;
  last: { at: number; result: ProbeResult } | undefined;
}

export interface HealthCheckerDeps {
  store: HealthStore;
  guard: EgressGuard;
  defaults: ServiceDefaults;
  recorder: CheckRecorder;
  bus: EventBus<HealthEvents>;
  log: Logger;
  maxServices: number;
  concurrency: number;
  /** Removes a deleted service's series from the metric store and /metrics. */
  dropSeries: (service: string) => Promise<void>;
  onLateness?: (ms: number) => void;
  clock?: () => number;
  /**
   * Whether this replica checks that service on schedule (scaled-out mode: rendezvous hashing over the live
   * members, src/cluster/check-assignment.ts). Asked at every due time, so services move as members come
   * and go without rescheduling. None: every service is this process's.
   */
  isAssigned?: (service: string) => boolean;
  /** Heartbeats of push monitors (push-heartbeats.ts), read by their checks. */
  heartbeats?: HeartbeatReader;
}

/**
 * Watches the registered services: keeps their definitions (API or services file), schedules their
 * checks, turns results into states (DOWN after `retries` failures, UP after one success), publishes each
 * change on the bus with its reason and hands every result to the recorder for history.
 */
export class HealthChecker {
  private readonly services = new Map<string, WatchedService>();
  private readonly scheduler: CheckScheduler;
  private readonly clock: () => number;
  private started = false;
  /**
   * Services this replica checked at its last due time (scaled-out mode). One that becomes ours again (a
   * member left or joined) first takes its state machine over from the store: another replica may have
   * checked it meanwhile, and its failures must keep counting toward DOWN, not restart from zero.
   */
  private readonly owned = new Set<string>();

  constructor(private readonly deps: HealthCheckerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.scheduler = new CheckScheduler((name) => this.scheduledCheck(name), {
      concurrency: deps.concurrency,
      ...(deps.onLateness === undefined ? {} : { onLateness: deps.onLateness }),
    });
  }

  /** Loads stored services, applies the services file (its services replace earlier file ones), restores states. */
  async load(fileServices: readonly ServiceInput[]): Promise<void> {
    const { store } = this.deps;
    const now = this.clock();
    const inFile = new Set(fileServices.map((s) => s.name));
    for (const stored of await store.loadServices()) {
      if (stored.origin === 'file' && !inFile.has(stored.name)) {
        await store.deleteService(stored.id);
        continue;
      }
      try {
        const { input, dropped } = storedServiceInput(stored.input);
        if (dropped.length > 0)
          this.deps.log.warn(
            { service: stored.name, dropped },
            'stored health service: invalid fields reset',
          );
        this.services.set(
          stored.name,
          this.watched(stored.id, input, stored.origin, stored.createdAt, stored.updatedAt),
        );
      } catch (error) {
        // A definition this version no longer accepts (a stricter rule, EGRESS_ALLOWLIST narrowed) must
        // not stop the whole service: it stays stored, unwatched, and the log says why.
        this.deps.log.error({ err: error, service: stored.name }, 'stored health service skipped');
      }
    }
    for (const input of fileServices) {
      const existing = this.services.get(input.name);
      const definition = this.resolve(input);
      const id = await store.saveService(input.name, JSON.stringify(input), 'file', now);
      this.services.set(input.name, {
        ...(existing ?? this.watched(id, input, 'file', now, now)),
        id,
        input,
        definition,
        origin: 'file',
        updatedAt: now,
      });
    }
    const byId = new Map([...this.services.values()].map((s) => [s.id, s]));
    for (const event of await store.latestEvents()) {
      const service = byId.get(event.serviceId);
      if (service === undefined) continue;
      const state = event.state as HealthState;
      service.tracker = {
        state,
        failures: state === 'down' ? service.definition.retries : 0,
        since: event.at,
      };
      if (event.reasonCode !== null)
        service.reason = { code: event.reasonCode as ProbeReason['code'], message: event.reason ?? '' };
    }
    // The checker states are newer and exact (failures below the threshold included) where they exist.
    for (const stored of await store.healthStates()) {
      const service = byId.get(stored.serviceId);
      if (service !== undefined && stored.checkedAt >= service.tracker.since) adoptState(service, stored);
    }
  }

  /** Sets the assignment predicate after construction (the cluster's membership may come later). */
  assignTo(isAssigned: (service: string) => boolean): void {
    this.deps.isAssigned = isAssigned;
  }

  /** Whether this process checks the service on schedule (scaled out: whether it is assigned here). */
  checksHere(name: string): boolean {
    return this.deps.isAssigned?.(name) !== false;
  }

  start(): void {
    this.started = true;
    for (const service of this.services.values())
      this.scheduler.add(service.definition.name, service.definition.interval);
  }

  stop(): void {
    this.scheduler.stop();
  }

  list(): WatchedService[] {
    return [...this.services.values()].sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  }

  /** The service of that name, or undefined (no 404 thrown: for lookups on hot paths). */
  find(name: string): WatchedService | undefined {
    return this.services.get(name);
  }

  get(name: string): WatchedService {
    const service = this.services.get(name);
    if (service === undefined)
      throw new DomainError('service_not_found', 404, `no service named "${name}"`, 'name');
    return service;
  }

  get queued(): number {
    return this.scheduler.queued;
  }

  async add(input: ServiceInput): Promise<WatchedService> {
    if (this.services.has(input.name))
      throw new DomainError(
        'service_exists',
        409,
        `a service named "${input.name}" exists; PUT or PATCH changes it`,
        'name',
      );
    if (this.services.size >= this.deps.maxServices)
      throw new DomainError(
        'service_limit_exceeded',
        422,
        `at most ${String(this.deps.maxServices)} services are watched (HEALTH_MAX_SERVICES)`,
      );
    const definition = this.resolve(input);
    const now = this.clock();
    const id = await this.deps.store.saveService(input.name, JSON.stringify(input), 'api', now);
    const service = { ...this.watched(id, input, 'api', now, now), definition };
    this.services.set(input.name, service);
    this.scheduler.add(input.name, definition.interval, 0); // first check now: the client wants to know
    return service;
  }

  /** PUT: replaces the definition (the body's name, when given, must be the path's). */
  async replace(name: string, input: ServiceInput): Promise<WatchedService> {
    const service = this.editable(name);
    if (input.name !== name)
      throw new DomainError(
        'invalid_service',
        422,
        `the body names "${input.name}", the path "${name}"`,
        'name',
      );
    const definition = this.resolve(input);
    const now = this.clock();
    await this.deps.store.saveService(name, JSON.stringify(input), 'api', now);
    Object.assign(service, { input, definition, updatedAt: now });
    this.scheduler.add(name, definition.interval, 0);
    return service;
  }

  /** PATCH: merges the given fields into the stored input; `null` is not needed, omit a field to keep it. */
  patch(name: string, changes: ServicePatch): Promise<WatchedService> {
    const service = this.editable(name);
    return this.replace(name, { ...service.input, ...changes, name });
  }

  async remove(name: string): Promise<void> {
    const service = this.editable(name);
    this.scheduler.remove(name);
    this.services.delete(name);
    this.owned.delete(name);
    this.deps.recorder.forget(service.id);
    await this.deps.store.deleteService(service.id);
    await this.deps.dropSeries(name);
  }

  /**
   * Another replica changed the stored services: adopt new and changed definitions, drop deleted ones (their
   * rows and series are the editing replica's to delete). States of unchanged services are kept.
   */
  async reload(): Promise<void> {
    const rows = await this.deps.store.loadServices();
    const names = new Set(rows.map((row) => row.name));
    for (const row of rows) {
      const existing = this.services.get(row.name);
      if (existing?.id === row.id && existing.updatedAt === row.updatedAt) continue;
      try {
        const { input } = storedServiceInput(row.input);
        const definition = this.resolve(input);
        if (existing === undefined)
          this.services.set(row.name, this.watched(row.id, input, row.origin, row.createdAt, row.updatedAt));
        else
          Object.assign(existing, {
            id: row.id,
            input,
            definition,
            origin: row.origin,
            updatedAt: row.updatedAt,
          });
        // New or edited elsewhere: checked at once, as add() and replace() do on the editing replica. The
        // phase of the interval would make the owner's first check wait up to one interval (60 s by
        // default) when the edit came through another replica; a non-owner's first run only reschedules.
        if (this.started) this.scheduler.add(row.name, definition.interval, 0);
      } catch (error) {
        this.deps.log.error({ err: error, service: row.name }, 'reloaded health service skipped');
      }
    }
    for (const [name, service] of this.services)
      if (!names.has(name)) {
        this.scheduler.remove(name);
        this.services.delete(name);
        this.owned.delete(name);
        this.deps.recorder.forget(service.id);
      }
  }

  /** Checks now, outside the schedule: one service, or all of them (at the scheduler's concurrency). */
  async checkNow(name?: string): Promise<WatchedService[]> {
    const targets = name === undefined ? this.list() : [this.get(name)];
    const results: WatchedService[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const service = targets[next++]!;
        await this.check(service);
        results.push(service);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.concurrency, targets.length) }, worker));
    return results.sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  }

  private async scheduledCheck(name: string): Promise<number> {
    const service = this.services.get(name);
    if (service === undefined) return 60_000;
    const assigned = this.deps.isAssigned?.(name);
    if (assigned === false) {
      this.owned.delete(name);
      return service.definition.interval; // another replica's
    }
    if (service.input.paused === true) return service.definition.interval; // paused: "check now" only
    if (assigned === true && !this.owned.has(name)) {
      await this.takeOver(service);
      this.owned.add(name);
    }
    await this.check(service);
    const { tracker, definition } = service;
    // Failing but not yet DOWN: look again sooner, to confirm or clear the failure.
    return tracker.failures > 0 && tracker.state !== 'down' ? definition.retryInterval : definition.interval;
  }

  /** Continues the state the previous owner stored, when it is newer than what this replica last saw. */
  private async takeOver(service: WatchedService): Promise<void> {
    try {
      const [stored] = await this.deps.store.healthStates([service.id]);
      if (stored !== undefined && stored.checkedAt > (service.last?.at ?? -Infinity))
        adoptState(service, stored);
    } catch (error) {
      // Checking from this replica's own view beats not checking: the counts heal at the next state change.
      this.deps.log.warn({ err: error, service: service.definition.name }, 'health state not taken over');
    }
  }

  private async check(service: WatchedService): Promise<void> {
    const { definition } = service;
    let result: ProbeResult;
    try {
      result = await inSpan(
        `probe ${definition.type}`,
        { 'service.checked': definition.name },
        async (span) => {
          const outcome = await PROBES[definition.type].run(definition, {
            guard: this.deps.guard,
            signal: AbortSignal.timeout(definition.timeout),
            ...(this.deps.heartbeats === undefined ? {} : { heartbeats: this.deps.heartbeats }),
          });
          span.setAttribute('probe.ok', String(outcome.ok));
          return outcome;
        },
      );
    } catch (error) {
      this.deps.log.error({ err: error, service: definition.name }, 'health probe failed unexpectedly');
      result = { ok: false, durationMs: 0, reason: { code: 'connection_error', message: String(error) } };
    }
    if (this.services.get(definition.name) !== service) return; // removed while checking
    const at = this.clock();
    const previous = service.tracker;
    service.tracker = nextHealth(
      previous,
      { ok: result.ok, degraded: result.degraded === true },
      definition.retries,
      at,
    );
    service.last = { at, result };
    if (!result.ok || result.degraded === true) service.reason = result.reason;
    else if (service.tracker.state === 'up') service.reason = undefined;
    this.deps.recorder.record({
      serviceId: service.id,
      service: definition.name,
      result,
      at,
      state: service.tracker.state,
      failures: service.tracker.failures,
      since: service.tracker.since,
    });
    if (service.tracker.state !== previous.state) await this.changed(service, previous.state, result, at);
  }

  private async changed(
    service: WatchedService,
    previous: HealthState,
    result: ProbeResult,
    at: number,
  ): Promise<void> {
    const { state } = service.tracker;
    const reason = state === 'up' ? undefined : result.reason;
    this.deps.log.info({ service: service.definition.name, previous, state, reason }, 'health state changed');
    try {
      await this.deps.store.appendEvents([
        {
          serviceId: service.id,
          at,
          state,
          previous,
          reasonCode: reason?.code ?? null,
          reason: reason?.message ?? null,
        },
      ]);
    } catch (error) {
      this.deps.log.error({ err: error }, 'could not store a health state change');
    }
    this.deps.bus.emit('health.changed', {
      service: service.definition.name,
      url: service.definition.displayUrl,
      previous,
      state,
      reason,
      at,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
    });
  }

  private editable(name: string): WatchedService {
    const service = this.get(name);
    if (service.origin === 'file')
      throw new DomainError(
        'service_read_only',
        409,
        `"${name}" comes from the services file (HEALTH_SERVICES_FILE); change it there`,
        'name',
      );
    return service;
  }

  private resolve(input: ServiceInput): ServiceDefinition {
    return resolveDefinition(input, this.deps.defaults, this.deps.guard);
  }

  private watched(
    id: number,
    input: ServiceInput,
    origin: ServiceOrigin,
    createdAt: number,
    updatedAt: number,
  ): WatchedService {
    return {
      id,
      definition: this.resolve(input),
      input,
      origin,
      createdAt,
      updatedAt,
      tracker: { state: 'unknown', failures: 0, since: createdAt },
      reason: undefined,
      last: undefined,
    };
  }
}

function adoptState(service: WatchedService, stored: StoredHealthState): void {
  service.tracker = { state: stored.state as HealthState, failures: stored.failures, since: stored.since };
}
