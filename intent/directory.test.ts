/**
 * The directory planner: what the stack declares for a school's directory, from the declaration and
 * roster alone. Cases are built on an example school's declaration, changed one field at a time.
 */
import { describe, expect, it } from 'vitest';
import type { RosterPerson } from '../inventory/facts.ts';
import { loadSchool } from '../inventory/load.ts';
import type { SchoolDeclaration } from '../inventory/types.ts';
import {
  planAccounts,
  planPolicies,
  policyProblems,
  policyValues,
  rosterRole,
  schoolDate,
} from './directory.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const ldap = (await loadSchool(`${ROOT}inventory/schools/scissett-middle/school.yaml`)).decl;
const ad = (await loadSchool(`${ROOT}inventory/schools/st-marks-primary/school.yaml`)).decl;

const person = (over: Partial<RosterPerson>): RosterPerson => ({
  line: 2,
  id: '',
  account: 'ada.one',
  givenName: 'Ada',
  surname: 'One',
  role: 'Staff',
  ...over,
});

describe('password policies', () => {
  it('fills what a declaration may leave out: no minimum age, a counter window as long as the lockout', () => {
    const base = ad.directory!.passwordPolicy;
    const { minAgeDays: _a, lockoutWindowMinutes: _w, ...bare } = base;
    expect(policyValues({ ...bare, lockoutDurationMinutes: 20 })).toMatchObject({
      minAgeDays: 0,
      lockoutWindowMinutes: 20,
    });
    expect(policyValues({ ...base, minAgeDays: 2, lockoutWindowMinutes: 7 })).toMatchObject({
      minAgeDays: 2,
      lockoutWindowMinutes: 7,
    });
  });

  it('AD: the domain policy, then each fine-grained policy as a PSO', () => {
    const plan = planPolicies(ad.directory!);
    const fgpp = ad.directory!.fineGrainedPolicies ?? [];
    expect(fgpp.length).toBeGreaterThan(0);
    expect(plan.map((p) => p.target)).toEqual(['ad-domain', ...fgpp.map(() => 'ad-fgpp')]);
    expect(plan[1]).toMatchObject({ name: fgpp[0]!.name, precedence: fgpp[0]!.precedence });
  });

  it('OpenLDAP: pwdPolicy entries under ou=policies, names escaped in the DN', () => {
    const dir = {
      ...ldap.directory!,
      fineGrainedPolicies: [
        { ...ldap.directory!.passwordPolicy, name: 'Years 1, 2', precedence: 1, appliesTo: ['x'] },
      ],
    };
    expect(planPolicies(dir).map((p) => [p.role, p.target, p.dn])).toEqual([
      ['policy-default', 'ppolicy', `cn=default,ou=policies,${dir.baseDn}`],
      ['policy-years-1-2', 'ppolicy', `cn=Years 1\\2c 2,ou=policies,${dir.baseDn}`],
    ]);
  });

  it('refuses fine-grained names that would give two resources one name', () => {
    const p = ad.directory!.passwordPolicy;
    const f = (name: string) => ({ ...p, name, precedence: 1, appliesTo: ['x'] });
    expect(
      policyProblems({
        ...ad.directory!,
        fineGrainedPolicies: [f('Key Stage 1'), f('key-stage-1'), f('Default')],
      }),
    ).toEqual([
      'directory.fineGrainedPolicies[1].name "key-stage-1" is too like "Key Stage 1": rename one',
      'directory.fineGrainedPolicies[2].name "Default": pick another name',
    ]);
  });
});

describe('accounts', () => {
  it.each([
    ['Pupil', 'pupils'],
    ['Year 3 learner', 'pupils'],
    ['Student', 'pupils'],
    ['Staff', 'staff'],
    ['Teaching Assistant', 'staff'],
  ])('roster role %s is %s', (role, want) => expect(rosterRole(role)).toBe(want));

  it("the run date is the school's calendar date (British Summer Time past 23:00 UTC is tomorrow)", () => {
    expect(schoolDate(ad, new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(schoolDate(ad, new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('a leaver left on or before the run date; a uid roster gives no mail', () => {
    const { accounts, problems } = planAccounts(
      ldap,
      [
        person({ line: 2, account: 'ada.one', id: 'S-1001', leavingDate: '2026-07-22' }),
        person({
          line: 3,
          account: 'bea.two',
          leavingDate: '2026-07-23',
          role: 'Pupil',
          aupSigned: '2025-09-01',
        }),
      ],
      '2026-07-22',
      'roster.csv',
    );
    expect(problems).toEqual([]);
    expect(accounts.map((a) => [a.resource, a.leaver, a.role, a.roleGroup, a.mail])).toEqual([
      ['account-ada.one', true, 'staff', ldap.directory!.roleGroups!.staff, undefined],
      ['account-bea.two', false, 'pupils', ldap.directory!.roleGroups!.pupils, undefined],
    ]);
    expect(accounts[1]).toMatchObject({
      aupSigned: '2025-09-01',
      requireAup: true,
      leaverAction: 'disable-and-move',
    });
    // The MIS id travels with the account, for the provider to write to the declared attribute.
    expect(accounts[0]).toMatchObject({ misId: 'S-1001', idAttribute: 'employeeNumber' });
    expect(accounts[1]?.misId).toBeUndefined();
  });

  it('a row with no id is skipped with a reason, any other unusable row is a problem naming its line', () => {
    const r = planAccounts(
      ad,
      [
        person({ line: 2, account: '', id: 'A123', givenName: 'Sam', surname: 'Nobody' }),
        person({ line: 3, account: 'ada.one@school.test' }),
        person({ line: 4, account: 'Ada.One@other.test' }),
        person({ line: 5, account: 'bea two@school.test' }),
      ],
      '2026-07-22',
      'roster.csv',
    );
    expect(r.accounts.map((a) => [a.username, a.mail])).toEqual([['ada.one', 'ada.one@school.test']]);
    expect(r.skipped).toEqual([
      'roster.csv:2: Sam Nobody has no account in the roster, so no account is managed for them',
    ]);
    expect(r.problems).toEqual([
      'roster.csv:4: account Ada.One is also on line 3: one row per person',
      'roster.csv:5: "bea two@school.test" is not an e-mail address or userPrincipalName',
    ]);
  });

  it('a roster with only an MIS id cannot drive the lifecycle: an id names no account', () => {
    const { account: _a, ...columns } = ad.lifecycle!.roster.columns;
    const decl: SchoolDeclaration = {
      ...ad,
      lifecycle: {
        ...ad.lifecycle!,
        roster: { ...ad.lifecycle!.roster, columns: { ...columns, misId: 'Adno' } },
      },
    };
    const r = planAccounts(decl, [person({ id: 'E123' })], '2026-07-22', 'roster.csv');
    expect(r.accounts).toEqual([]);
    expect(r.problems[0]).toMatch(/^roster\.csv: lifecycle\.roster\.columns has no account column/);
  });

  it('the MIS id goes to the declared attribute, employeeID by default in AD', () => {
    const r = planAccounts(ad, [person({ id: 'A1', account: 'ada.one@school.test' })], '2026-07-22', 'r.csv');
    expect(r.accounts[0]).toMatchObject({ misId: 'A1', idAttribute: 'employeeID' });
    const declared: SchoolDeclaration = {
      ...ad,
      lifecycle: {
        ...ad.lifecycle!,
        roster: {
          ...ad.lifecycle!.roster,
          columns: { ...ad.lifecycle!.roster.columns, directoryAttribute: 'extensionAttribute1' },
        },
      },
    };
    const d = planAccounts(
      declared,
      [person({ id: 'A1', account: 'ada.one@school.test' })],
      '2026-07-22',
      'r.csv',
    );
    expect(d.accounts[0]).toMatchObject({ misId: 'A1', idAttribute: 'extensionAttribute1' });
  });
});
