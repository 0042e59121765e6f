import {
  Controller,
  Get,
  Header,
  Inject,
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { instrumentExpress } from './express.js';
import { prepareMetrics, type MetricsOptions, type PreparedMetrics } from './options.js';

export type { MetricsOptions } from './options.js';

/** Injection token of the prepared metrics (recorder and prom-client registry). */
export const METRICS_SERVICE_METRICS = Symbol('metrics-service:metrics');

/**
 * `MetricsModule.forRoot({ prefix: 'app_' })` in a NestJS app (Express platform, Nest's default): serves
 * `/metrics` and counts every request by method, route template and status.
 *
 * Written without decorator syntax (the decorators are applied below as plain calls), so the package
 * builds without `experimentalDecorators` and works with any TypeScript setting of the host app.
 */
export class MetricsModule implements NestModule {
  constructor(private readonly metrics: PreparedMetrics) {}

  static forRoot(options: MetricsOptions = {}): DynamicModule {
    const metrics = prepareMetrics(options);
    return {
      module: MetricsModule,
      global: true,
      providers: [{ provide: METRICS_SERVICE_METRICS, useValue: metrics }],
      exports: [METRICS_SERVICE_METRICS],
      controllers: metrics.path === false ? [] : [metricsController(metrics, metrics.path)],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(instrumentExpress(this.metrics.recorder, this.metrics.excluded)).forRoutes('*path');
  }
}
Inject(METRICS_SERVICE_METRICS)(MetricsModule, undefined, 0);
Module({})(MetricsModule);

function metricsController(metrics: PreparedMetrics, path: string): new () => unknown {
  class MetricsController {
    metrics(): Promise<string> {
      return metrics.registry.metrics();
    }
  }
  const proto = MetricsController.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'metrics')!;
  Header('content-type', metrics.registry.contentType)(proto, 'metrics', descriptor);
  Get(path)(proto, 'metrics', descriptor);
  Controller()(MetricsController);
  return MetricsController;
}
