import { pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createServices } from './services.js';
import { startTracing, stopTracing, traceFields } from './telemetry/tracing.js';
import { VERSION } from './version.js';

/** Bounded shutdown: a stuck close must not keep an orchestrator waiting forever. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  if (config.otelEnabled)
    await startTracing({
      serviceName: config.otelServiceName,
      version: VERSION,
      endpoint: config.jaegerEndpoint ?? 'http://localhost:4318',
    });
  // Every log line written inside a span carries its trace and span ids (Grafana links Loki to Jaeger).
  const log = pino({ level: config.logLevel, base: { service: config.serviceName }, mixin: traceFields });
  const services = await createServices(config, log);
  const app = await buildApp(services, { logger: log });
  await app.listen({ host: config.host, port: config.port });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, flushing memory to the store');
    const timer = setTimeout(() => {
      log.error(
        'shutdown took longer than 10 s; exiting anyway (the write-ahead log keeps acknowledged data)',
      );
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    void (async () => {
      try {
        await app.close();
        await services.close();
        await stopTracing();
        log.info('stopped');
        process.exit(0);
      } catch (error) {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `metrics-service failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
