/**
 * One source for each number. Where the school's declaration states a value that a check judges
 * (the password policy `pulumi up` applies, the lockout, the leavers' grace, the guest networks), the
 * check's parameter defaults to that value, so apply and audit cannot use different numbers. A clause
 * may still bind the parameter, but only to something at least as strict as the declaration: a weaker
 * clause value is a contradiction, reported naming both places (`file:line`).
 */
import type { NetworkRole, SchoolDeclaration } from '../../inventory/types.ts';

/** How two values of one parameter compare: which is the stricter demand. */
export type Strictness =
  /** A larger number demands more (minimum length, history). */
  | 'higher'
  /** A smaller number demands more (lockout threshold, grace days). */
  | 'lower'
  /** A smaller number demands more, and 0 means "never" (password expiry: 0 = no forced change). */
  | 'lower-nonzero'
  /** `true` demands more than `false`. */
  | 'true'
  /** A list demands more when it holds every member of the other. */
  | 'superset'
  /** Not a threshold but a name (the hold group): the clause must name the same. */
  | 'equal'
  /** One of a few values, from the weakest demand to the strictest (leavers: disable, then disable-and-move). */
  | { rank: readonly unknown[] };

export interface DeclaredParam {
  checkId: string;
  param: string;
  value: unknown;
  /** JSON pointer into the declaration where the value is stated. */
  pointer: string;
  strictness: Strictness;
}

const GUEST_ROLES: readonly NetworkRole[] = ['guests', 'byod'];

/** The check parameters the declaration states, with where it states them. */
export function declaredParams(decl: SchoolDeclaration): DeclaredParam[] {
  const out: DeclaredParam[] = [];
  const add = (checkId: string, param: string, value: unknown, pointer: string, s: Strictness): void => {
    if (value !== undefined) out.push({ checkId, param, value, pointer, strictness: s });
  };
  const pp = decl.directory?.passwordPolicy;
  if (pp !== undefined) {
    const at = '/directory/passwordPolicy';
    add('directory-password-min-length', 'minLength', pp.minLength, `${at}/minLength`, 'higher');
    add('directory-password-lockout', 'maxThreshold', pp.lockoutThreshold, `${at}/lockoutThreshold`, 'lower');
    add(
      'directory-password-lockout-duration',
      'minMinutes',
      pp.lockoutDurationMinutes,
      `${at}/lockoutDurationMinutes`,
      'higher',
    );
    add('directory-password-history', 'minHistory', pp.historyLength, `${at}/historyLength`, 'higher');
    add('directory-password-expiry', 'maxAgeDays', pp.maxAgeDays, `${at}/maxAgeDays`, 'lower-nonzero');
    add('directory-password-character-rules', 'requireComplexity', pp.complexity, `${at}/complexity`, 'true');
  }
  const lc = decl.lifecycle;
  if (lc !== undefined) {
    const leavers = 'directory-account-leavers-disabled';
    add(leavers, 'graceDays', lc.leavers.graceDays, '/lifecycle/leavers/graceDays', 'lower');
    // Working days allow more time than calendar days; moving to the leavers OU asks more than disabling.
    add(leavers, 'graceUnit', lc.leavers.graceUnit, '/lifecycle/leavers/graceUnit', {
      rank: ['working-days', 'days'],
    });
    add(leavers, 'action', lc.leavers.action, '/lifecycle/leavers/action', {
      rank: ['disable', 'disable-and-move'],
    });
    add('directory-account-stale', 'staleAfterDays', lc.staleAfterDays, '/lifecycle/staleAfterDays', 'lower');
    const removed = 'directory-account-leavers-removed';
    const at = '/lifecycle/leavers';
    add(removed, 'afterDays', lc.leavers.removeAfterDays, `${at}/removeAfterDays`, 'lower');
    add(removed, 'holdGroup', lc.leavers.hold?.group, `${at}/hold/group`, 'equal');
    add(removed, 'holdAttribute', lc.leavers.hold?.attribute, `${at}/hold/attribute`, 'equal');
  }
  const inv = decl.inventory;
  if (inv !== undefined) {
    add(
      'inventory-devices-seen',
      'notSeenAfterDays',
      inv.notSeenAfterDays,
      '/inventory/notSeenAfterDays',
      'lower',
    );
    add(
      'inventory-licences-expiring',
      'expiryWarningDays',
      inv.licenceExpiryWarningDays,
      '/inventory/licenceExpiryWarningDays',
      'higher',
    );
  }
  // Guest networks: every declared guest or BYOD network reaches the internet only.
  const guestIdx = decl.networks.flatMap((n, i) => (GUEST_ROLES.includes(n.role) ? [i] : []));
  if (guestIdx.length > 0) {
    const roles = [...new Set(guestIdx.map((i) => decl.networks[i]?.role))];
    add('routeros-zone-internet-only', 'roles', roles, `/networks/${guestIdx[0]}/role`, 'superset');
  }
  return out;
}

/** True when `clause` demands at least what `declared` does. */
export function atLeastAsStrict(clause: unknown, declared: unknown, s: Strictness): boolean {
  if (typeof s === 'object') {
    const c = s.rank.indexOf(clause);
    const d = s.rank.indexOf(declared);
    return c >= 0 && d >= 0 && c >= d;
  }
  switch (s) {
    case 'higher':
      return typeof clause === 'number' && typeof declared === 'number' && clause >= declared;
    case 'lower':
      return typeof clause === 'number' && typeof declared === 'number' && clause <= declared;
    case 'lower-nonzero': {
      if (typeof clause !== 'number' || typeof declared !== 'number') return false;
      const c = clause === 0 ? Infinity : clause;
      const d = declared === 0 ? Infinity : declared;
      return c <= d;
    }
    case 'true':
      return clause === true || declared === false;
    case 'equal':
      return JSON.stringify(clause) === JSON.stringify(declared);
    case 'superset':
      return Array.isArray(clause) && Array.isArray(declared) && declared.every((x) => clause.includes(x));
  }
}

/** The declared value of each check's parameters, as a defaults layer (check id -> params). */
export function declaredLayer(declared: readonly DeclaredParam[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const d of declared) (out[d.checkId] ??= {})[d.param] = d.value;
  return out;
}

export interface Contradiction {
  clause: string;
  checkId: string;
  param: string;
  clauseValue: unknown;
  declaredValue: unknown;
  /** Where the clause binds it. */
  clauseAt: { file: string; line: number };
  /** Where the declaration states it. */
  declaredAt: { file: string; line: number; pointer: string };
}

export function contradictionMessage(c: Contradiction): string {
  return (
    `${c.clauseAt.file}:${c.clauseAt.line}: clause ${c.clause} sets ${c.checkId}.${c.param} to ` +
    `${JSON.stringify(c.clauseValue)}, weaker than ${JSON.stringify(c.declaredValue)} declared at ` +
    `${c.declaredAt.file}:${c.declaredAt.line} (${c.declaredAt.pointer}); apply and audit would use ` +
    `different numbers: remove the clause's value or make it at least as strict`
  );
}

/** A clause's bound parameters as the contradiction test needs them. */
export interface BoundClause {
  id: string;
  params: Record<string, Record<string, unknown>>;
  /** `check.param` -> line in the clause map. */
  paramLines?: Record<string, number>;
  line: number;
}

/** Every clause value weaker than the declaration's. */
export function findContradictions(
  clauses: readonly BoundClause[],
  declared: readonly DeclaredParam[],
  files: { clauseMap: string; declaration: string },
  declLine: (pointer: string) => number,
): Contradiction[] {
  const out: Contradiction[] = [];
  for (const c of clauses) {
    for (const d of declared) {
      const own = c.params[d.checkId];
      if (own === undefined || !(d.param in own)) continue;
      const v = own[d.param];
      if (atLeastAsStrict(v, d.value, d.strictness)) continue;
      out.push({
        clause: c.id,
        checkId: d.checkId,
        param: d.param,
        clauseValue: v,
        declaredValue: d.value,
        clauseAt: { file: files.clauseMap, line: c.paramLines?.[`${d.checkId}.${d.param}`] ?? c.line },
        declaredAt: { file: files.declaration, line: declLine(d.pointer), pointer: d.pointer },
      });
    }
  }
  return out;
}
