import { contains, parseRange } from '../lib/ip.ts';
import { fail, notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Network } from '../../inventory/types.ts';
import type { Check, CheckContext, CheckResult } from '../types.ts';

type Params = Record<string, never>;

function declaredFor(ctx: CheckContext, address: string): Network | undefined {
  const live = parseRange(address);
  if (live === undefined) return undefined;
  return ctx.decl.networks.find((n) => {
    const net = parseRange(n.subnet);
    return net !== undefined && contains(net, live);
  });
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

/** Every DHCP network hands out exactly the filtering DNS servers declared for its network. */
const check: Check<Params> = {
  meta: {
    id: 'routeros-dhcp-dns-filter',
    title: 'DHCP hands out the filtering DNS servers',
    controls: ['FLT-DNS-FORCED'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const filters = new Set(ctx.decl.networks.flatMap((n) => n.dns));
    return forEachRouter(facts, ctx, (r) => {
      const out: CheckResult[] = [];
      const served = new Set<string>();
      for (const d of r.dhcpNetworks) {
        const net = declaredFor(ctx, d.address);
        const actual =
          d.dnsServers.length === 0 ? 'none (clients are told to use the router)' : d.dnsServers.join(', ');
        if (net === undefined) {
          const ok = d.dnsServers.length > 0 && d.dnsServers.every((s) => filters.has(s));
          out.push(
            verdict(
              ok,
              {
                pass: `Undeclared DHCP network ${d.address} hands out filtering DNS ${actual}.`,
                fail: `Undeclared DHCP network ${d.address} hands out DNS ${actual}, not a declared filter.`,
              },
              { source: r.device, object: `dhcp ${d.address}`, expected: [...filters].join(' or '), actual },
            ),
          );
          continue;
        }
        served.add(net.name);
        out.push(
          verdict(
            sameSet(d.dnsServers, net.dns),
            {
              pass: `${net.name} (${d.address}) hands out the filtering DNS ${actual}.`,
              fail: `${net.name} (${d.address}) hands out DNS ${actual}; the declaration says ${net.dns.join(', ')}, so devices may skip the filter.`,
            },
            { source: r.device, object: `dhcp ${d.address}`, expected: net.dns.join(', '), actual },
          ),
        );
      }
      for (const n of ctx.decl.networks) {
        if (n.dhcp !== undefined && !served.has(n.name)) {
          out.push(
            fail(`${n.name} is declared with DHCP but ${r.device} has no DHCP network for ${n.subnet}.`, {
              source: r.device,
              object: `dhcp ${n.subnet}`,
              expected: n.dns.join(', '),
              actual: 'no DHCP network',
            }),
          );
        }
      }
      if (out.length === 0)
        out.push(notApplicable(`${r.device} serves no DHCP networks.`, { source: r.device }));
      return out;
    });
  },
};

export default check;
