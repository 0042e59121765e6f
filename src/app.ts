import type { Logger } from 'pino';
import { readFileSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RouteOptions,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Services } from './services.js';
import { countedByForwardingReplica } from './cluster/forwarded-rate-limit.js';
import { forwardingOptions, installIngestForwarding } from './cluster/ingest-forwarding.js';
import { replicaSamplesRoute } from './cluster/replica-samples-route.js';
import { instrumentFastify } from '@metrics-service/client/fastify';
import { installAuditHook } from './http/audit-hook.js';
import { clientErrorHandler } from './http/client-error.js';
import { frameworkError, installErrorHandling } from './http/error-handler.js';
import { refuseOversizedBeforeUpload } from './http/expect-continue.js';
import { installHostHeaderCheck } from './http/host-header.js';
import { installGuard } from './http/guard.js';
import { installTracingHooks } from './http/tracing-hooks.js';
import { finiteNumbersValidator } from './http/finite-numbers.js';
import { installHardening } from './http/hardening.js';
import { installOptionalBodies } from './http/optional-body.js';
import { installRequestLog } from './http/request-log.js';
import { lazySerializers } from './http/lazy-serializers.js';
import { authRoutes } from './http/routes/auth-routes.js';
import { twoFactorRoutes } from './http/routes/two-factor-routes.js';
import { RealtimeGateway } from './realtime/gateway.js';
import { socketGuard } from './realtime/socket-guard.js';
import { registerOpenApi } from './http/openapi.js';
import { statusAdminRoutes } from './http/routes/status-admin-routes.js';
import { statusPublicRoutes } from './http/routes/status-public-routes.js';
import { alertRoutes } from './http/routes/alert-routes.js';
import { applicationRoutes } from './http/routes/application-routes.js';
import { channelRoutes } from './http/routes/channel-routes.js';
import { dashboardRoutes } from './http/routes/dashboard-routes.js';
import { webRoutes } from './http/routes/web-routes.js';
import { businessRoutes } from './http/routes/business-routes.js';
import { healthRoutes } from './http/routes/health-routes.js';
import { pushRoutes } from './http/routes/push-routes.js';
import { PushTokens } from './health/push-tokens.js';
import { ingestRoutes } from './http/routes/ingest-routes.js';
import { otlpRoutes } from './http/routes/otlp-routes.js';
import { OtlpReceiver } from './receivers/otlp/receiver.js';
import { metricsReadRoutes } from './http/routes/metrics-read-routes.js';
import { prometheusRoutes } from './http/routes/prometheus-routes.js';
import { promApiRoutes } from './http/routes/prom-api-routes.js';
import { ruleGroupRoutes } from './http/routes/rule-group-routes.js';
import { RulesView } from './promapi/rules-view.js';
import { ReaderSeriesIndex } from './promapi/series-index.js';
import { promqlRoutes } from './http/routes/promql-routes.js';
import { queryRoutes } from './http/routes/query-routes.js';
import { remoteWriteRoutes } from './http/routes/remote-write-routes.js';
import { pushgatewayRoutes } from './http/routes/pushgateway-routes.js';
import { openPushGroups } from './receivers/pushgateway/push-groups.js';
import { createRemoteWriteReceiver } from './receivers/remote-write/receiver.js';
import { serviceRoutes } from './http/routes/service-routes.js';
import { systemRoutes } from './http/routes/system-routes.js';
import { VERSION } from './version.js';

export interface AppOptions {
  /** The service's pino logger; requests are logged through it. None: silent. */
  logger?: FastifyBaseLogger;
  /** Sees every route as it is declared (the schema-coverage test uses it). */
  onRoute?: (route: RouteOptions) => void;
}

/**
 * TLS_CERT_FILE / TLS_KEY_FILE: the same app on an HTTPS server (an https.Server is an http.Server over
 * TLS, which is all Fastify and socket.io use), so the app's type is the same in both modes.
 */
function httpsServerFactory(certFile: string, keyFile: string) {
  // Host is checked by installHostHeaderCheck, which answers in the problem format.
  const options = { cert: readFileSync(certFile), key: readFileSync(keyFile), requireHostHeader: false };
  return (handler: RequestListener): Server => createHttpsServer(options, handler);
}

/** TRUST_PROXY: a hop count becomes "trust the n nearest hops" (what Fastify does with a number). */
function trustProxyOption(
  value: boolean | number | readonly string[],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return typeof value === 'boolean' ? value : [...value];
}

/** Builds the HTTP application around ready services. No listen here: tests use inject() or listen themselves. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    ...(config.tlsCertFile === undefined || config.tlsKeyFile === undefined
      ? {}
      : { serverFactory: httpsServerFactory(config.tlsCertFile, config.tlsKeyFile) }),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: config.bodyLimitBytes,
    // Fastify's 10 s default was hit by test apps starting on a heavily loaded 2-core host: a start that is
    // merely slow must not fail; a plugin that truly hangs still fails the start, after a minute.
    pluginTimeout: 60_000,
    routerOptions: { maxParamLength: 256 },
    // Reject `__proto__` and `constructor.prototype` keys instead of letting them reach any object.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: {
      customOptions: {
        coerceTypes: 'array',
        removeAdditional: false,
        allErrors: false,
        // Unions told apart by a property (`kind`) report the errors of the branch that was meant.
        discriminator: true,
      },
    },
    schemaController: {
      compilersFactory: {
        // Every number a handler receives is finite, every integer safe, whatever string it was coerced from.
        buildValidator: finiteNumbersValidator(),
        buildSerializer: lazySerializers,
      },
    },
    requestIdHeader: 'x-request-id',
    // One line per request instead of Fastify's two (installRequestLog below).
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: frameworkError,
    clientErrorHandler,
    http: { requireHostHeader: false },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The API speaks JSON only: a text/plain body is a 415, not a confusing schema error.
  app.removeContentTypeParser('text/plain');
  // Acknowledge, resolve, a forced check…: no body is an empty one (before any route is declared).
  installOptionalBodies(app);
  if (options.onRoute !== undefined) app.addHook('onRoute', options.onRoute);
  // The same instrumentation as the client middleware, before any route is declared (it hooks each one).
  instrumentFastify(app, services.application.http, new Set(['/metrics']));
  services.application.watch(app.server);
  // Before the tracing hooks: the request's span is still open when its line is written (trace_id).
  installRequestLog(app);
  // Request spans only when tracing is on: otherwise two hooks per request for a no-op tracer.
  if (config.otelEnabled) installTracingHooks(app);
  installErrorHandling(app, { maxBytes: config.bodyDrainLimitBytes, timeoutMs: config.bodyDrainTimeoutMs });
  refuseOversizedBeforeUpload(app.server, config.bodyLimitBytes);
  // Scaled out: the replica's Redis client, not a connection of the limiter's own; and a write a follower
  // forwarded (signed with the cluster key) is not counted twice.
  const limits = await installHardening(
    app,
    config,
    services.cluster.redis,
    services.followerSamples === undefined
      ? undefined
      : countedByForwardingReplica(services.followerSamples.secret, app.log),
  );
  // After helmet (its headers are on the answer), before authentication (a 400, not a 401).
  installHostHeaderCheck(app);
  // Before any route: every route gets its access rule as it is declared, or the app does not start.
  installGuard(app, {
    auth: services.auth,
    metricsAuth: config.metricsAuth,
    maxUrlLength: config.maxUrlLength,
    rateLimit: limits.rateLimit,
  });
  installAuditHook(app, services.auth.audit);
  // Scaled out: a follower streams writes to the primary (ADR 0020); after authentication, before parsing.
  if (services.primaryLocator !== undefined)
    installIngestForwarding(app, forwardingOptions(services, app.log));
  // Scaled out: followers' own samples arrive here, signed with the cluster key (ADR 0026).
  if (services.followerSamples !== undefined)
    await app.register(
      replicaSamplesRoute({
        ingest: services.ingest,
        secret: services.followerSamples.secret,
        maxBodyBytes: config.bodyLimitBytes,
      }),
    );
  await registerOpenApi(app, VERSION);
  await app.register(authRoutes(services.auth, limits.loginLimit));
  await app.register(twoFactorRoutes(services.auth));

  await app.register(
    serviceRoutes({ checkReady: services.checkReady, startedAt: services.startedAt, version: VERSION }),
  );
  await app.register(
    ingestRoutes({ ingest: services.ingest, own: services.own, maxBatchSamples: config.maxBatchSamples }),
  );
  await app.register(
    remoteWriteRoutes({
      receiver: createRemoteWriteReceiver(services),
      maxBodyBytes: config.remoteWriteMaxBodyBytes,
    }),
  );
  await app.register(
    pushgatewayRoutes({ groups: openPushGroups(services), maxBodyBytes: config.bodyLimitBytes }),
  );
  await app.register(
    otlpRoutes({
      receiver: new OtlpReceiver({
        ingest: services.ingest,
        own: services.own,
        suffixes: config.otlpMetricSuffixes,
        promote: config.otlpPromoteResourceAttributes,
        maxDataPoints: config.maxBatchSamples,
      }),
      maxBodyBytes: config.otlpMaxBodyBytes,
    }),
  );
  await app.register(metricsReadRoutes({ reader: services.reader, store: services.store }));
  await app.register(queryRoutes({ query: services.query }));
  await app.register(
    promqlRoutes({
      engine: services.promql,
      timeoutMs: config.promqlTimeoutMs,
      bodyLimitBytes: config.bodyLimitBytes,
    }),
  );
  await app.register(businessRoutes({ reader: services.reader, query: services.query }));
  await app.register(systemRoutes({ system: services.system }));
  await app.register(applicationRoutes({ query: services.query }));
  await app.register(
    healthRoutes({
      health: services.health,
      dependencies: services.dependencies,
      serviceName: config.serviceName,
      version: VERSION,
      startedAt: services.startedAt,
      pushTokens: new PushTokens(services.alerting.store),
    }),
  );
  await app.register(
    pushRoutes({
      health: services.health,
      store: services.alerting.store,
      maxPerMinute: config.healthPushMaxPerMinute,
    }),
  );
  await app.register(alertRoutes(services.alerting, services.auth.audit));
  await app.register(channelRoutes(services.alerting));
  await app.register(ruleGroupRoutes(services.alerting));
  await app.register(
    promApiRoutes({
      index: new ReaderSeriesIndex(services.reader),
      rules: new RulesView(services.alerting.rules, services.alerting.ruleGroups, services.alerting.engine),
      version: VERSION,
    }),
  );
  await app.register(dashboardRoutes(services));
  await app.register(statusAdminRoutes(services));
  await app.register(statusPublicRoutes(services));
  await app.register(webRoutes());
  if (config.prometheusEnabled) {
    await app.register(prometheusRoutes({ exposition: services.exposition, own: services.own }));
  }
  if (config.websocketEnabled) {
    // socket.io shares the HTTP server; WEBSOCKET_ENABLED=false leaves /socket.io/ unanswered (404).
    const gateway = new RealtimeGateway(app.server, services, app.log as unknown as Logger, {
      ...socketGuard(services),
      adapter: services.cluster.socketAdapter,
    });
    gateway.start();
    app.addHook('onClose', () => gateway.close());
  }
  return app;
}
