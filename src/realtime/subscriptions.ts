import type { Services } from '../services.js';
import { SUBSCRIPTION_TYPES, type Ack, type SubscriptionType } from './events.js';

type Failure = Extract<Ack, { ok: false }>;

/**
 * Validates a subscribe / unsubscribe request and names its room. `metric` and `service` need a `name`
 * that exists (checked on subscribe, so a typo is an error, not silence).
 */
export function parseSubscription(
  request: unknown,
  services: Services,
  mustExist = true,
): { ok: true; room: string; type: SubscriptionType } | Failure {
  const body = (typeof request === 'object' && request !== null ? request : {}) as {
    type?: unknown;
    name?: unknown;
  };
  const type = body.type;
  if (typeof type !== 'string' || !(SUBSCRIPTION_TYPES as readonly string[]).includes(type))
    return {
      ok: false,
      code: 'invalid_subscription',
      message: `type must be one of ${SUBSCRIPTION_TYPES.join(', ')}`,
    };
  const kind = type as SubscriptionType;
  if (kind !== 'metric' && kind !== 'service') return { ok: true, room: kind, type: kind };
  if (typeof body.name !== 'string' || body.name === '')
    return { ok: false, code: 'invalid_subscription', message: `a ${kind} subscription needs a name` };
  if (mustExist && kind === 'metric' && services.reader.family(body.name) === undefined)
    return { ok: false, code: 'unknown_metric', message: `no metric named "${body.name}"` };
  if (
    mustExist &&
    kind === 'service' &&
    !services.health.checker.list().some((s) => s.definition.name === body.name)
  )
    return { ok: false, code: 'unknown_service', message: `no watched service named "${body.name}"` };
  return { ok: true, room: `${kind}:${body.name}`, type: kind };
}
