import { DEFAULT_COMMUNITIES } from '../lib/snmp.ts';
import { verdict } from '../lib/results.ts';
import { forEachSwitchCli } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { defaultNames: string[] };

/** SNMPv1/v2c communities in the switch's running configuration do not use well-known names. */
const check: Check<Params> = {
  meta: {
    id: 'switch-snmp-default-community',
    title: 'Switches have no default SNMP community',
    controls: ['DEV-SNMP-COMMUNITY'],
    needs: ['switch-cli', 'declaration'],
    params: {
      type: 'object',
      properties: {
        defaultNames: { type: 'array', items: { type: 'string' }, default: DEFAULT_COMMUNITIES },
      },
      additionalProperties: false,
    },
    defaults: { defaultNames: DEFAULT_COMMUNITIES },
  },
  evaluate(facts, params, ctx) {
    const names = params.defaultNames.map((n) => n.toLowerCase());
    return forEachSwitchCli(facts, ctx, (m, device) => {
      const bad = m.snmpCommunities.filter((c) => names.includes(c.name.toLowerCase()));
      const all = m.snmpCommunities.map((c) => `${c.name} ${c.access}`);
      return [
        verdict(
          bad.length === 0,
          {
            pass: `${device} has ${m.snmpCommunities.length === 0 ? 'no SNMPv1/v2c communities' : 'no well-known SNMP community'}.`,
            fail: `${device} answers SNMPv1/v2c to the well-known communit${bad.length === 1 ? 'y' : 'ies'} ${bad.map((c) => `"${c.name}" (${c.access === 'rw' ? 'read-write' : 'read-only'})`).join(', ')}.`,
          },
          {
            source: device,
            object: 'snmp communities',
            expected: 'no default community',
            actual: all.length === 0 ? 'none' : all.join(', '),
          },
        ),
      ];
    });
  },
};

export default check;
