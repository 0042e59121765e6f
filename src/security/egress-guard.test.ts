import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { connect, createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { EgressDeniedError, EgressGuard, allowlistProblem, normaliseHost } from './egress-guard.js';

function denied(guard: EgressGuard, host: string): string | undefined {
  try {
    guard.checkHost(host);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof EgressDeniedError);
    return error.reason;
  }
}

/** A resolver answering from a table that can change between calls (DNS rebinding). */
function resolverOf(answers: () => Record<string, string[]>) {
  return (
    hostname: string,
    _options: { all: true },
    callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ): void => {
    const list = answers()[hostname];
    if (list === undefined) {
      const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      error.code = 'ENOTFOUND';
      callback(error, []);
      return;
    }
    callback(
      null,
      list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

function lookup(guard: EgressGuard, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    guard.lookup(host, { all: false }, (error, address) => {
      if (error) reject(error);
      else resolve(address as string);
    });
  });
}

describe('egress guard', () => {
  const guard = new EgressGuard();

  it('refuses every non-public class, IPv4 and IPv6', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['169.254.169.254', 'link_local'],
      ['fe80::1', 'link_local'],
      ['fd00::1', 'unique_local'],
      ['fc00::5', 'unique_local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      // IPv6 spellings of IPv4 addresses are judged by the address inside.
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:169.254.169.254', 'link_local'],
      ['64:ff9b::a00:1', 'private'],
      ['2002:7f00:1::1', 'loopback'],
      // Numeric forms the URL parser folds to 127.0.0.1.
      ['2130706433', 'loopback'],
      ['0x7f.1', 'loopback'],
      ['[::1]', 'loopback'],
    ];
    for (const [host, reason] of cases) assert.equal(denied(guard, host), reason, host);
  });

  it('judges every IPv6 form carrying an IPv4 address by that address (issue 15)', () => {
    const cases: [string, string][] = [
      // IPv4-compatible (deprecated ::/96), dotted and hex, as typed and as the URL parser rewrites them.
      ['::127.0.0.1', 'loopback'],
      ['[::127.0.0.1]', 'loopback'],
      ['::7f00:1', 'loopback'],
      ['0:0:0:0:0:0:127.0.0.1', 'loopback'],
      ['::10.0.0.1', 'private'],
      ['::169.254.169.254', 'link_local'],
      ['::a9fe:a9fe', 'link_local'],
      ['::0.0.0.2', 'unspecified'],
      ['::8.8.8.8', 'reserved'],
      [new URL('http://[::127.0.0.1]/').hostname, 'loopback'],
      [new URL('http://[0:0:0:0:0:0:169.254.169.254]:8080/').hostname, 'link_local'],
      // Mapped and translated (RFC 6145).
      ['::ffff:7f00:1', 'loopback'],
      ['0:0:0:0:0:ffff:10.1.2.3', 'private'],
      ['::ffff:0:127.0.0.1', 'loopback'],
      ['::ffff:0:a9fe:a9fe', 'link_local'],
      // NAT64: the well-known prefix, and every RFC 6052 position of a local-use /48.
      ['64:ff9b::127.0.0.1', 'loopback'],
      ['64:ff9b::a9fe:a9fe', 'link_local'],
      ['64:ff9b:1::7f00:1', 'loopback'],
      ['64:ff9b:1:7f00:0:100::', 'loopback'],
      ['64:ff9b:1:a:a:a00:1::', 'private'],
      // 6to4.
      ['2002:a9fe:a9fe::1', 'link_local'],
      ['2002:c0a8:101::', 'private'],
      // Teredo: server 127.0.0.1, then client 10.0.0.1 (stored XOR ffff), then both public.
      ['2001:0:7f00:1::1', 'loopback'],
      ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'],
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
      // ISATAP interface ids on a public prefix, private (0) and global (200) forms.
      ['2a00:1450::5efe:127.0.0.1', 'loopback'],
      ['2a00:1450::200:5efe:a9fe:a9fe', 'link_local'],
      ['2a00:1450::300:5efe:a00:1', 'private'],
    ];
    for (const [host, reason] of cases) assert.equal(denied(guard, host), reason, host);
    for (const host of ['::ffff:0:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1', '2a00:1450::5efe:8.8.8.8'])
      assert.equal(denied(guard, host), undefined, host);
    // Hex and octal IPv4 parts after colons are no IP literal, so no host either.
    assert.equal(denied(guard, '::ffff:0x7f.0.0.1'), 'invalid_host');
  });

  it('keeps an IPv4-compatible address compatible when normalising (ipaddr.js reads it as mapped)', () => {
    assert.equal(normaliseHost('::8.8.8.8'), '::808:808');
    assert.equal(normaliseHost('[::ffff:8.8.8.8]'), '::ffff:808:808');
  });

  it('an allow-list entry lifts an embedded address only when every reason is covered', () => {
    const allowed = new EgressGuard(['127.0.0.0/8', '::127.0.0.1/128']);
    assert.equal(denied(allowed, '::ffff:127.0.0.9'), undefined);
    assert.equal(denied(allowed, '64:ff9b::7f00:1'), undefined);
    assert.equal(denied(allowed, '::127.0.0.1'), undefined);
    // Teredo with a loopback server but a private client: the private one is not allowed.
    assert.equal(denied(allowed, '2001:0:7f00:1:0:0:f5ff:fffe'), 'private');
    // A link-local prefix carrying an allowed IPv4 address is still link-local.
    assert.equal(denied(allowed, 'fe80::5efe:127.0.0.1'), 'link_local');
  });

  it('lets public addresses and names through checkHost (names are judged when resolved)', () => {
    for (const host of ['8.8.8.8', '2606:4700:4700::1111', 'example.com', '::ffff:8.8.8.8'])
      assert.equal(denied(guard, host), undefined, host);
    assert.equal(denied(guard, 'exa mple.com'), 'invalid_host');
  });

  it('normalises IDN hosts, case and trailing dots', () => {
    assert.equal(normaliseHost('Bücher.DE.'), 'xn--bcher-kva.de');
    assert.equal(normaliseHost('[::FFFF:7F00:1]'), '::ffff:7f00:1');
    const idn = new EgressGuard(['bücher.de']);
    assert.ok(idn.hostAllowed('XN--BCHER-KVA.de'));
  });

  it('the allow-list takes hosts, wildcards, IPs and CIDRs; bad entries are named', () => {
    const allowed = new EgressGuard(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '*.corp.example', 'db.local']);
    assert.equal(denied(allowed, '127.0.0.1'), undefined);
    assert.equal(denied(allowed, '127.0.0.2'), 'loopback');
    assert.equal(denied(allowed, '10.200.0.1'), undefined);
    assert.equal(denied(allowed, '::ffff:10.0.0.1'), undefined, 'mapped address inside an allowed CIDR');
    assert.equal(denied(allowed, 'fd12::1'), undefined);
    assert.doesNotThrow(() => {
      allowed.checkAddress('api.corp.example', '192.168.1.10');
    });
    assert.throws(() => {
      allowed.checkAddress('corp.example.evil', '192.168.1.10');
    }, EgressDeniedError);
    assert.equal(allowlistProblem('10.0.0.0/33'), 'EGRESS_ALLOWLIST: "10.0.0.0/33" is not a valid CIDR');
    assert.match(allowlistProblem('a*b') ?? '', /not a host name/);
    assert.equal(allowlistProblem('[::1]'), undefined);
  });

  it('judges the address a name resolves to at connect time, so a rebinding name gains nothing', async () => {
    let calls = 0;
    const rebinding = new EgressGuard(
      [],
      resolverOf(() => ({ 'rebind.test': ++calls === 1 ? ['93.184.216.34'] : ['127.0.0.1'] })),
    );
    assert.equal(await lookup(rebinding, 'rebind.test'), '93.184.216.34');
    await assert.rejects(lookup(rebinding, 'rebind.test'), (error: unknown) => {
      assert.ok(error instanceof EgressDeniedError);
      assert.equal(error.address, '127.0.0.1');
      return true;
    });
    // A name with one private address among public ones is refused whole.
    const mixed = new EgressGuard(
      [],
      resolverOf(() => ({ 'mixed.test': ['93.184.216.34', '10.0.0.1'] })),
    );
    await assert.rejects(lookup(mixed, 'mixed.test'), EgressDeniedError);
    await assert.rejects(lookup(mixed, 'missing.test'), /ENOTFOUND/);
  });

  it('refuses a real connection to localhost unless allowed, then allows it', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const attempt = (g: EgressGuard): Promise<void> =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: 'localhost', port, lookup: g.lookup, family: 4 });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });
    await assert.rejects(attempt(new EgressGuard()), EgressDeniedError);
    await attempt(new EgressGuard(['localhost']));
    await attempt(new EgressGuard(['127.0.0.0/8']));
    await new Promise((resolve) => server.close(resolve));
  });
});
