import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { measured } from './measured.js';
import type { Probe, ProbeContext, ProbeReason, ProbeSeries } from './probe.js';
import type { ServiceDefinition } from '../service-schema.js';

/** Port of the TCP fallback when the URL names none: a refused connection proves the host is there too. */
const FALLBACK_PORT = 80;
/** What ping says when it may not open an ICMP socket (no CAP_NET_RAW, ping_group_range excluding us). */
const NOT_PERMITTED = /operation not permitted|permission denied|lacking privilege|socket: /i;

interface PingOutcome {
  reason: ProbeReason | undefined;
  series: ProbeSeries[];
  degraded: boolean;
}

/**
 * Ping check (`ping://host[:port]`): `pingCount` ICMP echo requests through the system's `ping`
 * (iputils, at the address the egress guard judged); DOWN when none is answered (`timeout`, or
 * `unreachable` when a router says so), DEGRADED on partial loss; RTT and loss as series. Where ping may
 * not open an ICMP socket (or is not installed), a TCP connect to the port (default 80) stands in: an
 * accepted or refused connection both mean the host answered; `probe_ping_tcp_fallback` says which ran.
 */
export function createPingProbe(binary = 'ping'): Probe {
  return {
    run(definition, context) {
      let outcome: PingOutcome | undefined;
      return measured(definition, context, async () => {
        const host = new URL(definition.url).hostname;
        const address = await context.guard.resolveHost(host);
        outcome =
          (await icmp(binary, address, definition, context)) ??
          (await tcpFallback(address, definition, context));
        return outcome.degraded ? undefined : outcome.reason;
      }).then((result) =>
        outcome === undefined
          ? result
          : {
              ...result,
              series: outcome.series,
              ...(outcome.degraded ? { degraded: true, reason: outcome.reason! } : {}),
            },
      );
    },
  };
}

export const pingProbe = createPingProbe();

/** The ICMP answer, or undefined when ping could not run here (then the TCP fallback answers). */
async function icmp(
  binary: string,
  address: string,
  definition: ServiceDefinition,
  context: ProbeContext,
): Promise<PingOutcome | undefined> {
  const count = definition.monitor.pingCount;
  // -w: ping's own deadline, under the service's timeout so its summary is printed before the abort.
  const deadline = Math.max(1, Math.floor((definition.timeout - 250) / 1000));
  const args = [
    '-n',
    '-q',
    '-c',
    String(count),
    '-i',
    '0.2',
    '-W',
    String(deadline),
    '-w',
    String(deadline),
    address,
  ];
  const { code, stdout, stderr, spawnError } = await run(binary, args, context.signal);
  if (spawnError !== undefined || NOT_PERMITTED.test(stderr)) return undefined;
  const sent = Number(/(\d+) packets transmitted/.exec(stdout)?.[1] ?? count);
  const received = Number(/(\d+) (?:packets )?received/.exec(stdout)?.[1] ?? 0);
  const avg = /= [\d.]+\/([\d.]+)\//.exec(stdout)?.[1];
  const loss = sent === 0 ? 1 : (sent - received) / sent;
  const series: ProbeSeries[] = [
    { name: 'probe_icmp_packet_loss_ratio', value: loss },
    { name: 'probe_ping_tcp_fallback', value: 0 },
    ...(avg === undefined ? [] : [{ name: 'probe_icmp_rtt_seconds', value: Number(avg) / 1000 }]),
  ];
  const percent = `${String(Math.round(loss * 100))}% packet loss`;
  if (received === 0) {
    const said = /unreachable|errors/i.test(stdout + stderr) || code === 2;
    return {
      series,
      degraded: false,
      reason: said
        ? {
            code: 'unreachable',
            message: `${address} is unreachable (${percent}): ${firstProblem(stdout, stderr)}`,
          }
        : {
            code: 'timeout',
            message: `no echo reply from ${address} within ${String(deadline)} s (${percent})`,
          },
    };
  }
  if (received < sent)
    return { series, degraded: true, reason: { code: 'packet_loss', message: `${percent} to ${address}` } };
  return { series, degraded: false, reason: undefined };
}

/** A TCP connect as the reachability test: connected or refused (RST) means the host answered. */
function tcpFallback(
  address: string,
  definition: ServiceDefinition,
  context: ProbeContext,
): Promise<PingOutcome> {
  const url = new URL(definition.url);
  const port = url.port === '' ? FALLBACK_PORT : Number(url.port);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = new Socket({ signal: context.signal });
    const answered = (): void => {
      socket.destroy();
      resolve({
        reason: undefined,
        degraded: false,
        series: [
          { name: 'probe_ping_tcp_fallback', value: 1 },
          { name: 'probe_icmp_rtt_seconds', value: (performance.now() - started) / 1000 },
        ],
      });
    };
    socket.once('connect', answered);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') answered();
      else if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH')
        resolve({
          reason: { code: 'unreachable', message: `${address} is unreachable (TCP fallback: ${error.code})` },
          degraded: false,
          series: [{ name: 'probe_ping_tcp_fallback', value: 1 }],
        });
      else reject(error);
    });
    socket.connect({ host: address, port });
  });
}

function firstProblem(stdout: string, stderr: string): string {
  const line = `${stderr}\n${stdout}`
    .split('\n')
    .find((l) => /unreachable|error|prohibited|exceeded/i.test(l));
  return (line ?? stderr.trim()).slice(0, 200) || 'no reply';
}

function run(
  binary: string,
  args: string[],
  signal: AbortSignal,
): Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: Error }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(binary, args, { signal, stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C' } });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      // An abort is the service's timeout (measured() reports it); a missing binary means "use TCP".
      if (error.name === 'AbortError') resolve({ code: null, stdout, stderr });
      else resolve({ code: null, stdout, stderr, spawnError: error });
    });
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
