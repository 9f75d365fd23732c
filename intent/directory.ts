/**
 * What the stack applies to a school's directory, planned from the declaration and the roster alone
 * (pure: no LDAP, no Pulumi). The `SchoolDirectory` component turns the plan into dynamic resources;
 * the program checks `accountProblems` first, so a roster the plan cannot use stops the run before any
 * resource is declared.
 */
import type { RosterPerson } from '../inventory/facts.ts';
import { childDn } from '../devices/ldap/dn.ts';
import type { PolicyValues } from '../devices/ldap/policy.ts';
import { rosterIdAttribute } from '../inventory/roster-id.ts';
import type { Directory, PasswordPolicy, SchoolDeclaration } from '../inventory/types.ts';

/** Where a password policy lives: the AD domain object, an AD fine-grained PSO, or an OpenLDAP ppolicy entry. */
export type PolicyTarget = 'ad-domain' | 'ad-fgpp' | 'ppolicy';

/** One roster person's account as the declaration intends it (the providers add the connection). */
export interface AccountIntent {
  ous: { staff: string; pupils: string; leavers: string };
  /** sAMAccountName (AD) or uid (OpenLDAP). */
  username: string;
  givenName: string;
  surname: string;
  displayName?: string;
  /** AD userPrincipalName suffix's address, and mail for both. */
  mail?: string;
  /** The person's MIS id (Unique Pupil Number, admission number, staff code), written to `idAttribute`
   * when the account is created or adopted, so the leavers check matches on it and never on names. */
  misId?: string;
  /** The directory attribute for `misId` (lifecycle.roster.columns.directoryAttribute or its default). */
  idAttribute?: string;
  role: 'staff' | 'pupils';
  /** The role group (CN or DN) the account belongs to. */
  roleGroup?: string;
  /** The roster says this person has left (leaving date on or before the run's date). */
  leaver: boolean;
  /** The acceptable-use agreement date from the roster, when recorded. */
  aupSigned?: string;
  requireAup: boolean;
  leaverAction: 'disable' | 'disable-and-move';
  /** Off by default: deleting the resource only forgets the account. */
  deleteAccounts?: boolean;
}

/** One password policy to apply: the domain/ppolicy default or a fine-grained one. */
export interface PlannedPolicy {
  /** Resource role: `policy-default`, `policy-<slug of the name>`. */
  role: string;
  target: PolicyTarget;
  /** ad-fgpp: the PSO's name. */
  name?: string;
  /** ppolicy: the pwdPolicy entry. */
  dn?: string;
  precedence?: number;
  appliesTo?: string[];
  policy: PolicyValues;
}

/** One roster person's account (everything but the connection). */
export type PlannedAccount = AccountIntent & {
  /** Resource role: `account-<username, lower case>`. */
  resource: string;
  /** Roster line, for messages. */
  line: number;
};

/**
 * The declaration's policy as the providers take it. Fields a declaration may leave out get the
 * values a freshly installed domain pairs them with: no minimum age, and a lockout counter window as
 * long as the lockout itself (AD refuses a window longer than the lockout).
 */
export function policyValues(p: PasswordPolicy): PolicyValues {
  return {
    minLength: p.minLength,
    complexity: p.complexity,
    historyLength: p.historyLength,
    maxAgeDays: p.maxAgeDays,
    minAgeDays: p.minAgeDays ?? 0,
    lockoutThreshold: p.lockoutThreshold,
    lockoutDurationMinutes: p.lockoutDurationMinutes,
    lockoutWindowMinutes: p.lockoutWindowMinutes ?? p.lockoutDurationMinutes,
  };
}

/** Where OpenLDAP pwdPolicy entries live: the directory declaration has no field for it. */
export function ppolicyContainer(dir: Directory): string {
  return childDn('ou', 'policies', dir.baseDn);
}

const slug = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The default policy, then each fine-grained policy in declaration order. */
export function planPolicies(dir: Directory): PlannedPolicy[] {
  const ad = dir.kind === 'ad';
  const out: PlannedPolicy[] = [
    ad
      ? { role: 'policy-default', target: 'ad-domain', policy: policyValues(dir.passwordPolicy) }
      : {
          role: 'policy-default',
          target: 'ppolicy',
          dn: childDn('cn', 'default', ppolicyContainer(dir)),
          policy: policyValues(dir.passwordPolicy),
        },
  ];
  for (const f of dir.fineGrainedPolicies ?? [])
    out.push(
      ad
        ? {
            role: `policy-${slug(f.name)}`,
            target: 'ad-fgpp',
            name: f.name,
            precedence: f.precedence,
            appliesTo: [...f.appliesTo],
            policy: policyValues(f),
          }
        : {
            role: `policy-${slug(f.name)}`,
            target: 'ppolicy',
            dn: childDn('cn', f.name, ppolicyContainer(dir)),
            policy: policyValues(f),
          },
    );
  return out;
}

/** Problems with the policies that would make two resources share a name. */
export function policyProblems(dir: Directory): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const [i, f] of (dir.fineGrainedPolicies ?? []).entries()) {
    const role = `policy-${slug(f.name)}`;
    if (slug(f.name) === '' || role === 'policy-default')
      out.push(`directory.fineGrainedPolicies[${i}].name ${JSON.stringify(f.name)}: pick another name`);
    const other = seen.get(role);
    if (other !== undefined)
      out.push(
        `directory.fineGrainedPolicies[${i}].name ${JSON.stringify(f.name)} is too like ${JSON.stringify(other)}: rename one`,
      );
    seen.set(role, f.name);
  }
  return out;
}

/** Same test the audit uses to tell pupils from staff (checks/lib/people.ts `rolePersonal`). */
export function rosterRole(role: string): 'staff' | 'pupils' {
  return /pupil|student|learner|child/i.test(role) ? 'pupils' : 'staff';
}

/** The school's calendar date (yyyy-mm-dd) at `now`, in its schedule's time zone (UK by default). */
export function schoolDate(decl: SchoolDeclaration, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: decl.schedule?.timezone ?? 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

// The provider's account-name rule (directory-account-ops.ts): checked here so a bad row stops the
// program with its line, not the engine half-way through an update.
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._'-]{0,19}$/;

/**
 * One account per roster person. The account name comes from the roster's account column
 * (`lifecycle.roster.columns.account`): a username is the name; an e-mail address or userPrincipalName
 * gives its local part (and the mail address). The MIS id goes with it, so the provider writes it to the
 * declared directory attribute when it creates or adopts the account (and matching never needs names).
 * Without an account column no account can be named, so such a roster cannot drive the lifecycle. A row
 * with no account is left to the audit (which matches it by id or name) and returned in `skipped`, for
 * the program to warn about; any other unusable row is a problem. A person is a leaver when their
 * leaving date is on or before `asOf`.
 */
export function planAccounts(
  decl: SchoolDeclaration,
  people: readonly RosterPerson[],
  asOf: string,
  rosterFile: string,
): { accounts: PlannedAccount[]; problems: string[]; skipped: string[] } {
  const dir = decl.directory;
  const life = decl.lifecycle;
  if (!dir || !life) return { accounts: [], problems: [], skipped: [] };
  if (life.roster.columns.account === undefined)
    return {
      accounts: [],
      problems: [
        `${rosterFile}: lifecycle.roster.columns has no account column: an MIS id names no account; map the export's username or e-mail column as account`,
      ],
      skipped: [],
    };
  const idAttribute = rosterIdAttribute(life, dir);
  const problems: string[] = [];
  const skipped: string[] = [];
  const accounts: PlannedAccount[] = [];
  const byName = new Map<string, number>();
  for (const p of people) {
    const at = `${rosterFile}:${p.line}`;
    const id = (p.account ?? '').trim();
    if (id === '') {
      skipped.push(
        `${at}: ${p.givenName} ${p.surname} has no account in the roster, so no account is managed for them`,
      );
      continue;
    }
    const isMail = id.includes('@');
    const username = isMail ? (id.split('@')[0] ?? '') : id;
    if (isMail && !/^[^@\s]+@[^@\s]+$/.test(id)) {
      problems.push(`${at}: ${JSON.stringify(p.account)} is not an e-mail address or userPrincipalName`);
      continue;
    }
    if (!USERNAME.test(username)) {
      problems.push(
        `${at}: account name ${JSON.stringify(username)} is not valid (letters, digits, . _ ' -, up to 20 characters)`,
      );
      continue;
    }
    const key = username.toLowerCase();
    const first = byName.get(key);
    if (first !== undefined) {
      problems.push(`${at}: account ${username} is also on line ${first}: one row per person`);
      continue;
    }
    byName.set(key, p.line);
    const role = rosterRole(p.role);
    const group = dir.roleGroups?.[role];
    accounts.push({
      resource: `account-${key}`,
      line: p.line,
      ous: { staff: dir.ous.staff, pupils: dir.ous.pupils, leavers: dir.ous.leavers },
      username,
      givenName: p.givenName,
      surname: p.surname,
      displayName: `${p.givenName} ${p.surname}`,
      ...(isMail ? { mail: id } : {}),
      ...(p.id.trim() !== '' ? { misId: p.id.trim(), idAttribute } : {}),
      role,
      ...(group !== undefined ? { roleGroup: group } : {}),
      leaver: p.leavingDate !== undefined && p.leavingDate <= asOf,
      ...(p.aupSigned !== undefined ? { aupSigned: p.aupSigned } : {}),
      requireAup: life.requireAup,
      leaverAction: life.leavers.action,
    });
  }
  return { accounts, problems, skipped };
}
