import { pass, verdict } from '../lib/results.ts';
import { DEFAULT_COMMUNITIES } from '../lib/snmp.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { defaultNames: string[] };

/** With SNMP on, no enabled community uses a well-known name. */
const check: Check<Params> = {
  meta: {
    id: 'routeros-snmp-default-community',
    title: 'The router has no default SNMP community',
    controls: ['DEV-SNMP-COMMUNITY'],
    needs: ['router'],
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
    return forEachRouter(facts, ctx, (r) => {
      if (!r.snmp.enabled)
        return [
          pass(`SNMP is off on ${r.device}.`, {
            source: r.device,
            object: 'snmp',
            expected: 'no default community',
            actual: 'snmp disabled',
          }),
        ];
      const names = params.defaultNames.map((n) => n.toLowerCase());
      const bad = r.snmp.communities.filter((c) => !c.disabled && names.includes(c.name.toLowerCase()));
      const describe = (c: (typeof bad)[number]): string =>
        `${c.name} (${c.writeAccess ? 'read-write' : 'read-only'}, from ${c.addresses.length === 0 ? 'anywhere' : c.addresses.join(', ')})`;
      return [
        verdict(
          bad.length === 0,
          {
            pass: `${r.device} answers SNMP only to non-default communities or SNMPv3.`,
            fail: `${r.device} answers SNMP to the well-known communit${bad.length === 1 ? 'y' : 'ies'} ${bad.map(describe).join(', ')}.`,
          },
          {
            source: r.device,
            object: 'snmp communities',
            expected: 'no default community',
            actual: bad.length === 0 ? 'none' : bad.map(describe).join('; '),
          },
        ),
      ];
    });
  },
};

export default check;
