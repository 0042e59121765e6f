import { request as httpRequest } from 'node:http';
import { EgressGuard } from '../security/egress-guard.js';
import { encodeReplicaSamples, REPLICA_SAMPLES_PATH, REPLICA_SAMPLES_TYPE } from './forwarded-wire.js';
import { sign, SIGNATURE_HEADER } from './replica-signature.js';
import type { BatchSender } from './sample-forwarder.js';

export interface ReplicaSenderOptions {
  /** The primary's host:port, or undefined while there is none (an election). */
  primaryAddress: () => Promise<string | undefined>;
  /** The primary did not answer, or is not one any more: ask the database again next time. */
  forgetPrimary: () => void;
  selfAddress: string;
  /** This process's lease incarnation: the primary tells one sender's sequence from another's by it. */
  sender: string;
  secret: Buffer;
  /** EGRESS_ALLOWLIST: like ingest forwarding, the request goes through the egress guard. */
  allowlist: readonly string[];
  timeoutMs: number;
}

/**
 * Posts a follower's own samples to the primary's internal route, signed with the cluster key. The
 * egress guard allows the lease holder's member host by name and nothing else beyond EGRESS_ALLOWLIST,
 * as ingest forwarding does (ADR 0020). Rejects when there is no primary or it did not answer.
 */
export function replicaSender(options: ReplicaSenderOptions): BatchSender {
  return async (batches, seq, signal) => {
    const address = await options.primaryAddress();
    if (address === undefined) throw new Error('no primary right now (an election is under way)');
    if (address === options.selfAddress)
      throw new Error('this replica is the primary: nothing to forward to');
    const body = encodeReplicaSamples({ sender: options.sender, seq, batches });
    try {
      const status = await post(address, body, options, signal);
      // 503: the replica there is not (or no longer) the primary.
      if (status === 503) options.forgetPrimary();
      return status;
    } catch (error) {
      options.forgetPrimary();
      throw error;
    }
  };
}

function post(
  address: string,
  body: Buffer,
  options: ReplicaSenderOptions,
  signal: AbortSignal,
): Promise<number> {
  const url = new URL(`http://${address}`);
  const guard = new EgressGuard([...options.allowlist, url.hostname]);
  return new Promise((resolve, reject) => {
    const outbound = httpRequest(
      {
        host: guard.checkHost(url.hostname),
        port: url.port,
        method: 'POST',
        path: REPLICA_SAMPLES_PATH,
        headers: {
          host: url.host,
          'content-type': REPLICA_SAMPLES_TYPE,
          'content-length': String(body.length),
          [SIGNATURE_HEADER]: sign(options.secret, body, Date.now()),
        },
        lookup: guard.lookup,
        timeout: options.timeoutMs,
        signal,
      },
      (response) => {
        // The answer's body (counts, or a problem) is not needed: drain it so the socket is reused.
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 502);
        });
        response.on('error', reject);
      },
    );
    outbound.on('timeout', () => outbound.destroy(new Error('forwarding samples timed out')));
    outbound.on('error', reject);
    outbound.end(body);
  });
}
