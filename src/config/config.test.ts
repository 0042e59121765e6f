import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, ENV_NAMES, loadConfig } from './config.js';

describe('config', () => {
  it('has working defaults for a first run with no environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, './data');
    assert.equal(config.metricsTtlSeconds, 2_592_000);
    assert.equal(config.databaseUrl, undefined);
    assert.ok(Object.isFrozen(config));
  });

  it("reads the seed's variables", () => {
    const config = loadConfig({
      PORT: '8080',
      METRICS_TTL: '3600',
      PROMETHEUS_ENABLED: 'false',
      WEBSOCKET_BROADCAST_INTERVAL: '1000',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.metricsTtlSeconds, 3600);
    assert.equal(config.prometheusEnabled, false);
    assert.equal(config.websocketBroadcastIntervalMs, 1000);
  });

  it('names every bad variable in one error', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'eighty',
          METRICS_TTL: '-5',
          PROMETHEUS_ENABLED: 'maybe',
          DATABASE_URL: 'mysql://x',
          NODE_ENV: 'prod',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.message;
        for (const name of ['PORT', 'METRICS_TTL', 'PROMETHEUS_ENABLED', 'DATABASE_URL', 'NODE_ENV'])
          assert.match(text, new RegExp(name));
        assert.equal(error.problems.length, 5);
        return true;
      },
    );
  });

  it('documents every variable in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const missing = ENV_NAMES.filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    assert.deepEqual(missing, []);
  });
});
