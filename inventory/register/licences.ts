/**
 * Licences bought against installations counted (from a device-management export, see
 * docs/installs-import.md), per title: over-deployed titles, unused seats, licences and subscriptions
 * expiring within the school's warning period, and software installed with no licence at all. A site
 * licence in force covers any number of installations within the site; so does a subscription with
 * no seat count.
 */
import type { LicenceRecord, RegisterFacts } from '../facts.ts';
import { titleKey } from './parse.ts';

export type PositionStatus = 'covered' | 'over-deployed' | 'unused-seats' | 'unlicensed' | 'free';

export interface LicencePosition {
  title: string;
  installs: number;
  /** Seats in force; `unlimited` for a site licence or an uncapped subscription. */
  seats: number | 'unlimited';
  status: PositionStatus;
  /** Licences in force for the title. */
  active: LicenceRecord[];
  /** Licences that have ended (kept for the report's "expired" wording). */
  ended: LicenceRecord[];
}

export interface ExpiryNotice {
  licence: LicenceRecord;
  /** Days until expiry (negative = ended that many days ago). */
  days: number;
}

export interface LicenceReconciliation {
  positions: LicencePosition[];
  /** In force, ending within the warning period. */
  expiring: ExpiryNotice[];
  /** Ended, with nothing in force for the title since. */
  expired: ExpiryNotice[];
}

export interface LicenceOptions {
  now: string;
  expiryWarningDays: number;
}

const DAY_MS = 86_400_000;
const today = (now: string) => now.slice(0, 10);
const daysUntil = (date: string, now: string) =>
  Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today(now)}T00:00:00Z`)) / DAY_MS);

export function inForce(l: LicenceRecord, now: string): boolean {
  const t = today(now);
  return (l.start === undefined || l.start <= t) && (l.expiry === undefined || l.expiry >= t);
}

export function reconcileLicences(register: RegisterFacts, opts: LicenceOptions): LicenceReconciliation {
  const titles = new Map<string, string>();
  const installs = new Map<string, number>();
  for (const i of register.installs) {
    const k = titleKey(i.title);
    titles.set(k, titles.get(k) ?? i.title);
    installs.set(k, (installs.get(k) ?? 0) + i.installs);
  }
  const licences = new Map<string, LicenceRecord[]>();
  for (const l of register.licences) {
    const k = titleKey(l.title);
    if (!titles.has(k)) titles.set(k, l.title);
    licences.set(k, [...(licences.get(k) ?? []), l]);
  }
  const free = new Set(
    register.software.filter((s) => s.licenceRequired === false).map((s) => titleKey(s.title)),
  );

  const out: LicenceReconciliation = { positions: [], expiring: [], expired: [] };
  for (const [k, title] of titles) {
    const all = licences.get(k) ?? [];
    const active = all.filter((l) => inForce(l, opts.now));
    const ended = all.filter((l) => l.expiry !== undefined && l.expiry < today(opts.now));
    const n = installs.get(k) ?? 0;
    const unlimited = active.some(
      (l) => l.kind === 'site' || (l.kind === 'subscription' && l.seats === undefined),
    );
    const seats = unlimited ? 'unlimited' : active.reduce((s, l) => s + (l.seats ?? 0), 0);
    let status: PositionStatus;
    if (active.length === 0) status = free.has(k) ? 'free' : n > 0 ? 'unlicensed' : 'covered';
    else if (seats === 'unlimited') status = 'covered';
    else if (n > seats) status = 'over-deployed';
    else if (n < seats) status = 'unused-seats';
    else status = 'covered';
    // A title bought but never installed and never licensed is not a position worth reporting.
    if (active.length === 0 && n === 0 && ended.length === 0) continue;
    out.positions.push({ title, installs: n, seats, status, active, ended });
    for (const l of active) {
      if (l.expiry === undefined) continue;
      const days = daysUntil(l.expiry, opts.now);
      if (days <= opts.expiryWarningDays) out.expiring.push({ licence: l, days });
    }
    if (active.length === 0)
      for (const l of ended) out.expired.push({ licence: l, days: daysUntil(l.expiry ?? '', opts.now) });
  }
  return out;
}
