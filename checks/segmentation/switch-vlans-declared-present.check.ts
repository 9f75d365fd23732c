import { switchLabel } from '../lib/labels.ts';
import { notApplicable, verdict } from '../lib/results.ts';
import { forEachSwitch } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/** Every declared network's VLAN exists on every switch (trunks carry them all between closets). */
const check: Check<Params> = {
  meta: {
    id: 'switch-vlans-declared-present',
    title: 'Declared VLANs exist on each switch',
    controls: ['NET-VLANS'],
    needs: ['switch', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return forEachSwitch(facts, ctx, (sw) => {
      const want = ctx.decl.networks.map((n) => ({ vlan: n.vlan, name: n.name }));
      if (want.length === 0)
        return [notApplicable(`No VLANs are declared for ${sw.device}.`, { source: sw.device })];
      return want.map(({ vlan, name }) => {
        const live = sw.vlans.find((v) => v.id === vlan);
        return verdict(
          live !== undefined,
          {
            pass: `VLAN ${vlan} (${name}) exists on ${switchLabel(sw)}${live?.name ? ` as "${live.name}"` : ''}.`,
            fail: `VLAN ${vlan} (${name}) is declared but missing on ${switchLabel(sw)}.`,
          },
          {
            source: sw.device,
            object: `VLAN ${vlan} ${name}`,
            expected: 'present',
            actual: live === undefined ? 'absent' : `present (${live.name})`,
          },
        );
      });
    });
  },
};

export default check;
