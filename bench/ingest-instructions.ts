import autocannon from 'autocannon';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_AUTH, TEST_AUTH_ENV } from '../test/support/test-app.js';
import { INGEST_SAMPLES_PER_REQUEST, ingestBenchBodies } from './ingest.js';
import { report, tempDir } from './support.js';

const run = promisify(execFile);

/** Node as the bench counts it: V8's compiler and GC on the counted thread, GC not following the clock. */
const NODE_FLAGS = ['--single-threaded', '--predictable-gc-schedule'];

/**
 * The ingest bench's two figures in instructions, which the host's load does not move: what the service
 * executes per accepted sample (callgrind over `requests` batch requests, after `warmup` others that
 * create the series and let V8 optimise), against what JSON.parse of the same bodies executes per sample
 * (same node flags, same window technique). Needs `npm run build` first: the service runs from dist/.
 * User space only: the service's system calls (SQLite's writes, the socket) are not counted, so this ratio
 * flatters the service a little; the CPU-time ratio of `npm run bench -- ingest` includes them.
 */
export async function benchIngestInstructions(warmup = 30, requests = 30): Promise<void> {
  const bodies = ingestBenchBodies();
  const bodiesFile = join(tempDir('ingest-bodies'), 'bodies.json');
  writeFileSync(bodiesFile, JSON.stringify(bodies));
  const parse = await counted(parseChild(bodiesFile), async (child) => {
    child.stdin!.write('go\n');
    await lineFrom(child, 'done');
  });
  rmSync(dirname(bodiesFile), { recursive: true, force: true });
  const parsePerSample = parse / (PARSE_ROUNDS * bodies.length * INGEST_SAMPLES_PER_REQUEST);

  const dir = tempDir('ingest-instructions');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${String(port)}`;
  const send = (amount: number) =>
    autocannon({
      url,
      connections: 1,
      amount,
      timeout: 600, // seconds: under valgrind a cold request of 1,000 samples takes more than the default 10
      requests: bodies.map((body) => ({
        method: 'POST',
        path: '/api/metrics/batch',
        headers: { 'content-type': 'application/json', ...ADMIN_AUTH },
        body,
      })),
    });
  try {
    // Plain JS from dist/ (npm run build first): through tsx's loader thread the service did not start
    // within 10 minutes under valgrind on a loaded host.
    const service = spawnCounted(['dist/main.js'], {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dir,
      LOG_LEVEL: 'error',
      SYSTEM_COLLECT_INTERVAL: '0',
      APPLICATION_COLLECT_INTERVAL: '0',
      CHECKPOINT_INTERVAL_MS: '3600000',
      ...TEST_AUTH_ENV,
    });
    const perRequest = await counted(
      service,
      async () => {
        const result = await send(requests);
        if (result['2xx'] !== requests) throw new Error(`${String(result.non2xx)} requests failed`);
      },
      async () => {
        await ready(url, service.child);
        const result = await send(warmup);
        if (result['2xx'] !== warmup) throw new Error(`${String(result.non2xx)} warm-up requests failed`);
      },
    );
    const servicePerSample = perRequest / (requests * INGEST_SAMPLES_PER_REQUEST);
    report('ingest_instructions', {
      warmup_requests: warmup,
      requests,
      service_instructions_per_sample: Math.round(servicePerSample),
      json_parse_instructions_per_sample: Math.round(parsePerSample),
      instruction_ratio_vs_json_parse: parsePerSample / servicePerSample,
      target: 'ratio >= 0.3',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PARSE_ROUNDS = 20;

/** A node process that parses the bench bodies PARSE_ROUNDS times when told `go` (after a warm-up). */
function parseChild(bodiesFile: string): Counted {
  const script = `
    const bodies = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(bodiesFile)}, 'utf8'));
    for (let r = 0; r < ${String(PARSE_ROUNDS)}; r++) for (const b of bodies) JSON.parse(b);
    process.stdout.write('ready\\n');
    process.stdin.once('data', () => {
      for (let r = 0; r < ${String(PARSE_ROUNDS)}; r++) for (const b of bodies) JSON.parse(b);
      process.stdout.write('done\\n');
    });`;
  return spawnCounted(['-e', script], {});
}

interface Counted {
  child: ChildProcess;
  /** Where callgrind writes its dumps. */
  outDir: string;
}

function spawnCounted(args: string[], env: Record<string, string>): Counted {
  const dir = tempDir('callgrind');
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${join(dir, 'out')}`,
      process.execPath,
      ...NODE_FLAGS,
      ...args,
    ],
    { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stderr.resume();
  return { child, outDir: dir };
}

/** Instructions the child executes during `window` (counters zeroed before, dumped after), then kills it. */
async function counted(
  { child, outDir: dir }: Counted,
  window: (child: ChildProcess) => Promise<void>,
  before: (child: ChildProcess) => Promise<void> = (c) => lineFrom(c, 'ready'),
): Promise<number> {
  try {
    await before(child);
    await run('callgrind_control', ['--zero', String(child.pid)]);
    await window(child);
    await run('callgrind_control', ['--dump', String(child.pid)]);
    // callgrind_control may return before a large process's dump is written (seen on a loaded host).
    for (let attempt = 0; attempt < 300; attempt++) {
      const dump = readdirSync(dir).find((name) => /^out\.\d+/.test(name));
      const summary =
        dump === undefined ? null : /^summary: (\d+)$/m.exec(readFileSync(join(dir, dump), 'utf8'));
      if (summary !== null) return Number(summary[1]);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    throw new Error('callgrind wrote no dump');
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function lineFrom(child: ChildProcess, line: string): Promise<void> {
  let output = '';
  child.stdout!.setEncoding('utf8');
  while (!output.split('\n').includes(line)) {
    const [chunk] = (await once(child.stdout!, 'data')) as [string];
    output += chunk;
  }
}

/** Under valgrind the service takes minutes to start (over 10 on a host at load 20). */
async function ready(url: string, child: ChildProcess): Promise<void> {
  child.stdout!.resume();
  const deadline = Date.now() + 2_400_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the service exited during start');
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('service not ready after 40 minutes under valgrind');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
