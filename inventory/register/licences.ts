/**
 * Licences bought against what uses them, per title: per-device (and site, subscription) licences
 * against installations counted (from a device-management export, see docs/installs-import.md),
 * per-user licences against the directory's users (the members of the licence's assigned group):
 * over-deployed or over-assigned titles, unused seats, leavers still holding a seat, licences and
 * subscriptions expiring within the school's warning period, and software installed with no licence
 * at all. A site licence in force covers any number of installations within the site; so does a
 * subscription with no seat count (labelled as such, not as a site licence).
 *
 * Titles are matched by `titleKey` (case, punctuation, versions, architecture and language noise
 * ignored) and shown as the register spells them: the licences file first, then the software list,
 * and the installs export only for a title the register does not name.
 */
import type { DirectoryAccount } from '../../devices/facts.ts';
import type { LicenceRecord, RegisterFacts } from '../facts.ts';
import { titleKey } from './parse.ts';

export type PositionStatus =
  | 'covered'
  | 'over-deployed'
  | 'unused-seats'
  | 'unlicensed'
  | 'free'
  /** Per-user seats whose holders could not be counted (see `users.unknown`). */
  | 'unknown';

/** The directory as the per-user comparison needs it; absent or failed: per-user seats cannot be compared. */
export type UsersSource =
  { ok: true; accounts: readonly DirectoryAccount[]; leaversOu?: string } | { ok: false; reason: string };

export interface UserSeats {
  /** The directory groups the per-user licences name. */
  groups: string[];
  /** Enabled members outside the leavers OU: who holds a seat. */
  holders: number;
  /** Members who have left (leavers OU, or disabled) but are still in the group: seats held for nobody. */
  leavers: string[];
  /** Groups named by a licence that the directory does not have. */
  missingGroups: string[];
  /** Why users could not be counted (no assigned group, no directory); then `holders` is 0. */
  unknown?: string;
}

export interface LicencePosition {
  title: string;
  /** What the seats are compared with: installations, or the directory's users. */
  basis: 'installs' | 'users';
  installs: number;
  /** Seats in force; `unlimited` for a site licence or an uncapped subscription. */
  seats: number | 'unlimited';
  /** Why the seats are unlimited: a site licence, or a subscription with no seat count. */
  unlimitedBy?: 'site' | 'subscription';
  /** Per-user positions: who holds the seats. */
  users?: UserSeats;
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
  /** The directory's accounts, for per-user licences. */
  users?: UsersSource;
}

const DAY_MS = 86_400_000;
const today = (now: string) => now.slice(0, 10);
const daysUntil = (date: string, now: string) =>
  Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today(now)}T00:00:00Z`)) / DAY_MS);

export function inForce(l: LicenceRecord, now: string): boolean {
  const t = today(now);
  return (l.start === undefined || l.start <= t) && (l.expiry === undefined || l.expiry >= t);
}

/** Who holds a title's per-user seats: the enabled members of the licences' assigned groups. */
function userSeats(licences: readonly LicenceRecord[], users: UsersSource | undefined): UserSeats {
  const groups = [...new Set(licences.map((l) => l.assignedGroup?.trim() ?? '').filter((g) => g !== ''))];
  const base: UserSeats = { groups, holders: 0, leavers: [], missingGroups: [] };
  if (groups.length === 0)
    return {
      ...base,
      unknown: 'no Assigned Group is recorded for its per-user licences, so who holds the seats is not known',
    };
  if (users === undefined || !users.ok)
    return {
      ...base,
      unknown: `the directory could not be read${users === undefined ? '' : ` (${users.reason})`}`,
    };
  const wanted = new Map(groups.map((g) => [g.toLowerCase(), g]));
  const found = new Set<string>();
  const leaversOu = (users.leaversOu ?? 'leavers').toLowerCase();
  const seen = new Set<string>();
  for (const a of users.accounts) {
    const hit = a.groups.filter((g) => wanted.has(g.toLowerCase()));
    if (hit.length === 0) continue;
    for (const g of hit) found.add(g.toLowerCase());
    const id = a.username.toLowerCase();
    if (seen.has(id)) continue;
    seen.add(id);
    if (!a.enabled || a.ou.toLowerCase() === leaversOu) base.leavers.push(a.username);
    else base.holders++;
  }
  for (const [k, g] of wanted) if (!found.has(k)) base.missingGroups.push(g);
  base.leavers.sort();
  return base;
}

export function reconcileLicences(register: RegisterFacts, opts: LicenceOptions): LicenceReconciliation {
  // The register's own spelling: licences, then the software list, then the export's.
  const titles = new Map<string, string>();
  for (const l of register.licences)
    if (!titles.has(titleKey(l.title))) titles.set(titleKey(l.title), l.title);
  for (const sw of register.software)
    if (!titles.has(titleKey(sw.title))) titles.set(titleKey(sw.title), sw.title);
  const installs = new Map<string, number>();
  for (const i of register.installs) {
    const k = titleKey(i.title);
    if (!titles.has(k)) titles.set(k, i.title);
    installs.set(k, (installs.get(k) ?? 0) + i.installs);
  }
  const licences = new Map<string, LicenceRecord[]>();
  for (const l of register.licences) {
    const k = titleKey(l.title);
    licences.set(k, [...(licences.get(k) ?? []), l]);
  }
  const free = new Set(
    register.software.filter((s) => s.licenceRequired === false).map((s) => titleKey(s.title)),
  );

  const out: LicenceReconciliation = { positions: [], expiring: [], expired: [] };
  for (const [k, title] of titles) {
    if (!installs.has(k) && !licences.has(k)) continue; // only in the software list
    const all = licences.get(k) ?? [];
    const active = all.filter((l) => inForce(l, opts.now));
    const ended = all.filter((l) => l.expiry !== undefined && l.expiry < today(opts.now));
    const n = installs.get(k) ?? 0;
    const perUser = active.filter((l) => l.kind === 'per-user');
    const perInstall = active.filter((l) => l.kind !== 'per-user');
    const endedPerUser = ended.filter((l) => l.kind === 'per-user');
    const endedPerInstall = ended.filter((l) => l.kind !== 'per-user');

    // Per-user seats: compared with the users who hold them, never with installations.
    if (perUser.length > 0) {
      const users = userSeats(perUser, opts.users);
      const seats = perUser.reduce((s, l) => s + (l.seats ?? 0), 0);
      const status: PositionStatus =
        users.unknown !== undefined
          ? 'unknown'
          : users.holders === seats
            ? 'covered'
            : users.holders > seats
              ? 'over-deployed'
              : 'unused-seats';
      out.positions.push({
        title,
        basis: 'users',
        installs: n,
        seats,
        users,
        status,
        active: perUser,
        ended: endedPerUser,
      });
    }
    // Everything else (and installs of a title that only has per-user licences are theirs to cover).
    const unlimitedBy = perInstall.some((l) => l.kind === 'site')
      ? ('site' as const)
      : perInstall.some((l) => l.kind === 'subscription' && l.seats === undefined)
        ? ('subscription' as const)
        : undefined;
    const seats =
      unlimitedBy !== undefined ? 'unlimited' : perInstall.reduce((s, l) => s + (l.seats ?? 0), 0);
    let status: PositionStatus;
    if (perInstall.length === 0) status = free.has(k) ? 'free' : n > 0 ? 'unlicensed' : 'covered';
    else if (seats === 'unlimited') status = 'covered';
    else if (n > seats) status = 'over-deployed';
    else if (n < seats) status = 'unused-seats';
    else status = 'covered';
    const report = perInstall.length > 0 || (perUser.length === 0 && (n > 0 || endedPerInstall.length > 0));
    if (report)
      out.positions.push({
        title,
        basis: 'installs',
        installs: n,
        seats,
        ...(unlimitedBy === undefined ? {} : { unlimitedBy }),
        status,
        active: perInstall,
        ended: endedPerInstall,
      });
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
