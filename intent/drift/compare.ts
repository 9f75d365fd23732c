/**
 * The one comparison every drift feature runs: intended objects against actual ones, by key, property
 * by property, with the feature's own rules for what may be extra, absent or longer.
 */
import type { DesiredObject } from '../types.ts';
import { includesAll, normalise, samePropValue } from '../values.ts';
import type { DriftObject, FeatureCompliance, Objects, PropertyDifference } from './types.ts';

export interface FeatureSpec {
  feature: string;
  intended: Objects;
  actual: Objects;
  /** Which actual objects count as extra when not intended (default: all). */
  extraMatters?: (key: string, actual: Record<string, string>) => boolean;
  /** List properties where actual may hold more members than intended. */
  atLeast?: Set<string>;
  /** Intended objects whose absence is fine (a default that may have been removed). */
  mayBeAbsent?: Set<string>;
  /** Intended objects that must NOT exist: present means drift. */
  mustBeAbsent?: Set<string>;
}

export function compare(spec: FeatureSpec): FeatureCompliance {
  const missing: DriftObject[] = [];
  const extra: DriftObject[] = [];
  const different: DriftObject[] = [];
  for (const [key, want] of spec.intended) {
    const have = spec.actual.get(key);
    if (spec.mustBeAbsent?.has(key)) {
      if (have) extra.push({ object: key, actual: have, note: 'must not exist' });
      continue;
    }
    if (!have) {
      if (!spec.mayBeAbsent?.has(key)) missing.push({ object: key, intended: want });
      continue;
    }
    const differences: PropertyDifference[] = [];
    for (const [p, v] of Object.entries(want)) {
      const ok = spec.atLeast?.has(p) ? includesAll(v, have[p]) : samePropValue(p, v, have[p]);
      if (!ok) differences.push({ property: p, intended: normalise(p, v), actual: normalise(p, have[p]) });
    }
    if (differences.length > 0) different.push({ object: key, intended: want, actual: have, differences });
  }
  for (const [key, have] of spec.actual)
    if (!spec.intended.has(key) && (spec.extraMatters?.(key, have) ?? true))
      extra.push({ object: key, actual: have });
  return {
    feature: spec.feature,
    intended: [...spec.intended.keys()].filter((k) => !spec.mustBeAbsent?.has(k)),
    actual: [...spec.actual.keys()],
    missing,
    extra,
    different,
    compliant: missing.length + extra.length + different.length === 0,
  };
}

export const yes = (b: boolean): string => (b ? 'yes' : 'no');

export const pick = (props: Record<string, string>, keys: string[]): Record<string, string> =>
  Object.fromEntries(keys.filter((k) => props[k] !== undefined).map((k) => [k, props[k]!]));

/** The planned objects of one menu, by key, with the properties the facts carry. */
export function intendedOf(
  objects: DesiredObject[],
  menu: string,
  keyOf: (o: DesiredObject) => string,
  props: string[],
): Objects {
  return new Map(
    objects.filter((o) => o.menu === menu).map((o) => [keyOf(o), pick({ ...o.key, ...o.props }, props)]),
  );
}
