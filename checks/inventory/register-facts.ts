/**
 * What the inventory checks share: the register (or why it is missing), the live sources that could
 * not be read, and the reconciliation of the two with the school's own thresholds.
 */
import type { SchoolFacts } from '../../devices/facts.ts';
import type { RegisterFacts } from '../../inventory/facts.ts';
import { reconcileAssets } from '../../inventory/register/reconcile.ts';
import type { AssetReconciliation, Sighting } from '../../inventory/register/reconcile.ts';
import { error, notApplicable } from '../lib/results.ts';
import { collectionError, type Gate } from '../lib/sources.ts';
import type { CheckContext, CheckResult } from '../types.ts';

export function registerFacts(facts: SchoolFacts, ctx: CheckContext): Gate<RegisterFacts> {
  if (facts.register !== undefined) return { ok: true, value: facts.register };
  if (ctx.decl.inventory === undefined)
    return {
      ok: false,
      results: [notApplicable('The school declares no asset and licence register.', { source: 'register' })],
    };
  return {
    ok: false,
    results: [
      error('The asset and licence register was not read in this run, so it could not be judged.', {
        source: 'register',
        expected: 'register read',
        actual: 'not read',
      }),
    ],
  };
}

/** One error per live source (router, switch, directory) that could not be read. */
export function unreadSources(facts: SchoolFacts): CheckResult[] {
  const out: CheckResult[] = [];
  for (const c of [...facts.routers, ...facts.switches]) if (!c.ok) out.push(collectionError(c));
  if (facts.directory !== undefined && !facts.directory.ok) out.push(collectionError(facts.directory));
  return out;
}

export function reconcile(
  facts: SchoolFacts,
  register: RegisterFacts,
  ctx: CheckContext,
  notSeenAfterDays: number | null = null,
): AssetReconciliation {
  return reconcileAssets(facts, register, {
    now: ctx.now,
    notSeenAfterDays: notSeenAfterDays ?? ctx.decl.inventory?.notSeenAfterDays ?? 30,
    networks: ctx.decl.networks,
  });
}

/** "serial TBN2948A0017", "MAC 3C:52:82:1A:2B:01", "computer STAFF-LT01". */
export function sightingObject(s: Sighting): string {
  return `${s.via === 'mac' ? 'MAC' : s.via} ${s.id}`;
}
