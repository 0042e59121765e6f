import type { FastifyPluginAsync } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { readRawBody } from '../http/raw-body.js';
import { decodeReplicaSamples, REPLICA_SAMPLES_PATH, REPLICA_SAMPLES_TYPE } from './forwarded-wire.js';
import { SIGNATURE_HEADER, verify } from './replica-signature.js';
import type { SampleSink } from './sample-routing.js';

export interface ReplicaSamplesRouteDeps {
  /** The ingest path: on a follower it refuses (503, NotPrimaryError) and the sender retries elsewhere. */
  ingest: SampleSink;
  secret: Buffer;
  /** BODY_LIMIT_BYTES. */
  maxBodyBytes: number;
  clock?: () => number;
}

/** A sender unheard of this long is forgotten (its sequence restarts only with a new incarnation). */
const FORGET_SENDER_MS = 15 * 60_000;

/**
 * The newest request applied per sender, and the senders with a request being applied now. A sender
 * sends one request at a time and retries it unchanged, so a seq at or below the newest applied is a
 * retry whose first answer was lost (acknowledged again, not applied twice: counters are increments),
 * and a second request while one is being applied is a retry after a timeout (told to come back).
 */
class SenderSequences {
  private readonly applied = new Map<string, { seq: number; at: number }>();
  private readonly busy = new Set<string>();

  isApplied(sender: string, seq: number): boolean {
    return (this.applied.get(sender)?.seq ?? 0) >= seq;
  }

  begin(sender: string): boolean {
    if (this.busy.has(sender)) return false;
    this.busy.add(sender);
    return true;
  }

  end(sender: string, seq: number | undefined, now: number): void {
    this.busy.delete(sender);
    if (seq !== undefined) this.applied.set(sender, { seq, at: now });
    for (const [name, entry] of this.applied)
      if (entry.at < now - FORGET_SENDER_MS) this.applied.delete(name);
  }
}

/**
 * POST /internal/replica-samples (scaled-out mode only, ADR 0026): a follower's own samples, ingested
 * here as if this process had produced them. The credential is an HMAC of the body with the cluster key
 * (src/cluster/replica-signature.ts), so the route is public to the guard and checks it itself.
 */
export function replicaSamplesRoute(deps: ReplicaSamplesRouteDeps): FastifyPluginAsync {
  const clock = deps.clock ?? Date.now;
  const sequences = new SenderSequences();
  return (app) => {
    app.addContentTypeParser(REPLICA_SAMPLES_TYPE, (request, payload, done) => {
      readRawBody(request.headers, payload, deps.maxBodyBytes, 'BODY_LIMIT_BYTES').then(
        (body) => {
          done(null, body);
        },
        (error: unknown) => {
          done(error as Error);
        },
      );
    });
    app.post(REPLICA_SAMPLES_PATH, { schema: { hide: true } }, async (request) => {
      const raw = request.body;
      if (!Buffer.isBuffer(raw))
        throw new DomainError('unsupported_media_type', 415, `the body must be ${REPLICA_SAMPLES_TYPE}`);
      const header = request.headers[SIGNATURE_HEADER];
      if (!verify(deps.secret, raw, typeof header === 'string' ? header : undefined, clock()))
        throw new DomainError('invalid_token', 401, "the request is not signed with this cluster's key");
      const body = decodeReplicaSamples(raw);
      if (!('sender' in body)) throw new DomainError('validation_failed', 400, body.reason, body.field);
      if (sequences.isApplied(body.sender, body.seq)) return { accepted: 0, rejected: 0, duplicate: true };
      if (!sequences.begin(body.sender))
        throw new DomainError(
          'store_unavailable',
          503,
          'a request of this sender is being applied',
          undefined,
          {
            retryAfter: 1,
          },
        );
      let done: number | undefined;
      let accepted = 0;
      let rejected = 0;
      try {
        for (const batch of body.batches) {
          const outcome = await deps.ingest.ingest(batch.samples, batch.category);
          rejected += outcome.rejected.length;
          accepted += batch.samples.length - outcome.rejected.length;
        }
        done = body.seq;
      } finally {
        // A request that failed half-way (store down) is retried whole: its applied batches are
        // refused the second time as out of order, or, for counters at an equal timestamp, added
        // again (ADR 0026). The store failing between two batches of one request is that rare.
        sequences.end(body.sender, done, clock());
      }
      return { accepted, rejected, duplicate: false };
    });
    return Promise.resolve();
  };
}
