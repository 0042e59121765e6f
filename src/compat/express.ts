/**
 * `metrics-service/express`, kept for apps written against 0.1: the integration now lives in the small
 * `@metrics-service/client` package (prom-client its only dependency; docs/adr/0009-client-package.md).
 * @deprecated Import from `@metrics-service/client/express`; this path goes in the next major version.
 */
export * from '@metrics-service/client/express';
