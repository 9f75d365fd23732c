import { reach, zoneReachability } from '../lib/reachability.ts';
import { error, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import { acceptingRules, assumedInterfaceLists, internetZone } from '../lib/zones.ts';
import type { Check } from '../types.ts';

type Params = { allowServices: string[] };

/**
 * New connections from the internet to the router itself are dropped (the input chain on the WAN
 * side), apart from the services the school allows (ping by default). Judged by walking the input
 * chain, so a default drop that an earlier broad accept makes useless is still caught.
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-firewall-input-default-drop',
    title: 'The router drops unrequested connections from the internet',
    controls: ['FW-INPUT-DROP'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        allowServices: {
          type: 'array',
          items: { type: 'string', pattern: '^((tcp|udp)/[0-9]+|icmp)$' },
          default: ['icmp'],
          description: 'Services the router may answer from the internet, e.g. icmp, udp/500 for a VPN.',
        },
      },
      additionalProperties: false,
    },
    defaults: { allowServices: ['icmp'] },
  },
  evaluate(facts, params, ctx) {
    return forEachRouter(facts, ctx, (r, device) => {
      if (device?.wan === undefined) {
        return [
          error(
            `The declaration does not name ${r.device}'s WAN interface, so the internet side cannot be judged.`,
            {
              source: r.device,
              expected: 'devices[].wan declared',
              actual: 'missing',
            },
          ),
        ];
      }
      const self = {
        name: 'router',
        interfaces: [],
        subnets: r.addresses.filter((a) => !a.disabled).map((a) => a.address.split('/')[0] ?? ''),
      };
      const table = zoneReachability(r.filterRules, [internetZone(device.wan), self], {
        chain: 'input',
        addressLists: r.addressLists,
        interfaceLists: assumedInterfaceLists(ctx, device),
        services: params.allowServices,
      });
      const pair = reach(table, 'internet', 'router');
      const extra = (pair?.allowed ?? []).filter((s) => !params.allowServices.includes(s));
      return [
        verdict(
          pair !== undefined && extra.length === 0,
          {
            pass: `${r.device} drops new connections from the internet (${device.wan})${pair?.allowed.length ? `, except ${pair.allowed.join(', ')}` : ''}.`,
            fail: `${r.device} ${pair?.uncertain ? 'may accept' : 'accepts'} new connections from the internet on ${extra.join(', ')}: ${pair === undefined ? '' : acceptingRules(pair, extra)}.`,
          },
          {
            source: r.device,
            object: `input chain, ${device.wan}`,
            expected:
              params.allowServices.length === 0
                ? 'drop all'
                : `drop all but ${params.allowServices.join(', ')}`,
            actual:
              pair === undefined || pair.allowed.length === 0
                ? 'drop all'
                : `accepts ${pair.allowed.join(', ')}`,
          },
        ),
      ];
    });
  },
};

export default check;
