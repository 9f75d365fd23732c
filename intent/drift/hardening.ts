/** Drift of a router's hardening: management services, SNMP and its communities, users that must not exist. */
import type { RouterFacts } from '../../devices/facts.ts';
import type { DesiredObject } from '../types.ts';
import { compare, pick, yes } from './compare.ts';
import type { FeatureCompliance, Objects } from './types.ts';

export function hardeningDrift(o: DesiredObject[], facts: RouterFacts): FeatureCompliance[] {
  const services = compare({
    feature: 'services',
    intended: new Map(o.filter((x) => x.menu === '/ip/service').map((x) => [x.key.name!, x.props])),
    actual: new Map(
      facts.services.map((s) => [s.name, { disabled: yes(s.disabled), address: s.address.join(',') }]),
    ),
    extraMatters: () => false,
  });

  const snmpIntended: Objects = new Map();
  const snmpActual: Objects = new Map([['snmp', { enabled: yes(facts.snmp.enabled) }]]);
  const absentOk = new Set<string>();
  for (const x of o) {
    if (x.menu === '/snmp') snmpIntended.set('snmp', x.props);
    if (x.menu === '/snmp/community') {
      const key = `community ${x.key.name}`;
      snmpIntended.set(key, pick(x.props, ['disabled', 'security', 'read-access', 'write-access']));
      if (x.mode === 'existing') absentOk.add(key);
    }
  }
  for (const c of facts.snmp.communities)
    snmpActual.set(`community ${c.name}`, {
      disabled: yes(c.disabled),
      security: c.security,
      'read-access': yes(c.readAccess),
      'write-access': yes(c.writeAccess),
    });
  const snmp = compare({
    feature: 'snmp',
    intended: snmpIntended,
    actual: snmpActual,
    mayBeAbsent: absentOk,
    extraMatters: (_k, a) => a.disabled !== 'yes',
  });

  const absentUsers = o.filter((x) => x.menu === '/user' && x.mode === 'absent').map((x) => x.key.name!);
  const users = compare({
    feature: 'users',
    intended: new Map(absentUsers.map((u) => [u, {}])),
    actual: new Map(facts.users.map((u) => [u.name, { group: u.group, disabled: yes(u.disabled) }])),
    mustBeAbsent: new Set(absentUsers),
    extraMatters: () => false,
  });
  return [services, snmp, users];
}
