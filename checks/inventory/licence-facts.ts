/** The licence position for the licence checks, with the school's warning period. */
import type { RegisterFacts } from '../../inventory/facts.ts';
import { reconcileLicences } from '../../inventory/register/licences.ts';
import type { LicencePosition, LicenceReconciliation } from '../../inventory/register/licences.ts';
import type { CheckContext } from '../types.ts';

export function licencePosition(
  register: RegisterFacts,
  ctx: CheckContext,
  expiryWarningDays: number | null = null,
): LicenceReconciliation {
  return reconcileLicences(register, {
    now: ctx.now,
    expiryWarningDays: expiryWarningDays ?? ctx.decl.inventory?.licenceExpiryWarningDays ?? 60,
  });
}

export function seatsText(p: LicencePosition): string {
  return p.seats === 'unlimited' ? 'unlimited (site)' : `${p.seats} seat${p.seats === 1 ? '' : 's'}`;
}
