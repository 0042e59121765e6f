import { pathToFileURL } from 'node:url';
import type * as Support from './support.js';

/** One checkout's services and steps for bench/stage-ab.ts (see there why this is a module of its own). */
export interface Checkout {
  name: string;
  /** Ingests one body (route loop, staging, commit). */
  batch: (body: string) => Promise<void>;
  /** Stages one body; returns the CPU µs of the route loop and staging (not of JSON.parse). */
  stage: (body: string) => Promise<number>;
  close: () => Promise<void>;
  cpu: number[];
}

type StagingStep = (
  app: unknown,
  samples: unknown[],
  category: string,
  rejected: unknown[],
) => Promise<unknown>;

const SAMPLES = 1000;

export async function load(name: string, root: string): Promise<Checkout> {
  const url = (path: string) => pathToFileURL(`${root}/${path}`).href;
  const support = (await import(url('bench/support.ts'))) as typeof Support;
  const routes = (await import(url('src/ingest/sample-schema.ts'))) as Record<string, unknown>;
  const { services } = await support.benchServices();
  // This checkout's route loop when it exports one, else the loop the route had before (firstSchemaError
  // and toSample per item).
  const checkItems = routes.checkBatchItems as
    ((items: readonly unknown[]) => { samples: unknown[]; rejected: unknown[] }) | undefined;
  const firstSchemaError = routes.firstSchemaError as (item: unknown) => object | undefined;
  const toSample = routes.toSample as (item: unknown) => unknown;
  const legacy = (items: readonly unknown[]) => {
    const samples = new Array<unknown>(items.length);
    const rejected: unknown[] = [];
    items.forEach((item, index) => {
      const error = firstSchemaError(item);
      if (error === undefined) samples[index] = toSample(item);
      else rejected.push({ index, ...error });
    });
    return { samples, rejected };
  };
  const check = checkItems ?? legacy;
  return {
    name,
    cpu: [],
    batch: async (body) => {
      const items = (JSON.parse(body) as { metrics: unknown[] }).metrics;
      const { samples, rejected } = check(items);
      const outcome = await services.ingest.ingest(samples as never, 'custom', rejected as never);
      if (outcome.acceptedCount !== SAMPLES)
        throw new Error(`${name}: ${String(outcome.acceptedCount)} accepted`);
    },
    // The same, its appender rolled back instead of committed: staging alone, nothing kept (no heads
    // growing, no store write), so rounds stay alike. ingestWith is IngestService's private step.
    stage: async (body) => {
      const items = (JSON.parse(body) as { metrics: unknown[] }).metrics;
      const before = process.cpuUsage();
      const { samples, rejected } = check(items);
      const ingest = services.ingest as unknown as { ingestWith: StagingStep };
      await services.tsdb.append(Date.now, samples.length, (app) => {
        const appender = app as unknown as { commit: () => Promise<boolean>; rollback: () => void };
        appender.commit = () => {
          appender.rollback();
          return Promise.resolve(false);
        };
        return ingest.ingestWith(app, samples, 'custom', rejected);
      });
      const used = process.cpuUsage(before);
      return used.user + used.system;
    },
    close: () => services.close(),
  };
}
