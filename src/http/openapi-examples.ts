/**
 * The request examples of the OpenAPI document (what Swagger UI's "Try it out" starts from), one per
 * operation, in one place so they tell one story: alice is created, logs in, changes her password; the
 * service `custom-service` is registered, changed, checked, removed (and the push monitor `nightly-backup`
 * sends heartbeats); `custom_counter` is pushed and read
 * back. Without them Swagger UI builds a body from the schema's types (`"timestamp": 0`, which is refused
 * as too old). Every one is sent as is by test/api/openapi-examples.test.ts; no timestamp appears, since
 * a fixed one ages out of the retention. Ids the service makes up (rules, tokens, silences, alerts) are
 * shown as placeholders: a client takes them from the answer that created them.
 */
export interface OperationExamples {
  body?: unknown;
  params?: Record<string, string>;
  query?: Record<string, string>;
}

const ALICE_PASSWORD = 'correct-horse-battery-staple';
const SERVICE = {
  name: 'custom-service',
  url: 'http://custom-service:8080/health',
  interval: 30_000,
  expectedStatus: [200],
  tags: ['prod'],
  group: 'Backend',
};
/**
 * A push monitor (issue 20): created like any service (README), its token comes with that answer. The
 * token is secret, so the document shows a placeholder for it, as for the ids the service makes up.
 */
export const PUSH_MONITOR = {
  name: 'nightly-backup',
  url: 'push://',
  interval: 86_400_000,
  pushGrace: 3_600_000,
};
const PUSH_TOKEN = { token: 'the pushToken POST /api/health/services answered for a push monitor (secret)' };
const BEAT = { status: 'up', msg: 'backup done', ping: 5230 };
const CHANNEL = {
  type: 'webhook',
  destination: 'https://hooks.example.com/metrics-service',
  secret: 'a-signing-secret-of-32-characters',
};
const RULE = {
  name: 'High Error Rate',
  metricName: 'http_requests_total',
  condition: '>',
  threshold: 0.05,
  severity: 'high',
  annotations: { summary: 'error rate {{value}} over {{threshold}} on {{labels.service}}' },
  notificationChannels: [{ channel: 'ops-webhook' }],
};
const RULE_ID = { id: 'the id POST /api/alerts/rules answered' };
const SLUG = { slug: 'acme' };
const STATUS_PAGE = {
  slug: 'acme',
  title: 'Acme status',
  services: [{ name: SERVICE.name, publicName: 'API' }],
};
const INCIDENT_ID = { id: 'the id POST /api/status-pages/{slug}/incidents answered' };
const MAINTENANCE = {
  title: 'Database upgrade',
  services: [SERVICE.name],
  schedule: { kind: 'weekly', weekdays: [0], at: '02:00', durationMinutes: 60, timeZone: 'Europe/Paris' },
};
const MAINTENANCE_ID = { id: 'the id POST /api/maintenance answered' };
const ALERT_ID = { id: 'an alert id from GET /api/alerts' };

export const OPERATION_EXAMPLES: Readonly<Record<string, OperationExamples>> = {
  'POST /api/auth/users': { body: { name: 'alice', password: ALICE_PASSWORD, role: 'editor' } },
  'POST /api/auth/login': { body: { username: 'alice', password: ALICE_PASSWORD } },
  'POST /api/auth/refresh': { body: { refreshToken: 'the refreshToken POST /api/auth/login answered' } },
  'POST /api/auth/logout': { body: { refreshToken: 'the refreshToken POST /api/auth/login answered' } },
  'POST /api/auth/password': {
    body: { currentPassword: ALICE_PASSWORD, newPassword: 'winter-is-coming-2026' },
  },
  // Codes are never in a document: the test types what the app would show, or a recovery code.
  'POST /api/auth/2fa/totp': { body: { password: ALICE_PASSWORD } },
  'POST /api/auth/2fa/totp/confirm': { body: { code: '123456' } },
  'POST /api/auth/2fa/recovery-codes': { body: { code: '123456' } },
  'POST /api/auth/2fa/totp/disable': { body: { code: '123456' } },
  'DELETE /api/auth/users/{name}/2fa': { params: { name: 'alice' } },
  'PATCH /api/auth/users/{name}': { params: { name: 'alice' }, body: { role: 'viewer' } },
  'DELETE /api/auth/users/{name}': { params: { name: 'alice' } },
  'POST /api/auth/tokens': { body: { name: 'ci-ingest', scopes: ['ingest'], expiresIn: 2_592_000 } },
  'DELETE /api/auth/tokens/{id}': { params: { id: 'the id POST /api/auth/tokens answered' } },

  'POST /api/metrics/custom': {
    body: {
      name: 'custom_counter',
      type: 'counter',
      value: 1,
      labels: { service: 'booking', endpoint: '/api/bookings' },
    },
  },
  'POST /api/metrics/business': {
    body: { name: 'bookings_total', type: 'counter', value: 1, labels: { channel: 'web' } },
  },
  'POST /api/metrics/batch': {
    body: {
      metrics: [
        { name: 'custom_counter', type: 'counter', value: 2, labels: { service: 'booking' } },
        { name: 'queue_depth', type: 'gauge', value: 42, labels: { queue: 'emails' } },
      ],
    },
  },
  'GET /api/metrics/business': { query: { window: '24h' } },
  'GET /api/metrics/query': { query: { metric: 'custom_counter', start: 'now-1h', fn: 'increase' } },
  'GET /api/metrics/application': { query: { window: '5m' } },

  'POST /api/health/services': { body: SERVICE },
  'GET /api/health/services/{name}': { params: { name: SERVICE.name } },
  'PUT /api/health/services/{name}': { params: { name: SERVICE.name }, body: SERVICE },
  'PATCH /api/health/services/{name}': { params: { name: SERVICE.name }, body: { interval: 60_000 } },
  'DELETE /api/health/services/{name}': { params: { name: SERVICE.name } },
  'POST /api/health/check': { body: { name: SERVICE.name } },
  'GET /api/health/services': { query: { heartbeats: '30', tag: 'prod' } },
  'GET /api/health/services/{name}/heartbeats': { params: { name: SERVICE.name }, query: { limit: '30' } },
  'GET /api/health/services/{name}/report': {
    params: { name: SERVICE.name },
    query: { month: '2026-11', target: '99.5' },
  },
  'POST /api/health/services/{name}/pause': { params: { name: SERVICE.name } },
  'POST /api/health/services/{name}/resume': { params: { name: SERVICE.name } },
  'POST /api/health/services/{name}/push-token': { params: { name: PUSH_MONITOR.name } },
  'GET /api/push/{token}': {
    params: PUSH_TOKEN,
    query: { status: BEAT.status, msg: BEAT.msg, ping: String(BEAT.ping) },
  },
  'POST /api/push/{token}': { params: PUSH_TOKEN, body: BEAT },

  'POST /api/alerts/channels': { body: { name: 'ops-webhook', ...CHANNEL } },
  'GET /api/alerts/channels/{name}': { params: { name: 'ops-webhook' } },
  'PUT /api/alerts/channels/{name}': { params: { name: 'ops-webhook' }, body: CHANNEL },
  'DELETE /api/alerts/channels/{name}': { params: { name: 'ops-webhook' } },
  'POST /api/alerts/rules': { body: RULE },
  'GET /api/alerts/rules/{id}': { params: RULE_ID },
  'PUT /api/alerts/rules/{id}': { params: RULE_ID, body: { ...RULE, threshold: 0.1 } },
  'DELETE /api/alerts/rules/{id}': { params: RULE_ID },
  'POST /api/alerts/alertmanager': {
    body: {
      version: '4',
      status: 'firing',
      receiver: 'metrics-service',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HostHighCpu', instance: 'node-1:9100', severity: 'warning' },
          annotations: { summary: 'CPU above 90 % for 5 minutes on node-1' },
          startsAt: '2026-11-30T08:00:00Z',
          fingerprint: 'c2a1e3f4b5d6a7b8',
        },
      ],
    },
  },
  'GET /api/alerts': { query: { state: 'firing', severity: 'critical,high,warning' } },
  'GET /api/alerts/{id}': { params: ALERT_ID },
  'GET /api/alerts/{id}/timeline': { params: ALERT_ID },
  'POST /api/alerts/{id}/acknowledge': { params: ALERT_ID, body: { note: 'on it, restarting the worker' } },
  'POST /api/alerts/{id}/resolve': { params: ALERT_ID, body: { note: 'the worker is back' } },
  'POST /api/alerts/silences': {
    body: { matchers: ['alertname="HostHighCpu"'], endsAt: '2h', comment: 'kernel upgrade on node-1' },
  },
  'DELETE /api/alerts/silences/{id}': { params: { id: 'the id POST /api/alerts/silences answered' } },
  'GET /api/dashboard/charts/{type}': { params: { type: 'system' }, query: { range: '1h' } },

  'POST /api/status-pages': { body: STATUS_PAGE },
  'GET /api/status-pages/{slug}': { params: SLUG },
  'PUT /api/status-pages/{slug}': {
    params: SLUG,
    body: { ...STATUS_PAGE, description: 'Live status of the Acme API.' },
  },
  'DELETE /api/status-pages/{slug}': { params: SLUG },
  'GET /api/status/{slug}': { params: SLUG },
  'GET /status/{slug}': { params: SLUG },
  'GET /status/{slug}/feed.atom': { params: SLUG },
  'GET /api/status-pages/{slug}/incidents': { params: SLUG },
  'POST /api/status-pages/{slug}/incidents': {
    params: SLUG,
    body: {
      title: 'API errors',
      impact: 'minor',
      status: 'investigating',
      message: 'Some requests fail; we are looking into it.',
    },
  },
  'POST /api/status-pages/{slug}/incidents/{id}/updates': {
    params: { ...SLUG, ...INCIDENT_ID },
    body: { status: 'resolved', message: 'A fix is deployed.' },
  },
  'DELETE /api/status-pages/{slug}/incidents/{id}': { params: { ...SLUG, ...INCIDENT_ID } },
  'GET /badge/{service}/status': { params: { service: SERVICE.name } },
  'GET /badge/{service}/uptime': { params: { service: SERVICE.name }, query: { window: '30d' } },
  'POST /api/maintenance': { body: MAINTENANCE },
  'PUT /api/maintenance/{id}': {
    params: MAINTENANCE_ID,
    body: { ...MAINTENANCE, title: 'Database upgrade (v16)' },
  },
  'DELETE /api/maintenance/{id}': { params: MAINTENANCE_ID },
};

interface DocumentedParameter {
  in: string;
  name: string;
  example?: unknown;
}
interface DocumentedOperation {
  parameters?: DocumentedParameter[];
  requestBody?: { content?: Record<string, { example?: unknown; examples?: unknown }> };
}

/** Writes the examples into the generated document: the JSON body's, and each parameter's. */
export function addExamples(paths: Record<string, Record<string, DocumentedOperation>>): void {
  for (const [path, operations] of Object.entries(paths))
    for (const [method, operation] of Object.entries(operations)) {
      const examples = OPERATION_EXAMPLES[`${method.toUpperCase()} ${path}`];
      if (examples === undefined) continue;
      const media = operation.requestBody?.content?.['application/json'];
      if (media !== undefined && examples.body !== undefined) {
        delete media.examples;
        media.example = examples.body;
      }
      for (const parameter of operation.parameters ?? []) {
        const source = parameter.in === 'path' ? examples.params : examples.query;
        const value = source?.[parameter.name];
        if (value !== undefined) parameter.example = value;
      }
    }
}
