import ipaddr from 'ipaddr.js';

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

/**
 * The class of an IP address that must not be reached by default, or undefined for a public unicast
 * address. IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) are judged by the IPv4 address inside, so `::ffff:127.0.0.1` is loopback.
 */
export function deniedClass(address: string): DeniedClass | undefined {
  const parsed = ipaddr.parse(address);
  const inner = embeddedIPv4(parsed);
  if (inner !== undefined) return deniedClass(inner.toString());
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  return DENIED[range] ?? 'reserved';
}

/** The IPv4 address an IPv6 address stands for, if it is one of the forms that embed one. */
export function embeddedIPv4(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.kind() === 'ipv4') return undefined;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'ipv4Mapped') return v6.toIPv4Address();
  const parts = v6.parts;
  if (range === 'rfc6052') return fromHextets(parts[6]!, parts[7]!);
  if (range === '6to4') return fromHextets(parts[1]!, parts[2]!);
  return undefined;
}

function fromHextets(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** Strict IP-literal test (ipaddr.js' own `isValid` also accepts `0x7f.1` style IPv4 forms). */
export function isIpLiteral(host: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host);
}
