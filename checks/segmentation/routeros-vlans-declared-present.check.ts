import { inSubnet } from '../lib/ip.ts';
import { notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/** Each declared network exists on the router: an enabled VLAN interface with the declared gateway address. */
const check: Check<Params> = {
  meta: {
    id: 'routeros-vlans-declared-present',
    title: 'Declared networks exist on the router',
    controls: ['NET-VLANS'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    if (ctx.decl.networks.length === 0)
      return [notApplicable('The declaration has no networks.', { source: 'declaration' })];
    return forEachRouter(facts, ctx, (r) =>
      ctx.decl.networks.map((n) => {
        const ifaces = r.vlanInterfaces.filter((v) => v.vlanId === n.vlan && !v.disabled);
        const names = ifaces.map((v) => v.name);
        const gw = r.addresses.find(
          (a) =>
            !a.disabled &&
            names.includes(a.interface) &&
            a.address.split('/')[0] === n.gateway &&
            inSubnet(n.gateway, n.subnet),
        );
        const problems: string[] = [];
        if (ifaces.length === 0) problems.push(`no enabled VLAN ${n.vlan} interface`);
        else if (gw === undefined) problems.push(`no gateway address ${n.gateway} on ${names.join(', ')}`);
        return verdict(
          problems.length === 0,
          {
            pass: `${n.name} (VLAN ${n.vlan}) is on ${r.device} with gateway ${n.gateway}.`,
            fail: `${n.name} (VLAN ${n.vlan}) is missing on ${r.device}: ${problems.join('; ')}.`,
          },
          {
            source: r.device,
            object: `VLAN ${n.vlan} ${n.name}`,
            expected: `VLAN ${n.vlan} with ${n.gateway}`,
            actual:
              ifaces.length === 0
                ? 'absent'
                : gw === undefined
                  ? `${names.join(', ')} without ${n.gateway}`
                  : `${gw.interface} ${gw.address}`,
          },
        );
      }),
    );
  },
};

export default check;
