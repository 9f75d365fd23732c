/**
 * filter-dns-category: each category test name of the network's filtering profile, asked (A) of the
 * resolver the network's DHCP hands out. Blocked means NXDOMAIN, REFUSED, an answer of 0.0.0.0 or one of
 * the profile's block addresses; the verdict is checks/probes/probe-filter-dns-category.check.ts.
 */
import { DnsError, queryUdp } from '../dns.ts';
import type { ProbeCase, ProbeKind, ProbeOutcome } from '../types.ts';
import { effectiveProfile } from './profile.ts';

export const dnsCategoryKind: ProbeKind = {
  id: 'filter-dns-category',
  title: 'DNS category test names are blocked',
  help:
    "For each filtering.profiles.<profile>.dnsTests entry ({category, name}: the filter vendor's published test\n" +
    "names or the school's own), asks the network's resolver (from DHCP) for the name's A record. Passes when the\n" +
    "answer is NXDOMAIN, REFUSED, 0.0.0.0 or one of the profile's blockAddresses; fails when the name resolves to\n" +
    'anything else. A profile with no dnsTests is an error (nothing was tested), not a pass.',
  checkId: 'probe-filter-dns-category',
  plan({ school, network }) {
    const profile = effectiveProfile(school.decl, network);
    if (!profile) return [];
    const base = { kind: 'filter-dns-category', network: network.name, scope: profile.name };
    if (profile.dnsTests.length === 0)
      return [
        {
          ...base,
          id: 'no-tests',
          target: '(none)',
          asked: 'nothing: the profile names no DNS category test names',
          expected: 'at least one dnsTests entry in the filtering profile',
          params: { missing: true },
        },
      ];
    return profile.dnsTests.map((t): ProbeCase => ({
      ...base,
      id: `${t.category}@${t.name}`,
      target: t.name,
      asked: `A? ${t.name} (${t.category} test name) from the network's resolver`,
      expected: `NXDOMAIN, REFUSED, 0.0.0.0${profile.blockAddresses.length ? ` or ${profile.blockAddresses.join(', ')} (block address)` : ''}`,
      params: { category: t.category, name: t.name, blockAddresses: profile.blockAddresses },
    }));
  },
  async run(c, ctx): Promise<ProbeOutcome> {
    if (c.params['missing'] === true)
      return {
        outcome: 'error',
        answered: 'not run: no test names',
        evidence: {},
        error: { code: 'E-NO-TESTS', message: `filtering profile ${c.scope ?? ''} names no dnsTests` },
      };
    const server = ctx.resolvers[0];
    if (server === undefined)
      return {
        outcome: 'error',
        answered: 'not run: no resolver',
        evidence: {},
        error: { code: 'E-NO-RESOLVER', message: 'the network has no resolver to ask' },
      };
    try {
      const a = await queryUdp(server, String(c.params['name']), 'A', {
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
        ...(ctx.position.sourceAddress ? { localAddress: ctx.position.sourceAddress } : {}),
      });
      return {
        outcome: 'answered',
        answered: `${a.rcode}${a.addresses.length ? ` ${a.addresses.join(', ')}` : ''}${a.cnames.length ? ` (via ${a.cnames.join(' > ')})` : ''}`,
        evidence: { resolver: server, rcode: a.rcode, addresses: a.addresses, cnames: a.cnames },
      };
    } catch (e) {
      const code = e instanceof DnsError ? e.code : 'E-DNS';
      return {
        outcome: code === 'E-TIMEOUT' ? 'timeout' : code === 'E-REFUSED' ? 'refused' : 'error',
        answered: (e as Error).message,
        evidence: { resolver: server },
        error: { code, message: (e as Error).message },
      };
    }
  },
};
