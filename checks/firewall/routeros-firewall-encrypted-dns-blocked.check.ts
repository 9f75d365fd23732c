import type { NetworkRole } from '../../inventory/types.ts';
import { reach, zoneReachability } from '../lib/reachability.ts';
import { error, fail, notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import { acceptingRules, assumedInterfaceLists, internetZone } from '../lib/zones.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { roles: NetworkRole[]; dohList: string };

const ROLES = ['pupils', 'staff', 'guests', 'byod', 'servers', 'management'];

/**
 * Pupils cannot get round the DNS filter with encrypted DNS: DNS over TLS (port 853) to the internet
 * is dropped, and HTTPS to a maintained address list of DNS-over-HTTPS resolvers is dropped.
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-firewall-encrypted-dns-blocked',
    title: 'Encrypted DNS (DoH, port 853) is blocked for pupils',
    controls: ['FLT-BYPASS'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        roles: { type: 'array', items: { enum: ROLES }, default: ['pupils'] },
        dohList: {
          type: 'string',
          minLength: 1,
          default: 'doh-servers',
          description: 'The firewall address list holding DNS-over-HTTPS resolvers.',
        },
      },
      additionalProperties: false,
    },
    defaults: { roles: ['pupils'], dohList: 'doh-servers' },
  },
  evaluate(facts, params, ctx) {
    const nets = ctx.decl.networks.filter((n) => params.roles.includes(n.role));
    if (nets.length === 0)
      return [notApplicable(`No declared ${params.roles.join('/')} network.`, { source: 'declaration' })];
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
      const doh = r.addressLists
        .filter((e) => e.list === params.dohList && !e.disabled)
        .map((e) => e.address);
      const out: CheckResult[] = [];
      for (const n of nets) {
        const zone = { name: n.name, interfaces: [n.name], subnets: [n.subnet] };
        const dohZone = { name: 'doh', interfaces: [device.wan], subnets: doh };
        const table = zoneReachability(
          r.filterRules,
          doh.length > 0 ? [zone, internetZone(device.wan), dohZone] : [zone, internetZone(device.wan)],
          {
            addressLists: r.addressLists,
            interfaceLists: assumedInterfaceLists(ctx, device),
            services: ['tcp/853', 'udp/853', 'tcp/443'],
          },
        );
        const dot = reach(table, n.name, 'internet');
        const open853 = (dot?.allowed ?? []).filter((s) => s.endsWith('/853'));
        out.push(
          verdict(
            open853.length === 0,
            {
              pass: `${n.name} cannot use DNS over TLS (port 853).`,
              fail: `${n.name} can use DNS over TLS (${open853.join(', ')}) to skip the filter: ${dot === undefined ? '' : acceptingRules(dot, open853)}.`,
            },
            {
              source: r.device,
              object: `${n.name} port 853`,
              expected: 'dropped',
              actual: open853.length === 0 ? 'dropped' : 'accepted',
            },
          ),
        );
        if (doh.length === 0) {
          out.push(
            fail(
              `${r.device} has no "${params.dohList}" address list, so DNS over HTTPS from ${n.name} is not blocked.`,
              {
                source: r.device,
                object: `${n.name} DoH`,
                expected: `address list ${params.dohList} dropped on tcp/443`,
                actual: 'no list',
              },
            ),
          );
          continue;
        }
        const https = reach(table, n.name, 'doh');
        const open443 = (https?.allowed ?? []).filter((s) => s === 'tcp/443');
        out.push(
          verdict(
            open443.length === 0,
            {
              pass: `${n.name} cannot reach the ${doh.length} DNS-over-HTTPS resolvers in ${params.dohList}.`,
              fail: `${n.name} can reach DNS-over-HTTPS resolvers in ${params.dohList} on tcp/443: ${https === undefined ? '' : acceptingRules(https, open443)}.`,
            },
            {
              source: r.device,
              object: `${n.name} DoH`,
              expected: 'tcp/443 to the list dropped',
              actual: open443.length === 0 ? 'dropped' : 'accepted',
            },
          ),
        );
      }
      return out;
    });
  },
};

export default check;
