import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Cluster } from './create-cluster.js';
import type { PrimaryLocator } from './primary-locator.js';
import { clusterSecret } from './replica-signature.js';
import { replicaSender } from './replica-sender.js';
import { SampleForwarder } from './sample-forwarder.js';
import { RoutedSampleSink, type SampleSink } from './sample-routing.js';

/** A replica's own samples' way to the primary: the sink its collectors and checks write to, and the key. */
export interface FollowerSamples {
  sink: RoutedSampleSink;
  forwarder: SampleForwarder;
  /** The cluster's replica-to-replica key: the primary's internal route checks requests with it. */
  secret: Buffer;
}

/** A forwarded request is a few hundred kilobytes: a primary that takes longer than this is not answering. */
const SEND_TIMEOUT_MS = 5000;

/** Builds the sample forwarder of a scaled-out replica (ADR 0026). Starts nothing. */
export async function createFollowerSamples(deps: {
  config: Readonly<Config>;
  metaStore: Parameters<typeof clusterSecret>[0];
  cluster: Pick<Cluster, 'address' | 'incarnation'>;
  locator: PrimaryLocator;
  /** The ingest path, used while this replica is the primary. */
  ingest: SampleSink;
  registry: Registry;
  log: Logger;
}): Promise<FollowerSamples> {
  const { config, cluster, locator, log } = deps;
  const secret = await clusterSecret(deps.metaStore);
  const forwarder = new SampleForwarder({
    send: replicaSender({
      primaryAddress: () => locator.address(),
      forgetPrimary: () => {
        locator.forget();
      },
      selfAddress: cluster.address,
      sender: cluster.incarnation,
      secret,
      allowlist: config.egressAllowlist,
      timeoutMs: SEND_TIMEOUT_MS,
    }),
    maxQueuedSamples: config.forwardQueueMaxSamples,
    maxBatchSamples: config.forwardBatchMaxSamples,
    lingerMs: config.forwardLingerMs,
    maxAgeMs: config.forwardMaxAgeMs,
    maxBackoffMs: Math.max(1000, config.clusterLeaseTtlMs / 2),
    registry: deps.registry,
    log,
  });
  return { sink: new RoutedSampleSink(deps.ingest, forwarder, log), forwarder, secret };
}
