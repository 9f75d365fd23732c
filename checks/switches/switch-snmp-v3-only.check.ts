import type { Collected, SchoolFacts, SwitchFacts, SwitchManagement } from '../../devices/facts.ts';
import { error, fail, pass } from '../lib/results.ts';
import { collectionError, forEachSwitch } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/** The switch's CLI facts: merged into its SNMP facts, or collected by an ssh-cli device on its host. */
function managementOf(facts: SchoolFacts, sw: SwitchFacts): SwitchManagement | undefined {
  return (
    sw.management ??
    facts.switches
      .filter((c): c is Extract<Collected<SwitchFacts>, { ok: true }> => c.ok)
      .find((c) => c.facts.management !== undefined && c.facts.host === sw.host)?.facts.management
  );
}

/**
 * Each SNMP switch is managed over SNMPv3 only, judged from collected facts: the audit must itself
 * have reached it over v3, and its running configuration (from the CLI) must hold no v1/v2c
 * community. Without the CLI nothing the audit reads can rule a community out, so that is an error
 * saying what to declare, never a pass. Community names are passwords: the evidence counts them.
 */
const check: Check<Params> = {
  meta: {
    id: 'switch-snmp-v3-only',
    title: 'Switches answer SNMPv3 only',
    controls: ['DEV-SNMP-V3'],
    needs: ['switch', 'switch-cli'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return forEachSwitch(facts, ctx, (sw) => {
      const evidence = { source: sw.device, object: 'snmp', expected: 'SNMPv3 only' };
      const version = sw.snmpVersion ?? 'unknown';
      if (version !== '3')
        return [
          fail(`${sw.device} was read over SNMP version ${version}: a v1/v2c community answers it.`, {
            ...evidence,
            actual: `answered SNMPv${version}`,
          }),
        ];
      // The CLI device on this switch's host could not be read: say so, whatever else is known.
      const cli = ctx.decl.devices.filter((d) => d.driver === 'ssh-cli' && d.host === sw.host);
      for (const d of cli) {
        const c = facts.switches.find((x) => !x.ok && x.device === d.name);
        if (c !== undefined && !c.ok) return [collectionError(c)];
      }
      const m = managementOf(facts, sw);
      if (m === undefined)
        return [
          error(
            `${sw.device} answers SNMPv3, but whether a v1/v2c community also answers cannot be seen without its configuration: declare an ssh-cli device for it.`,
            { ...evidence, actual: 'communities not collected' },
          ),
        ];
      const n = m.snmpCommunities.length;
      if (n > 0) {
        const rw = m.snmpCommunities.filter((c) => c.access === 'rw').length;
        return [
          fail(
            `${sw.device} still has ${n} SNMPv1/v2c communit${n === 1 ? 'y' : 'ies'}${rw > 0 ? ` (${rw} read-write)` : ''} beside SNMPv3.`,
            { ...evidence, actual: `${n} communit${n === 1 ? 'y' : 'ies'}${rw > 0 ? `, ${rw} rw` : ''}` },
          ),
        ];
      }
      return [
        pass(`${sw.device} answers SNMPv3 only (${m.snmpV3Users.length} v3 user(s), no community).`, {
          ...evidence,
          actual: `no community; ${m.snmpV3Users.length} v3 user(s)`,
        }),
      ];
    });
  },
};

export default check;
