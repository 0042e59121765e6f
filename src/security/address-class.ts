import ipaddr from 'ipaddr.js';
import { embeddedIPv4s } from './embedded-ipv4.js';

/** Why an address may not be reached from the service without an allow-list entry. */
export type DeniedClass =
  'loopback' | 'private' | 'link_local' | 'unique_local' | 'unspecified' | 'multicast' | 'reserved';

/** ipaddr.js' range names → the class we report; `unicast` (public) is absent: it is allowed. */
const DENIED: Readonly<Record<string, DeniedClass>> = {
  loopback: 'loopback',
  private: 'private',
  carrierGradeNat: 'private',
  linkLocal: 'link_local',
  uniqueLocal: 'unique_local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'reserved',
  reserved: 'reserved',
  benchmarking: 'reserved',
  amt: 'reserved',
  as112: 'reserved',
  as112v6: 'reserved',
  deprecated: 'reserved',
  orchid2: 'reserved',
  droneRemoteIdProtocolEntityTags: 'reserved',
  discard: 'reserved',
  teredo: 'reserved',
};

/** IPv6 ranges that only say "the IPv4 address inside": judged by that address, not by themselves. */
const CARRIERS: ReadonlySet<string> = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4', 'teredo']);

/** One reason an address is refused, and the address it is about (the address itself or one it embeds). */
export interface DeniedPart {
  address: ipaddr.IPv4 | ipaddr.IPv6;
  reason: DeniedClass;
}

/**
 * The class of an IP address that must not be reached by default, or undefined for a public unicast
 * address. An IPv6 address carrying an IPv4 one (mapped, compatible, NAT64, 6to4, Teredo, ISATAP: see
 * embeddedIPv4s) is refused when the IPv4 address inside would be, so `::ffff:127.0.0.1`, `::7f00:1` and
 * `64:ff9b::a9fe:a9fe` are loopback, loopback and link-local.
 */
export function deniedClass(address: string): DeniedClass | undefined {
  return deniedParts(parseIp(address))[0]?.reason;
}

/** Every reason to refuse `address`: its own class, then each embedded IPv4 address's. Empty: public. */
export function deniedParts(address: ipaddr.IPv4 | ipaddr.IPv6): DeniedPart[] {
  if (address.kind() === 'ipv4') {
    const reason = ownClass(address.range());
    return reason === undefined ? [] : [{ address, reason }];
  }
  const v6 = address as ipaddr.IPv6;
  const parts: DeniedPart[] = [];
  const range = v6.range();
  const own = CARRIERS.has(range) ? undefined : ownClass(range);
  if (own !== undefined) parts.push({ address: v6, reason: own });
  const embedded = embeddedIPv4s(v6);
  const zeros: DeniedPart[] = [];
  for (const inner of embedded) {
    const reason = ownClass(inner.address.range());
    if (reason !== undefined)
      (reason === 'unspecified' ? zeros : parts).push({ address: inner.address, reason });
  }
  // 0.0.0.0/8 at one NAT64 position is usually another position's zero padding: name it last.
  parts.push(...zeros);
  // Deprecated forms nothing legitimate uses any more: refused whatever they carry.
  if (parts.length === 0 && embedded.some((inner) => inner.form === 'compatible' || inner.form === 'teredo'))
    parts.push({ address: v6, reason: 'reserved' });
  return parts;
}

function ownClass(range: string): DeniedClass | undefined {
  return range === 'unicast' ? undefined : (DENIED[range] ?? 'reserved');
}

/** A strict IPv4 dotted quad, as the tail of an IPv6 address may be written. */
const DOTTED_TAIL = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Parses an IP literal exactly. ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d` (compatible rewritten to
 * mapped), which would change the address a caller connects to; the dotted tail is turned into hextets
 * here instead. Throws on anything that is not an IP literal.
 */
export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  const dotted = DOTTED_TAIL.exec(text);
  if (dotted === null) {
    // ipaddr.js would also take hex and octal IPv4 parts after the colons (`::ffff:0x7f.1.1.1`).
    if (text.includes('.')) throw new Error(`ipaddr: ${text} has an invalid IPv4 part`);
    return ipaddr.IPv6.parse(text);
  }
  const octets = dotted.slice(2, 6).map(Number);
  if (octets.some((octet) => octet > 255)) throw new Error(`ipaddr: ${text} has an invalid IPv4 part`);
  const hextet = (high: number, low: number): string => ((high << 8) | low).toString(16);
  return ipaddr.IPv6.parse(
    `${dotted[1]!}${hextet(octets[0]!, octets[1]!)}:${hextet(octets[2]!, octets[3]!)}`,
  );
}

/** Strict IP-literal test (ipaddr.js' own `isValid` also accepts `0x7f.1` style IPv4 forms). */
export function isIpLiteral(host: string): boolean {
  try {
    parseIp(host);
    return true;
  } catch {
    return false;
  }
}
