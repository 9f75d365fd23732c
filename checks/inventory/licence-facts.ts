/** The licence position for the licence checks, with the school's warning period and its directory. */
import type { SchoolFacts } from '../../devices/facts.ts';
import type { RegisterFacts } from '../../inventory/facts.ts';
import { reconcileLicences } from '../../inventory/register/licences.ts';
import type {
  LicencePosition,
  LicenceReconciliation,
  UsersSource,
} from '../../inventory/register/licences.ts';
import type { CheckContext } from '../types.ts';

/** The directory's accounts for per-user licences, or why there are none. */
export function usersOf(facts: SchoolFacts | undefined): UsersSource {
  const dir = facts?.directory;
  if (dir === undefined) return { ok: false, reason: 'the school declares no directory' };
  if (!dir.ok) return { ok: false, reason: dir.error.message };
  return { ok: true, accounts: dir.facts.accounts };
}

export function licencePosition(
  register: RegisterFacts,
  ctx: CheckContext,
  expiryWarningDays: number | null = null,
  facts?: SchoolFacts,
): LicenceReconciliation {
  return reconcileLicences(register, {
    now: ctx.now,
    expiryWarningDays: expiryWarningDays ?? ctx.decl.inventory?.licenceExpiryWarningDays ?? 60,
    users: usersOf(facts),
  });
}

/** The seats in words: a count, a site licence, or a subscription with no seat count. */
export function seatsText(p: LicencePosition): string {
  if (p.seats !== 'unlimited')
    return `${p.seats} ${p.basis === 'users' ? 'per-user ' : ''}seat${p.seats === 1 ? '' : 's'}`;
  return p.unlimitedBy === 'subscription'
    ? 'a subscription with no seat count'
    : 'a site licence (any number)';
}
