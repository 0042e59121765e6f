import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { domainToASCII } from 'node:url';
import type ipaddr from 'ipaddr.js';
import { deniedParts, isIpLiteral, parseIp, type DeniedClass } from './address-class.js';

export type EgressDenialReason = DeniedClass | 'invalid_host';

/** An outbound connection the guard refused; probes report it, webhooks and email will too. */
export class EgressDeniedError extends Error {
  readonly code = 'EGRESS_DENIED';
  constructor(
    readonly host: string,
    readonly address: string | undefined,
    readonly reason: EgressDenialReason,
  ) {
    super(
      address === undefined
        ? `egress refused: ${host} is not a valid host name`
        : `egress refused: ${host === address ? address : `${host} resolves to ${address}, which`} is a ` +
            `${reason.replace('_', '-')} address; add it to EGRESS_ALLOWLIST to allow it`,
    );
    this.name = 'EgressDeniedError';
  }
}

type Resolver = (
  hostname: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * The one gate of every outbound connection the service makes (probes, webhooks, email). Public unicast
 * addresses pass; loopback, private, link-local (cloud metadata at 169.254.169.254 included),
 * unique-local, unspecified, multicast and reserved ones are refused unless EGRESS_ALLOWLIST names the
 * host, the address or a CIDR holding it.
 *
 * Names are judged where the connection is made: `lookup` replaces DNS resolution in net/tls/http, so the
 * address checked is the address connected to, and a name that re-resolves to 127.0.0.1 between a check
 * and a connection (DNS rebinding) gains nothing. IP literals skip DNS, so callers pass every host (first
 * URL and each redirect) through `checkHost` before connecting.
 */
export class EgressGuard {
  private readonly hosts = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(
    allowlist: readonly string[] = [],
    private readonly resolver: Resolver = dnsLookup,
  ) {
    for (const raw of allowlist) {
      const entry = raw.trim();
      if (entry === '') continue;
      const problem = allowlistProblem(entry);
      if (problem !== undefined) throw new Error(problem);
      if (entry.includes('/')) this.ranges.push(parseCidr(entry));
      else if (isIpLiteral(stripBrackets(entry))) {
        const address = parseIp(stripBrackets(entry));
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else if (entry.startsWith('*.')) this.suffixes.push(`.${normaliseHost(entry.slice(2))}`);
      else this.hosts.add(normaliseHost(entry));
    }
  }

  /**
   * Normalises a host (IDN to ASCII, lower case, no trailing dot, no IPv6 brackets) and refuses an IP
   * literal of a denied class now. Returns the normalised host to connect to.
   */
  checkHost(host: string): string {
    const normalised = normaliseHost(host);
    if (normalised === '') throw new EgressDeniedError(host, undefined, 'invalid_host');
    if (isIpLiteral(normalised)) this.checkAddress(normalised, normalised);
    return normalised;
  }

  /** True when the admin allowed this host by name (its addresses are then not judged). */
  hostAllowed(host: string): boolean {
    const name = normaliseHost(host);
    return this.hosts.has(name) || this.suffixes.some((suffix) => name.endsWith(suffix));
  }

  /** Throws when `address` (what `host` resolved to) may not be reached. */
  checkAddress(host: string, address: string): void {
    if (this.hostAllowed(host)) return;
    const parsed = parseIp(address);
    // Each reason (the address's own class, each IPv4 address it carries) must be lifted by an entry.
    const denied = deniedParts(parsed).find(
      (part) => !this.addressAllowed(parsed) && !this.addressAllowed(part.address),
    );
    if (denied !== undefined) throw new EgressDeniedError(host, address, denied.reason);
  }

  /**
   * The address to connect to for `host`, judged: for clients that take an address rather than a lookup
   * function (SMTP). Connecting to exactly this address leaves no rebinding window either.
   */
  resolveHost(host: string): Promise<string> {
    const normalised = this.checkHost(host);
    if (isIpLiteral(normalised)) return Promise.resolve(normalised);
    return new Promise((resolve, reject) => {
      this.lookup(normalised, { all: false }, (error, address) => {
        if (error) reject(error);
        else resolve(address as string);
      });
    });
  }

  /** A drop-in `lookup` for net.connect, tls.connect and http.request: resolves, then judges every address. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolver(hostname, { all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      try {
        for (const { address } of addresses) this.checkAddress(hostname, address);
      } catch (denied) {
        callback(denied as NodeJS.ErrnoException, '', 0);
        return;
      }
      const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
      const usable = wanted === undefined ? addresses : addresses.filter((a) => a.family === wanted);
      if (options.all === true) callback(null, usable);
      else if (usable[0] === undefined) {
        const notFound: NodeJS.ErrnoException = new Error(`no IPv${String(wanted)} address for ${hostname}`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, '', 0);
      } else callback(null, usable[0].address, usable[0].family);
    });
  };

  private addressAllowed(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.ranges.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits));
  }
}

/** Why an EGRESS_ALLOWLIST entry is not usable, or undefined when it is (config validation). */
export function allowlistProblem(entry: string): string | undefined {
  if (entry.includes('/')) {
    try {
      parseCidr(entry);
      return undefined;
    } catch {
      return `EGRESS_ALLOWLIST: "${entry}" is not a valid CIDR`;
    }
  }
  if (isIpLiteral(stripBrackets(entry))) return undefined;
  const host = entry.startsWith('*.') ? entry.slice(2) : entry;
  return normaliseHost(host) === '' || host.includes('*')
    ? `EGRESS_ALLOWLIST: "${entry}" is not a host name, an IP address or a CIDR`
    : undefined;
}

/** IDN to ASCII (punycode), lower case, without a trailing dot or IPv6 brackets; '' when invalid. */
export function normaliseHost(host: string): string {
  const bare = stripBrackets(host.trim());
  if (isIpLiteral(bare)) return parseIp(bare).toString();
  // The WHATWG URL parser also folds numeric IPv4 forms (2130706433, 0x7f.1) into dotted quads.
  let hostname: string;
  try {
    hostname = new URL(`http://${bare}/`).hostname;
  } catch {
    return '';
  }
  const ascii = isIpLiteral(hostname) ? hostname : domainToASCII(hostname);
  return ascii.replace(/\.$/, '').toLowerCase();
}

/** `address/bits`, the address read as exactly as parseIp reads it (`::a.b.c.d/96` stays compatible). */
function parseCidr(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const [text = '', bits = '', ...rest] = entry.split('/');
  const address = parseIp(stripBrackets(text));
  const length = Number(bits);
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (rest.length > 0 || !/^\d{1,3}$/.test(bits) || length > max) throw new Error(`invalid CIDR ${entry}`);
  return [address, length];
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
