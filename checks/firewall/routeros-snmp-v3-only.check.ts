import { DEFAULT_COMMUNITIES } from '../lib/snmp.ts';
import { pass, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { requirePrivacy: boolean };

/**
 * With SNMP on, the router answers SNMPv3 only. In RouterOS every enabled /snmp community with
 * `security=none` answers SNMPv1 and v2c (its name is the password, sent in clear text); `authorized`
 * and `private` need an SNMPv3 user's authentication, and only `private` also encrypts (authPriv).
 * Community names are passwords: the evidence names only the well-known ones.
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-snmp-v3-only',
    title: 'The router answers SNMPv3 only',
    controls: ['DEV-SNMP-V3'],
    needs: ['router'],
    params: {
      type: 'object',
      properties: {
        requirePrivacy: {
          type: 'boolean',
          default: true,
          description: 'Also refuse SNMPv3 without encryption (security=authorized): authPriv only.',
        },
      },
      additionalProperties: false,
    },
    defaults: { requirePrivacy: true },
  },
  evaluate(facts, params, ctx) {
    return forEachRouter(facts, ctx, (r) => {
      const evidence = { source: r.device, object: 'snmp', expected: 'SNMPv3 only (authPriv)' };
      if (!r.snmp.enabled)
        return [pass(`SNMP is off on ${r.device}.`, { ...evidence, actual: 'snmp disabled' })];
      const live = r.snmp.communities.filter((c) => !c.disabled);
      const label = (name: string): string =>
        DEFAULT_COMMUNITIES.includes(name.toLowerCase()) ? `"${name}"` : 'a named community';
      const v2c = live.filter((c) => c.security === 'none');
      const noPriv = params.requirePrivacy ? live.filter((c) => c.security === 'authorized') : [];
      const actual = live.map((c) => `${label(c.name)} security=${c.security}`).join('; ') || 'no community';
      const problems: string[] = [];
      if (v2c.length > 0)
        problems.push(
          `${v2c.length} communit${v2c.length === 1 ? 'y answers' : 'ies answer'} SNMPv1/v2c (${v2c.map((c) => label(c.name)).join(', ')})`,
        );
      if (noPriv.length > 0)
        problems.push(
          `${noPriv.length} SNMPv3 communit${noPriv.length === 1 ? 'y is' : 'ies are'} not encrypted`,
        );
      return [
        verdict(
          problems.length === 0,
          {
            pass: `${r.device} answers SNMP over version 3 only.`,
            fail: `${r.device}: ${problems.join('; ')}, so anyone who sees the traffic can read the router.`,
          },
          { ...evidence, actual },
        ),
      ];
    });
  },
};

export default check;
