/**
 * filter-dhcp-resolver: the resolver this network's DHCP hands out now (the DHCPOFFER's option 6 read by
 * the runner before any case runs) is the filtering DNS the declaration names for the network. Verdict:
 * checks/probes/probe-filter-dhcp-resolver.check.ts.
 */
import type { ProbeKind, ProbeOutcome } from '../types.ts';
import { effectiveProfile } from './profile.ts';

export const dhcpResolverKind: ProbeKind = {
  id: 'filter-dhcp-resolver',
  title: "The network's DHCP hands out the filtering DNS",
  help:
    "Sends one DHCPDISCOVER from the network's position (never a DHCPREQUEST: no lease is taken) and compares the\n" +
    "offer's DNS servers (option 6) with the network's declared dns. Passes when every offered resolver is a\n" +
    'declared one; fails when DHCP hands out any other resolver. With probes.resolvers: declared DHCP is not\n' +
    'asked, and this probe is an error.',
  checkId: 'probe-filter-dhcp-resolver',
  plan({ school, network }) {
    if (!effectiveProfile(school.decl, network)) return [];
    return [
      {
        kind: 'filter-dhcp-resolver',
        id: 'dhcp-option-6',
        network: network.name,
        scope: network.filteringProfile ?? '',
        target: 'DHCP (broadcast)',
        asked: 'DHCPDISCOVER: which DNS servers does the offer name?',
        expected: network.dns.join(', '),
        params: { declared: network.dns },
      },
    ];
  },
  run(_c, ctx): Promise<ProbeOutcome> {
    if (ctx.resolverSource !== 'dhcp')
      return Promise.resolve({
        outcome: 'error',
        answered: 'DHCP was not asked (probes.resolvers: declared)',
        evidence: {},
        error: { code: 'E-NO-DHCP', message: 'probes.resolvers is declared, so the DHCP offer was not read' },
      });
    if (ctx.resolvers.length === 0)
      return Promise.resolve({
        outcome: 'error',
        answered: 'no DHCP offer with DNS servers',
        evidence: {},
        error: { code: 'E-NO-RESOLVER', message: 'no DHCP offer naming a DNS server was received' },
      });
    return Promise.resolve({
      outcome: 'answered',
      answered: `DHCP offers DNS ${ctx.resolvers.join(', ')}`,
      evidence: { offered: ctx.resolvers },
    });
  },
};
