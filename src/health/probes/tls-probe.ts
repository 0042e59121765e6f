import { connect, type PeerCertificate } from 'node:tls';
import { chainExpiry } from './http-probe.js';
import { measured } from './measured.js';
import type { Probe, ProbeReason, ProbeResult } from './probe.js';

const DAY_MS = 86_400_000;

/**
 * TLS certificate check (`tls://host[:port][?sni=name]`, port 443 by default): a handshake with SNI (the
 * `sni` parameter, else the host name), then the chain judged: DOWN when a certificate of the chain has
 * expired (`tls_expired`) or the chain does not verify for the name (`tls_error`, unless
 * `ignoreTlsErrors`), DEGRADED within `tlsExpiryDays`. Days left as `probe_tls_days_left`, the expiry as
 * `probe_ssl_earliest_cert_expiry`; the leaf's SHA-256 fingerprint goes with the result, so expiry
 * notices (tls-expiry-notices.ts) are sent once per certificate.
 */
export const tlsProbe: Probe = {
  run(definition, context) {
    const url = new URL(definition.url);
    const servername = url.searchParams.get('sni') ?? sniName(url.hostname);
    let facts: { expiresAt?: number; fingerprint?: string } = {};
    let close: (() => void) | undefined;
    return measured(
      definition,
      context,
      () =>
        new Promise<ProbeReason | undefined>((resolve, reject) => {
          const host = context.guard.checkHost(url.hostname);
          const socket = connect({
            host,
            port: url.port === '' ? 443 : Number(url.port),
            ...(servername === undefined ? {} : { servername }),
            lookup: context.guard.lookup,
            // Judged below, so an invalid chain still tells its expiry.
            rejectUnauthorized: false,
          });
          close = () => socket.destroy();
          socket.once('error', reject);
          socket.once('secureConnect', () => {
            const certificate = socket.getPeerCertificate(true) as PeerCertificate & {
              issuerCertificate?: PeerCertificate;
            };
            const authorized = socket.authorized;
            const problem = socket.authorizationError;
            socket.destroy();
            // Without a certificate, Node answers an empty object.
            if (Object.keys(certificate).length === 0) {
              resolve({ code: 'tls_error', message: 'the server presented no certificate' });
              return;
            }
            const expiresAt = chainExpiry(certificate);
            facts = {
              ...(expiresAt === undefined ? {} : { expiresAt }),
              fingerprint: certificate.fingerprint256,
            };
            if (expiresAt !== undefined && expiresAt <= Date.now())
              resolve({
                code: 'tls_expired',
                message: `a certificate of the chain expired on ${new Date(expiresAt).toISOString()}`,
              });
            else if (!authorized && !definition.ignoreTlsErrors)
              resolve({ code: 'tls_error', message: `the chain does not verify: ${String(problem)}` });
            else resolve(undefined);
          });
        }),
      () => close?.(),
    ).then((result) => withExpiry(result, facts, definition.tlsExpiryDays));
  },
};

/** Adds the expiry facts and the days-left series; DEGRADED within the threshold when otherwise up. */
function withExpiry(
  result: ProbeResult,
  facts: { expiresAt?: number; fingerprint?: string },
  thresholdDays: number,
): ProbeResult {
  if (facts.expiresAt === undefined) return result;
  const daysLeft = (facts.expiresAt - Date.now()) / DAY_MS;
  const withFacts: ProbeResult = {
    ...result,
    tlsExpiresAt: facts.expiresAt,
    ...(facts.fingerprint === undefined ? {} : { tlsFingerprint: facts.fingerprint }),
    series: [{ name: 'probe_tls_days_left', value: Math.round(daysLeft * 100) / 100 }],
  };
  if (result.ok && thresholdDays > 0 && daysLeft < thresholdDays)
    return {
      ...withFacts,
      degraded: true,
      reason: {
        code: 'tls_expiring',
        message: `the certificate expires in ${daysLeft.toFixed(1)} days (${new Date(facts.expiresAt).toISOString()})`,
      },
    };
  return withFacts;
}

/** SNI takes a host name only, never an IP literal. */
function sniName(host: string): string | undefined {
  return /^[0-9.]+$/.test(host) || host.includes(':') || host.startsWith('[') ? undefined : host;
}
