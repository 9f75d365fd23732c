/**
 * Drift of a router's filter rules: the managed rules in order with their properties, and every rule
 * schoolnet did not write (reported, never removed; flagged when evaluated before the managed ones).
 */
import type { RouterFacts } from '../../devices/facts.ts';
import type { DesiredFilterRule } from '../types.ts';
import { ruleFromRow, tagOf } from '../values.ts';
import { compare } from './compare.ts';
import type { DriftObject, FeatureCompliance, Objects } from './types.ts';

/** The managed rules in order, their properties, and every rule schoolnet did not write. */
export function firewallDrift(intendedRules: DesiredFilterRule[], facts: RouterFacts): FeatureCompliance {
  const rows = [...facts.filterRules].sort((a, b) => a.order - b.order);
  const actual = rows.map((r) =>
    ruleFromRow({
      ...r.props,
      '.id': r.id,
      chain: r.chain,
      action: r.action,
      ...(r.comment ? { comment: r.comment } : {}),
      disabled: r.disabled ? 'true' : 'false',
    }),
  );
  const flat = (r: { chain: string; action: string; props: Record<string, string> }) => ({
    chain: r.chain,
    action: r.action,
    ...r.props,
  });
  const intended: Objects = new Map(intendedRules.map((r) => [r.id, flat(r)]));
  const managed: Objects = new Map();
  const unmanaged: DriftObject[] = [];
  actual.forEach((r, i) => {
    if (tagOf(r.comment) !== undefined) managed.set(r.id, flat(r));
    else
      unmanaged.push({
        object: `${rows[i]!.id}${r.comment ? ` (${r.comment})` : ''}`,
        actual: flat(r),
        note: 'not written by schoolnet: reported, never removed',
      });
  });
  const base = compare({ feature: 'firewall', intended, actual: managed });
  // Every declared property must match and nothing may be added to a managed rule (a disabled flag, a matcher).
  for (const [id, have] of managed) {
    const want = intended.get(id);
    if (!want) continue;
    const added = Object.keys(have).filter((k) => want[k] === undefined);
    if (added.length === 0) continue;
    const entry = base.different.find((d) => d.object === id) ?? {
      object: id,
      intended: want,
      actual: have,
      differences: [],
    };
    for (const k of added) entry.differences!.push({ property: k, intended: '', actual: have[k]! });
    if (!base.different.includes(entry)) base.different.push(entry);
  }
  const order = actual.filter((r) => intended.has(r.id)).map((r) => r.id);
  const wantOrder = intendedRules.map((r) => r.id).filter((id) => managed.has(id));
  if (order.join(' ') !== wantOrder.join(' '))
    base.different.push({
      object: 'order of managed rules',
      intended: { order: wantOrder.join(' ') },
      actual: { order: order.join(' ') },
      note: 'first match wins: the order is the policy',
    });
  const firstManaged = new Map<string, number>();
  actual.forEach((r, i) => {
    if (intended.has(r.id) && !firstManaged.has(r.chain)) firstManaged.set(r.chain, i);
  });
  unmanaged.forEach((u) => {
    const i = actual.findIndex((r) => `${r.id}${r.comment ? ` (${r.comment})` : ''}` === u.object);
    const chain = actual[i]?.chain ?? '';
    if (firstManaged.has(chain) && i < firstManaged.get(chain)!)
      u.note = 'not written by schoolnet, and evaluated before the managed rules';
  });
  base.extra.push(...unmanaged);
  base.actual = actual.map((r) => r.id);
  base.compliant = base.missing.length + base.extra.length + base.different.length === 0;
  return base;
}
