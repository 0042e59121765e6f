import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { Permission } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import { alertView } from '../alerting/alert-views.js';
import type { Services } from '../services.js';
import { PeriodicTask } from '../support/periodic-task.js';
import { parseSubscription } from './subscriptions.js';
import type { Ack, ClientToServerEvents, ServerToClientEvents, SubscriptionType } from './events.js';
import { applicationFigures, businessFigures, familyValues, healthFigures } from './snapshots.js';

type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Packets waiting for a client past which it is too slow: periodic pushes skip it, alerts drop it. */
export const MAX_BUFFERED_PACKETS = 200;
const MAX_SUBSCRIPTIONS = 100;

/** What each subscription asks of the socket's principal (all reads today; checked per subscription). */
const SUBSCRIPTION_PERMISSION: Readonly<Record<SubscriptionType, Permission>> = {
  system: 'read',
  application: 'read',
  business: 'read',
  health: 'read',
  alerts: 'read',
  metric: 'read',
  service: 'read',
};

export interface GatewayOptions {
  /**
   * Decides whether a connection may proceed (socket-guard.ts: Origin and credentials, leaving the
   * principal in socket.data); throwing refuses it with that error. None: everything is allowed.
   */
  authorize?: (socket: GatewaySocket) => Promise<boolean> | boolean;
  /**
   * socket.io's adapter: the Redis streams adapter in the scaled-out mode (src/cluster/socket-adapter.ts),
   * so alert and health events and revocations reach clients on every replica. None: in-process rooms.
   */
  adapter?: ServerOptions['adapter'] | undefined;
}

/** The room of every socket of one principal, so a revocation reaches its sockets on every replica. */
function principalRoom(
  principal: { kind: 'user'; userId: string } | { kind: 'token'; tokenId: string },
): string {
  return principal.kind === 'user' ? `#user:${principal.userId}` : `#token:${principal.tokenId}`;
}

/**
 * socket.io on the service's HTTP server. Clients subscribe to rooms (`system`, `metric:<name>`,
 * `service:<name>`…); periodic data goes out every WEBSOCKET_BROADCAST_INTERVAL, skipping a client with
 * more than MAX_BUFFERED_PACKETS still waiting (it gets the next one when it has caught up); alert and
 * health changes go at once to every client, and one that far behind is disconnected instead, so no
 * client can make the server's memory grow. (Volatile packets were tried: on the polling transport they
 * dropped the second packet of a push, `system` after `metrics`.)
 */
export class RealtimeGateway {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  private readonly task: PeriodicTask;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    server: HttpServer,
    private readonly services: Services,
    log: Logger,
    options: GatewayOptions = {},
  ) {
    this.io = new Server(server, {
      maxHttpBufferSize: 64 * 1024,
      serveClient: false,
      cors: { origin: services.config.corsOrigins.length === 0 ? false : [...services.config.corsOrigins] },
      ...(options.adapter === undefined ? {} : { adapter: options.adapter }),
    });
    this.io.use((socket, next) => {
      void Promise.resolve(options.authorize?.(socket) ?? true).then(
        (allowed) => {
          next(allowed ? undefined : new Error('unauthorized'));
        },
        (error: unknown) => {
          next(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    this.io.on('connection', (socket) => {
      this.connected(socket);
    });
    this.task = new PeriodicTask(
      'realtime-broadcast',
      services.config.websocketBroadcastIntervalMs,
      () => this.broadcast(),
      log,
    );
    this.unsubscribe.push(
      services.bus.on('alert.changed', ({ alert, transition }) => {
        this.dropSlowClients();
        this.io.emit('alert', { transition, alert: alertView(alert) });
      }),
      // Like 'alert': through the adapter, so a delivery settled by any replica's outbox reaches all clients.
      services.bus.on('notification.settled', (settled) => {
        this.dropSlowClients();
        this.io.emit('notification', settled);
      }),
      services.bus.on('credentials.revoked', (revoked) => {
        // Through the adapter: the principal's sockets on every replica.
        const room =
          'userId' in revoked
            ? principalRoom({ kind: 'user', userId: revoked.userId })
            : principalRoom({ kind: 'token', tokenId: revoked.tokenId });
        this.io.in(room).disconnectSockets(true);
      }),
      services.bus.on('health.changed', (change) => {
        this.dropSlowClients();
        this.io.emit('health', {
          service: change.service,
          previous: change.previous,
          state: change.state,
          reason: change.reason ?? null,
          at: change.at,
        });
      }),
    );
  }

  start(): void {
    this.task.start();
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    await this.task.stop();
    await this.io.close();
  }

  /**
   * One periodic push to every room with subscribers. Local: each replica pushes its own figures to its
   * own clients (through the adapter every client would get every replica's push).
   */
  async broadcast(): Promise<void> {
    const at = Date.now();
    const rooms = this.io.of('/').adapter.rooms;
    const push = (room: string, type: SubscriptionType, data: unknown, name?: string): void => {
      if (!rooms.has(room)) return;
      const target = this.io.local.to(room).except(this.slowSockets());
      target.emit('metrics', { type, at, data, ...(name === undefined ? {} : { name }) });
      if (type === 'system') target.emit('system', data);
      if (type === 'business') target.emit('business', data);
    };
    push('system', 'system', this.services.system.snapshot ?? null);
    if (rooms.has('application'))
      push('application', 'application', await applicationFigures(this.services, at));
    push('business', 'business', businessFigures(this.services));
    push('health', 'health', healthFigures(this.services));
    push('alerts', 'alerts', this.services.alerting.engine.activeAlerts().map(alertView));
    for (const room of rooms.keys()) {
      if (room.startsWith('metric:')) {
        const family = this.services.reader.family(room.slice(7));
        if (family !== undefined) push(room, 'metric', familyValues(family), room.slice(7));
      } else if (room.startsWith('service:')) {
        const name = room.slice(8);
        push(room, 'service', healthFigures(this.services).find((s) => s.name === name) ?? null, name);
      }
    }
  }

  private connected(socket: GatewaySocket): void {
    const principal = principalOf(socket);
    if (principal?.kind === 'user' || principal?.kind === 'token') void socket.join(principalRoom(principal));
    const answer = (result: Ack, ack?: unknown): void => {
      if (typeof ack === 'function') (ack as (r: Ack) => void)(result);
      else if (!result.ok) socket.emit('error', { code: result.code, message: result.message });
    };
    const subscriptions = (): string[] =>
      [...socket.rooms].filter((r) => r !== socket.id && !r.startsWith('#'));
    socket.on('subscribe', (request, ack) => {
      const parsed = parseSubscription(request, this.services);
      if (!parsed.ok) {
        answer(parsed, ack);
        return;
      }
      const principal = principalOf(socket);
      if (principal !== undefined && !principal.permissions.has(SUBSCRIPTION_PERMISSION[parsed.type])) {
        answer(
          {
            ok: false,
            code: 'insufficient_scope',
            message: `${parsed.type} needs the ${SUBSCRIPTION_PERMISSION[parsed.type]} permission`,
          },
          ack,
        );
        return;
      }
      if (subscriptions().length >= MAX_SUBSCRIPTIONS) {
        answer(
          {
            ok: false,
            code: 'too_many_subscriptions',
            message: `at most ${String(MAX_SUBSCRIPTIONS)} subscriptions`,
          },
          ack,
        );
        return;
      }
      void socket.join(parsed.room);
      answer({ ok: true, subscriptions: subscriptions() }, ack);
    });
    socket.on('unsubscribe', (request, ack) => {
      const parsed = parseSubscription(request, this.services, false);
      if (!parsed.ok) {
        answer(parsed, ack);
        return;
      }
      void socket.leave(parsed.room);
      answer({ ok: true, subscriptions: subscriptions() }, ack);
    });
  }

  /**
   * Disconnects clients too far behind before an event every client must get; the event itself is then
   * one broadcast, encoded once for all (per-socket emits: p99 lag 53.8 ms for 1,000 clients; one
   * broadcast: 34.6 ms, npm run bench -- realtime).
   */
  private dropSlowClients(): void {
    for (const socket of this.io.of('/').sockets.values())
      if (buffered(socket) > MAX_BUFFERED_PACKETS) socket.disconnect(true);
  }

  private slowSockets(): string[] {
    const slow: string[] = [];
    for (const socket of this.io.of('/').sockets.values())
      if (buffered(socket) > MAX_BUFFERED_PACKETS) slow.push(socket.id);
    return slow;
  }
}

function principalOf(socket: GatewaySocket): Principal | undefined {
  return (socket.data as { principal?: Principal }).principal;
}

function buffered(socket: GatewaySocket): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
}
