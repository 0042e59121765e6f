import ipaddr from 'ipaddr.js';

/** How an IPv6 address carries an IPv4 one; `compatible` and `teredo` are deprecated forms. */
export type EmbeddingForm = 'mapped' | 'translated' | 'compatible' | 'nat64' | '6to4' | 'teredo' | 'isatap';

export interface EmbeddedIPv4 {
  form: EmbeddingForm;
  address: ipaddr.IPv4;
}

/** The RFC 6052 prefix lengths a local-use NAT64 prefix inside 64:ff9b:1::/48 (RFC 8215) may have. */
const LOCAL_NAT64_PREFIXES = [48, 56, 64, 96] as const;

/**
 * Every IPv4 address an IPv6 address carries, in any of the forms a packet to it may end up sent to that
 * IPv4 address: mapped `::ffff:a.b.c.d`, translated `::ffff:0:a.b.c.d` (RFC 6145), compatible `::a.b.c.d`
 * (RFC 4291, deprecated), NAT64 `64:ff9b::/96` and the local-use `64:ff9b:1::/48` (its operator picks the
 * prefix length, so every RFC 6052 position is returned), 6to4 `2002:AABB:CCDD::/48`, Teredo `2001::/32`
 * (server and de-obfuscated client) and ISATAP interface ids `…:0:5efe:a.b.c.d` / `…:200:5efe:…` on any
 * prefix. Empty for an address with none.
 */
export function embeddedIPv4s(address: ipaddr.IPv6): EmbeddedIPv4[] {
  const p = address.parts as readonly number[];
  const found: EmbeddedIPv4[] = [];
  const add = (form: EmbeddingForm, high: number, low: number): void => {
    found.push({ form, address: fromHextets(high, low) });
  };
  const zeros = (from: number, to: number): boolean => p.slice(from, to).every((part) => part === 0);
  if (zeros(0, 5) && p[5] === 0xffff) add('mapped', p[6]!, p[7]!);
  else if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) add('translated', p[6]!, p[7]!);
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4 ones.
  else if (zeros(0, 6) && !(p[6] === 0 && p[7]! <= 1)) add('compatible', p[6]!, p[7]!);
  else if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) add('nat64', p[6]!, p[7]!);
  else if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1)
    for (const length of LOCAL_NAT64_PREFIXES) found.push({ form: 'nat64', address: rfc6052(p, length) });
  else if (p[0] === 0x2002) add('6to4', p[1]!, p[2]!);
  else if (p[0] === 0x2001 && p[1] === 0) {
    add('teredo', p[2]!, p[3]!);
    add('teredo', p[6]! ^ 0xffff, p[7]! ^ 0xffff);
  }
  // RFC 5214: the interface id is 0000:5efe or 0200:5efe (u/l bit), with the group bit possibly set too.
  if ((p[4]! & 0xfcff) === 0 && p[5] === 0x5efe) add('isatap', p[6]!, p[7]!);
  return found;
}

function fromHextets(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** RFC 6052 §2.2: the IPv4 address after a prefix of `length` bits, skipping bits 64–71 (the `u` octet). */
function rfc6052(parts: readonly number[], length: (typeof LOCAL_NAT64_PREFIXES)[number]): ipaddr.IPv4 {
  const bytes = parts.flatMap((part) => [part >> 8, part & 0xff]);
  const after = [...bytes.slice(0, 8), ...bytes.slice(9)].slice(length / 8 - (length > 64 ? 1 : 0));
  return new ipaddr.IPv4(after.slice(0, 4));
}
