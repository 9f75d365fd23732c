import type { RouterFacts } from '../../devices/facts.ts';
import type { Network, NetworkRole } from '../../inventory/types.ts';
import { inSubnet } from '../lib/ip.ts';
import { reach, zoneReachability } from '../lib/reachability.ts';
import { error, notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import { acceptingRules, assumedInterfaceLists, internetZone } from '../lib/zones.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { roles: NetworkRole[] };

const ROLES = ['pupils', 'staff', 'guests', 'byod', 'servers', 'management'];

function portList(spec: string | undefined): boolean {
  return spec === undefined
    ? false
    : spec.split(',').some((p) => {
        const [a, b] = p.split('-').map(Number);
        return a !== undefined && (a === 53 || (b !== undefined && a <= 53 && 53 <= b));
      });
}

/** A dst-nat/redirect rule that sends this network's DNS to the declared filter (or to the router, which forwards to it). */
function redirect(r: RouterFacts, n: Network, filters: Set<string>): string | undefined {
  for (const rule of r.natRules) {
    if (rule.disabled || rule.chain !== 'dstnat' || !portList(rule.props['dst-port'])) continue;
    const inIf = rule.props['in-interface'];
    const src = rule.props['src-address'];
    const mine =
      inIf === n.name ||
      rule.props['in-interface-list'] === 'LAN' ||
      (src !== undefined && inSubnet(n.subnet.split('/')[0] ?? '', src));
    if (!mine) continue;
    const to = rule.props['to-addresses'];
    if (rule.action === 'dst-nat' && to !== undefined && n.dns.includes(to))
      return `rule ${rule.id} sends DNS to ${to}`;
    if (
      rule.action === 'redirect' &&
      r.dns.servers.length > 0 &&
      r.dns.servers.every((s) => filters.has(s))
    ) {
      return `rule ${rule.id} sends DNS to the router, which forwards to ${r.dns.servers.join(', ')}`;
    }
  }
  return undefined;
}

/**
 * Devices cannot use a DNS server of their choosing: plain DNS (port 53) from each filtered network is
 * either redirected to the filter or dropped on its way to the internet.
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-firewall-dns-forced',
    title: 'DNS is forced to the filter',
    controls: ['FLT-DNS-FORCED'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        roles: { type: 'array', items: { enum: ROLES }, default: ['pupils', 'staff', 'guests', 'byod'] },
      },
      additionalProperties: false,
    },
    defaults: { roles: ['pupils', 'staff', 'guests', 'byod'] },
  },
  evaluate(facts, params, ctx) {
    const nets = ctx.decl.networks.filter((n) => params.roles.includes(n.role));
    if (nets.length === 0)
      return [notApplicable('No declared network of the filtered roles.', { source: 'declaration' })];
    const filters = new Set(ctx.decl.networks.flatMap((n) => n.dns));
    return forEachRouter(facts, ctx, (r, device) => {
      if (device?.wan === undefined) {
        return [
          error(`The declaration does not name ${r.device}'s WAN interface.`, {
            source: r.device,
            expected: 'devices[].wan',
            actual: 'missing',
          }),
        ];
      }
      const out: CheckResult[] = [];
      for (const n of nets) {
        const via = redirect(r, n, filters);
        const zone = { name: n.name, interfaces: [n.name], subnets: [n.subnet] };
        const pair = reach(
          zoneReachability(r.filterRules, [zone, internetZone(device.wan)], {
            addressLists: r.addressLists,
            interfaceLists: assumedInterfaceLists(ctx, device),
            services: ['udp/53', 'tcp/53'],
          }),
          n.name,
          'internet',
        );
        const open = (pair?.allowed ?? []).filter((s) => s === 'udp/53' || s === 'tcp/53');
        const evidence = {
          source: r.device,
          object: `${n.name} DNS`,
          expected: `port 53 redirected to ${n.dns.join(', ')} or dropped`,
          actual:
            via ??
            (open.length === 0
              ? 'port 53 to the internet dropped'
              : `${open.join(', ')} to the internet accepted`),
        };
        out.push(
          verdict(
            via !== undefined || open.length === 0,
            {
              pass:
                via !== undefined
                  ? `${n.name}: ${via}.`
                  : `${n.name} cannot send DNS to servers on the internet.`,
              fail: `Devices on ${n.name} can use any DNS server on the internet and skip the filter (${pair === undefined ? '' : acceptingRules(pair, open)}).`,
            },
            evidence,
          ),
        );
      }
      return out;
    });
  },
};

export default check;
