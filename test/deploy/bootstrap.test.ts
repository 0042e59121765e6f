import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { requireBinary } from '../support/binaries.js';
import { freePort, startChildService, type ChildService } from '../support/child-service.js';
import { poll, runPrometheus, type RunningPrometheus } from '../support/prometheus.js';

const DEPLOY = 'deploy';

/** The files deploy/bootstrap.sh works with, copied to a temporary directory: it writes beside itself. */
function deployCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-bootstrap-'));
  for (const file of ['bootstrap.sh', '.env.example', 'compose.yaml'])
    cpSync(join(DEPLOY, file), join(dir, file));
  mkdirSync(join(dir, 'alertmanager'));
  cpSync(join(DEPLOY, 'alertmanager/alertmanager.yml'), join(dir, 'alertmanager/alertmanager.yml'));
  return dir;
}

/** Runs the script without the caller's EMAIL_* or METRICS_URL, with `env` added. */
async function bootstrap(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; output: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('EMAIL_') && name !== 'METRICS_URL'),
  );
  const child = spawn('sh', [join(dir, 'bootstrap.sh'), ...args], { env: { ...clean, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { status, output };
}

function envFile(dir: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(join(dir, '.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}

function amtool(file: string): { status: number | null; output: string } {
  const result = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('deploy/bootstrap.sh secrets: .env, deploy/secrets/ and Alertmanager configuration', () => {
  it('generates every secret once, creates the mounted files, and keeps them on a second run', async () => {
    const dir = deployCopy();
    try {
      const first = await bootstrap(dir, ['secrets']);
      assert.equal(first.status, 0, first.output);
      const env = envFile(dir);
      for (const name of [
        'ADMIN_PASSWORD',
        'JWT_SECRET',
        'GF_SECURITY_ADMIN_PASSWORD',
        'POSTGRES_PASSWORD',
        'REDIS_PASSWORD',
      ])
        assert.match(env[name] ?? '', /^[0-9a-f]{64}$/, name);
      assert.equal(env.REDIS_EXPORTER_PASSWORD, env.REDIS_PASSWORD, 'the exporter watches the stack Redis');
      assert.equal(mode(join(dir, '.env')), 0o600);
      assert.equal(mode(join(dir, 'secrets')), 0o700);
      for (const name of [
        'metrics-read-token',
        'metrics-ingest-token',
        'slack-webhook-url',
        'discord-slack-webhook-url',
        'smtp-password',
        'alertmanager.yml',
      ])
        assert.equal(mode(join(dir, 'secrets', name)), 0o600, name);
      assert.match(first.output, /still empty: metrics-read-token metrics-ingest-token/);

      writeFileSync(join(dir, 'secrets/slack-webhook-url'), 'https://hooks.slack.com/services/T/B/x');
      const second = await bootstrap(dir, ['secrets']);
      assert.equal(second.status, 0, second.output);
      assert.deepEqual(envFile(dir), env, 'nothing regenerated');
      assert.equal(
        readFileSync(join(dir, 'secrets/slack-webhook-url'), 'utf8'),
        'https://hooks.slack.com/services/T/B/x',
      );
      assert.doesNotMatch(second.output, /generated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders Alertmanager without email when EMAIL_TO is empty, and amtool accepts it', async (ctx) => {
    if (!requireBinary(ctx, 'amtool', 'prometheus-alertmanager')) return;
    const dir = deployCopy();
    try {
      const result = await bootstrap(dir, ['secrets']);
      assert.equal(result.status, 0, result.output);
      const rendered = join(dir, 'secrets/alertmanager.yml');
      const check = amtool(rendered);
      assert.equal(check.status, 0, check.output);
      const text = readFileSync(rendered, 'utf8');
      assert.doesNotMatch(text, /\$\{[A-Z_]+\}|smtp_|email_configs|example\.com/);
      assert.match(result.output, /EMAIL_TO is empty: Alertmanager sends no email/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the EMAIL_* values of deploy/.env (the environment wins), and amtool accepts it', async (ctx) => {
    if (!requireBinary(ctx, 'amtool', 'prometheus-alertmanager')) return;
    const dir = deployCopy();
    try {
      assert.equal((await bootstrap(dir, ['secrets'])).status, 0);
      const env = readFileSync(join(dir, '.env'), 'utf8')
        .replace(/^EMAIL_SMTP_HOST=$/m, 'EMAIL_SMTP_HOST=smtp.acme.test')
        .replace(/^EMAIL_FROM=$/m, 'EMAIL_FROM=alertmanager@acme.test')
        .replace(/^EMAIL_TO=$/m, 'EMAIL_TO=oncall@acme.test');
      writeFileSync(join(dir, '.env'), env);
      const result = await bootstrap(dir, ['secrets'], { EMAIL_SMTP_PORT: '465' });
      assert.equal(result.status, 0, result.output);
      const rendered = join(dir, 'secrets/alertmanager.yml');
      const check = amtool(rendered);
      assert.equal(check.status, 0, check.output);
      const config = parse(readFileSync(rendered, 'utf8')) as {
        global: Record<string, unknown>;
        receivers: { name: string; email_configs?: { to: string }[] }[];
      };
      assert.equal(config.global.smtp_smarthost, 'smtp.acme.test:465');
      assert.equal(config.global.smtp_from, 'alertmanager@acme.test');
      assert.equal(config.global.smtp_auth_username, 'alertmanager@acme.test', 'defaults to EMAIL_FROM');
      assert.equal(config.global.smtp_auth_password_file, '/etc/alertmanager/secrets/smtp-password');
      assert.equal(
        config.receivers.find((r) => r.name === 'critical')!.email_configs![0]!.to,
        'oncall@acme.test',
      );
      assert.doesNotMatch(readFileSync(rendered, 'utf8'), /\$\{[A-Z_]+\}|example\.com/);
      assert.match(result.output, /smtp-password is empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an incomplete or unsafe email setting with a message naming the variable', async () => {
    const dir = deployCopy();
    try {
      const noHost = await bootstrap(dir, ['secrets'], { EMAIL_TO: 'oncall@acme.test' });
      assert.equal(noHost.status, 1);
      assert.match(noHost.output, /EMAIL_TO is set but EMAIL_SMTP_HOST is empty/);
      const injected = await bootstrap(dir, ['secrets'], {
        EMAIL_TO: "x@acme.test'\n  smtp_require_tls: false",
        EMAIL_SMTP_HOST: 'smtp.acme.test',
        EMAIL_FROM: 'a@acme.test',
      });
      assert.equal(injected.status, 1);
      assert.match(injected.output, /EMAIL_TO must not contain/);
      const badPort = await bootstrap(dir, ['secrets'], {
        EMAIL_TO: 'oncall@acme.test',
        EMAIL_SMTP_HOST: 'smtp.acme.test',
        EMAIL_FROM: 'a@acme.test',
        EMAIL_SMTP_PORT: 'smtp',
      });
      assert.equal(badPort.status, 1);
      assert.match(badPort.output, /EMAIL_SMTP_PORT must be a port number/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The real Prometheus with the shipped metrics-service scrape job, its target rewritten to the test's
 * service, its token file the one the script writes, and a 1 s scrape interval.
 */
async function shippedScrape(serviceUrl: string, tokenFile: string): Promise<RunningPrometheus> {
  const shipped = parse(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: {
      job_name: string;
      authorization: { credentials_file: string };
      static_configs: { targets: string[] }[];
    }[];
  };
  const job = shipped.scrape_configs.find((j) => j.job_name === 'metrics-service')!;
  job.authorization.credentials_file = tokenFile;
  job.static_configs = [{ targets: [serviceUrl.replace('http://', '')] }];
  const dir = mkdtempSync(join(tmpdir(), 'deploy-bootstrap-prometheus-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({ global: { scrape_interval: '1s' }, scrape_configs: [job] }),
  );
  return runPrometheus(dir, await freePort());
}

describe('deploy/bootstrap.sh tokens: against the real service', () => {
  let dir: string;
  let dataDir: string;
  let service: ChildService;

  before(async () => {
    dir = deployCopy();
    assert.equal((await bootstrap(dir, ['secrets'])).status, 0);
    const env = envFile(dir);
    // The service as compose starts it: the admin's first password and the token key from deploy/.env.
    service = await startChildService({
      DATA_DIR: (dataDir = mkdtempSync(join(tmpdir(), 'deploy-bootstrap-data-'))),
      ADMIN_PASSWORD: env.ADMIN_PASSWORD!,
      JWT_SECRET: env.JWT_SECRET!,
      ADMIN_TOKEN: '',
    });
  });

  after(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const me = async (token: string) =>
    (await (
      await fetch(`${service.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      scopes?: string[];
    };

  it('creates the read and ingest tokens through the API, usable by Prometheus and Alertmanager', async (ctx) => {
    // Prometheus started before the token exists, as in the stack: 401 until the script writes the file,
    // then up without a restart (it reads credentials_file on every scrape).
    const prometheus = requireBinary(ctx, 'prometheus', 'prometheus')
      ? await shippedScrape(service.url, join(dir, 'secrets/metrics-read-token'))
      : undefined;
    const up = async (value: string) =>
      poll(async () => {
        const rows = await prometheus!.query('up{job="metrics-service"}');
        return rows[0]?.value[1] === value ? rows : undefined;
      }, 20_000);
    try {
      if (prometheus) assert.ok(await up('0'), `down without a token: ${prometheus.log().slice(-1000)}`);
      const result = await bootstrap(dir, ['tokens'], { METRICS_URL: service.url, READY_TIMEOUT: '10' });
      assert.equal(result.status, 0, result.output);
      if (prometheus)
        assert.ok(await up('1'), `up once the token is written: ${prometheus.log().slice(-1000)}`);
    } finally {
      await prometheus?.stop();
    }
    const read = readFileSync(join(dir, 'secrets/metrics-read-token'), 'utf8');
    const ingest = readFileSync(join(dir, 'secrets/metrics-ingest-token'), 'utf8');
    assert.match(read, /^mst_/);
    assert.match(ingest, /^mst_/);
    assert.deepEqual((await me(read)).scopes, ['read']);
    assert.deepEqual((await me(ingest)).scopes, ['ingest']);
    const scrape = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${read}` } });
    assert.equal(scrape.status, 200, 'Prometheus scrapes with the read token');
    const webhook = await fetch(`${service.url}/api/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', status: 'firing', alerts: [] }),
    });
    assert.ok(webhook.status < 300, `Alertmanager posts with the ingest token: ${String(webhook.status)}`);

    const again = await bootstrap(dir, ['tokens'], { METRICS_URL: service.url });
    assert.equal(again.status, 0, again.output);
    assert.match(again.output, /both tokens exist/);
    assert.equal(readFileSync(join(dir, 'secrets/metrics-read-token'), 'utf8'), read, 'kept');
  });

  it('fails with the API answer when the admin password is wrong, and when the service never answers', async () => {
    writeFileSync(join(dir, 'secrets/metrics-read-token'), '');
    const env = readFileSync(join(dir, '.env'), 'utf8');
    writeFileSync(join(dir, '.env'), env.replace(/^ADMIN_PASSWORD=.*$/m, 'ADMIN_PASSWORD=not-the-password'));
    try {
      const wrong = await bootstrap(dir, ['tokens'], { METRICS_URL: service.url });
      assert.equal(wrong.status, 1);
      assert.match(wrong.output, /POST \/api\/auth\/login answered 401/);
      assert.equal(readFileSync(join(dir, 'secrets/metrics-read-token'), 'utf8'), '', 'nothing written');
    } finally {
      writeFileSync(join(dir, '.env'), env);
    }
    const closed = await bootstrap(dir, ['tokens'], {
      METRICS_URL: `http://127.0.0.1:${String(await freePort())}`,
      READY_TIMEOUT: '2',
    });
    assert.equal(closed.status, 1);
    assert.match(closed.output, /did not answer http:\/\/127\.0\.0\.1:\d+\/ready within 2 s/);
  });
});
