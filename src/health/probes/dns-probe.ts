import { Resolver } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import type { Probe } from './probe.js';
import { expectationReason, measured } from './measured.js';

const NOT_FOUND = new Set([
  'ENOTFOUND',
  'ENODATA',
  'EREFUSED',
  'ESERVFAIL',
  'ENONAME',
  'EFORMERR',
  'ENOTIMP',
]);

/**
 * DNS check (`dns://[resolver[:port]]/name?type=A`, RFC 4501): one query of one record type, at the named
 * resolver (judged by the egress guard like any destination) or the system's; DOWN when the name has no
 * such record or, with `expected`, when an expected value is missing from the answer.
 */
export const dnsProbe: Probe = {
  run(definition, context) {
    const url = new URL(definition.url);
    const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
    const type = (url.searchParams.get('type') ?? 'A').toUpperCase();
    const resolver = new Resolver({ timeout: definition.timeout, tries: 1 });
    return measured(
      definition,
      context,
      async () => {
        if (url.hostname !== '') {
          const address = await context.guard.resolveHost(url.hostname);
          const port = url.port === '' ? '53' : url.port;
          resolver.setServers([isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`]);
        }
        let answers: string[];
        try {
          answers = await query(resolver, name, type);
        } catch (error) {
          const code = (error as { code?: string }).code ?? '';
          if (NOT_FOUND.has(code))
            return { code: 'dns_error', message: `no ${type} record for ${name} (${code})` };
          throw error;
        }
        return expectationReason(definition.expected, answers, `the ${type} answer for ${name}`);
      },
      () => {
        resolver.cancel();
      },
    );
  },
};

/** The answer as text: addresses, names, `priority exchange` for MX, the joined strings of TXT. */
async function query(resolver: Resolver, name: string, type: string): Promise<string[]> {
  switch (type) {
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return resolver.resolveCname(name);
    case 'NS':
      return resolver.resolveNs(name);
    case 'MX':
      return (await resolver.resolveMx(name)).map((mx) => `${String(mx.priority)} ${mx.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    default:
      return resolver.resolve4(name);
  }
}
