/**
 * Accounts and people: which roster person an account belongs to, and whether a finding is about a
 * pupil (reports show heads counts, not pupils' names).
 */
import type { DirectoryAccount } from '../../devices/facts.ts';
import type { RosterPerson } from '../../inventory/facts.ts';
import { rosterIdAttribute } from '../../inventory/roster-id.ts';
import type { CheckContext, CheckResult } from '../types.ts';
import { attributeValues, matchKey } from './leavers.ts';

export type Personal = NonNullable<CheckResult['personal']>;

export function accountPersonal(a: DirectoryAccount): Personal {
  return a.ou === 'pupils' ? 'pupil' : a.ou === 'staff' ? 'staff' : 'other';
}

export function rolePersonal(role: string): Personal {
  return /pupil|student|learner|child/i.test(role) ? 'pupil' : 'staff';
}

/**
 * Matches accounts to roster people: by the MIS id in the declared directory attribute, else by the
 * roster's account column (username, UPN or e-mail), the same keys as `matchLeavers`.
 */
export function rosterMatcher(
  people: readonly RosterPerson[],
  ctx: CheckContext,
): { personOf(a: DirectoryAccount): RosterPerson | undefined } {
  const attr = rosterIdAttribute(ctx.decl.lifecycle, ctx.decl.directory);
  const byId = new Map<string, RosterPerson>();
  const byAccount = new Map<string, RosterPerson>();
  for (const p of people) {
    if (p.id.trim() !== '') byId.set(matchKey(p.id), p);
    if (p.account !== undefined && p.account.trim() !== '') byAccount.set(matchKey(p.account), p);
  }
  return {
    personOf(a) {
      for (const v of attributeValues(a, attr)) {
        const p = byId.get(matchKey(v));
        if (p !== undefined) return p;
      }
      for (const v of [a.username, a.upn, a.mail]) {
        const p = v === undefined ? undefined : byAccount.get(matchKey(v));
        if (p !== undefined) return p;
      }
      return undefined;
    },
  };
}

/** Accounts the declaration says exist without a person behind them (break-glass admins). */
export function isBreakGlass(ctx: CheckContext, a: DirectoryAccount): boolean {
  const names = (ctx.decl.directory?.breakGlassAccounts ?? []).map((n) => n.toLowerCase());
  return names.includes(a.username.toLowerCase()) || names.includes(a.dn.toLowerCase());
}

/** Compiles a case-insensitive pattern list from params (invalid patterns were rejected by the schema). */
export function patterns(list: readonly string[]): RegExp[] {
  return list.map((p) => new RegExp(p, 'i'));
}

/** Administrators: flagged by the collector, or listed (by username or DN) in a declared admin group. */
export function isAdmin(
  a: DirectoryAccount,
  adminGroups: Readonly<Record<string, readonly string[]>>,
): boolean {
  if (a.isAdmin) return true;
  const keys = [a.username.toLowerCase(), a.dn.toLowerCase()];
  return Object.values(adminGroups).some((members) => members.some((m) => keys.includes(m.toLowerCase())));
}

/** Whether the account is in the declared role group (`staff` / `pupils`), matched by CN. */
export function inRoleGroup(a: DirectoryAccount, ctx: CheckContext, role: 'staff' | 'pupils'): boolean {
  const group = ctx.decl.directory?.roleGroups?.[role];
  if (group === undefined) return false;
  const cn = (s: string): string => (/^cn=([^,]+)/i.exec(s)?.[1] ?? s).toLowerCase();
  return a.groups.some((g) => cn(g) === cn(group));
}
