import type { Access } from '../auth/permissions.js';

/**
 * What every route asks of its caller, in one table a reviewer can read top to bottom. A route missing
 * here stops the app from starting (see installGuard), so a new route cannot ship without a decision.
 * HEAD answers like GET. `/metrics` follows METRICS_AUTH.
 */
const TABLE: Readonly<Record<string, Access>> = {
  // Probes of orchestrators and load balancers, the page and its assets (the page logs in itself), login.
  'GET /health': 'public',
  'GET /ready': 'public',
  'GET /': 'public',
  'GET /assets/:file': 'public',
  'POST /api/auth/login': 'public',
  // These two authenticate with the refresh token in the body, as login does with the password.
  'POST /api/auth/refresh': 'public',
  'POST /api/auth/logout': 'public',
  // Answers 200 { authenticated: false } without a token (the page's first question); checks one if sent.
  'GET /api/auth/me': 'public',
  // Public status pages and badges (issue 19): public names and states only, cached, rate limited.
  'GET /status/:slug': 'public',
  'GET /status/:slug/feed.atom': 'public',
  'GET /api/status/:slug': 'public',
  'GET /badge/:service/status': 'public',
  'GET /badge/:service/uptime': 'public',
  // Push monitors' heartbeats (issue 20): the secret token in the path is the credential, rate limited.
  'GET /api/push/:token': 'public',
  'POST /api/push/:token': 'public',
  // Scaled out: a follower's own samples (ADR 0026); an HMAC of the body with the cluster key is the credential.
  'POST /internal/replica-samples': 'public',

  'POST /api/auth/password': 'authenticated',
  // Two-factor authentication of the logged-in person (an enrol-only session may use these).
  'GET /api/auth/2fa': 'authenticated',
  'POST /api/auth/2fa/totp': 'authenticated',
  'POST /api/auth/2fa/totp/confirm': 'authenticated',
  'POST /api/auth/2fa/recovery-codes': 'authenticated',
  'POST /api/auth/2fa/totp/disable': 'authenticated',
  'DELETE /api/auth/users/:name/2fa': 'admin',
  'GET /api/auth/users': 'admin',
  'POST /api/auth/users': 'admin',
  'PATCH /api/auth/users/:name': 'admin',
  'DELETE /api/auth/users/:name': 'admin',
  'GET /api/auth/tokens': 'admin',
  'POST /api/auth/tokens': 'admin',
  'DELETE /api/auth/tokens/:id': 'admin',
  'GET /api/audit': 'admin',

  'POST /api/metrics/custom': 'ingest',
  'POST /api/metrics/business': 'ingest',
  'POST /api/metrics/batch': 'ingest',
  // Prometheus remote write (bearer or basic auth with the token as password) and the Pushgateway API.
  'POST /api/v1/write': 'ingest',
  ...pushRoutes(
    '/metrics/job/:job',
    '/metrics/job/:job/*',
    '/metrics/job@base64/:job',
    '/metrics/job@base64/:job/*',
  ),
  // OpenTelemetry OTLP/HTTP exporters: an ingest token in OTEL_EXPORTER_OTLP_METRICS_HEADERS.
  'POST /v1/metrics': 'ingest',
  'POST /otlp/v1/metrics': 'ingest',
  // Alertmanager's webhook: an ingest token in its http_config.
  'POST /api/alerts/alertmanager': 'ingest',

  'GET /api/metrics/summary': 'read',
  'GET /api/metrics/query': 'read',
  // Prometheus' HTTP API (PromQL): Grafana's datasource reads with a read token, GET or form POST.
  'GET /api/v1/query': 'read',
  'POST /api/v1/query': 'read',
  'GET /api/v1/query_range': 'read',
  'POST /api/v1/query_range': 'read',
  'GET /api/v1/format_query': 'read',
  'POST /api/v1/format_query': 'read',
  'GET /api/metrics/business': 'read',
  'GET /api/metrics/system': 'read',
  'GET /api/metrics/application': 'read',
  'GET /api/health': 'read',
  'GET /api/health/services': 'read',
  'GET /api/health/services/:name': 'read',
  'GET /api/health/services/:name/heartbeats': 'read',
  'GET /api/health/services/:name/report': 'read',
  'GET /api/alerts': 'read',
  'GET /api/alerts/:id': 'read',
  'GET /api/alerts/:id/timeline': 'read',
  'GET /api/alerts/rules': 'read',
  'GET /api/alerts/rules/:id': 'read',
  'GET /api/alerts/silences': 'read',
  'GET /api/alerts/channels': 'read',
  'GET /api/alerts/channels/:name': 'read',
  'GET /api/dashboard/summary': 'read',
  'GET /api/dashboard/realtime': 'read',
  'GET /api/dashboard/charts/:type': 'read',
  // The Prometheus HTTP API (Grafana's datasource uses a read token); POST carries form bodies, reads only.
  'GET /api/v1/series': 'read',
  'POST /api/v1/series': 'read',
  'GET /api/v1/labels': 'read',
  'POST /api/v1/labels': 'read',
  'GET /api/v1/label/:name/values': 'read',
  'GET /api/v1/metadata': 'read',
  'GET /api/v1/status/buildinfo': 'read',
  'GET /api/v1/rules': 'read',
  'GET /api/v1/alerts': 'read',
  'GET /api/alerts/rule-groups': 'read',
  'GET /api/status-pages': 'read',
  'GET /api/status-pages/:slug': 'read',
  'GET /api/status-pages/:slug/incidents': 'read',
  'GET /api/maintenance': 'read',

  'POST /api/health/services': 'write',
  'PUT /api/health/services/:name': 'write',
  'PATCH /api/health/services/:name': 'write',
  'DELETE /api/health/services/:name': 'write',
  'POST /api/health/check': 'write',
  'POST /api/health/services/:name/pause': 'write',
  'POST /api/health/services/:name/resume': 'write',
  'POST /api/health/services/:name/push-token': 'write',
  'POST /api/alerts/:id/acknowledge': 'write',
  'POST /api/alerts/:id/resolve': 'write',
  'POST /api/alerts/rules': 'write',
  'PUT /api/alerts/rules/:id': 'write',
  'DELETE /api/alerts/rules/:id': 'write',
  'POST /api/alerts/silences': 'write',
  'DELETE /api/alerts/silences/:id': 'write',
  'POST /api/alerts/channels': 'write',
  'PUT /api/alerts/channels/:name': 'write',
  'DELETE /api/alerts/channels/:name': 'write',
  'PUT /api/alerts/rule-groups': 'write',
  'POST /api/status-pages': 'write',
  'PUT /api/status-pages/:slug': 'write',
  'DELETE /api/status-pages/:slug': 'write',
  'POST /api/status-pages/:slug/incidents': 'write',
  'POST /api/status-pages/:slug/incidents/:id/updates': 'write',
  'DELETE /api/status-pages/:slug/incidents/:id': 'write',
  'POST /api/maintenance': 'write',
  'PUT /api/maintenance/:id': 'write',
  'DELETE /api/maintenance/:id': 'write',
};

/** The Pushgateway API's paths: push (PUT, POST) and delete a group, all with an ingest token. */
function pushRoutes(...paths: string[]): Record<string, Access> {
  return Object.fromEntries(
    paths.flatMap((path) =>
      ['PUT', 'POST', 'DELETE'].map((method) => [`${method} ${path}`, 'ingest' as const]),
    ),
  );
}

/** The API description (Swagger UI and the OpenAPI document) is public, like the README it mirrors. */
const PUBLIC_PREFIXES = ['/api-docs'];

export function accessOf(method: string, url: string, metricsAuth: boolean): Access | undefined {
  if (PUBLIC_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`))) return 'public';
  // CORS preflights carry no credentials by design; they only ask which origins may call.
  if (method === 'OPTIONS') return 'public';
  if (url === '/metrics') return metricsAuth ? 'read' : 'public';
  return TABLE[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
