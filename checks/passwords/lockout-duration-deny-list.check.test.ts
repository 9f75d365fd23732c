import { describe, expect, it } from 'vitest';
import type { DirectoryPasswordPolicy } from '../../devices/facts.ts';
import { directory, ok, run, schoolFacts, statuses } from '../../test/builders/fixtures.ts';
import denyList from './directory-password-deny-list.check.ts';
import duration from './directory-password-lockout-duration.check.ts';

const withPolicy = (over: Partial<DirectoryPasswordPolicy>, kind: 'ad' | 'openldap' = 'ad') => {
  const d = directory();
  return schoolFacts({
    directory: ok({ ...d, kind, passwordPolicy: { ...d.passwordPolicy, ...over }, fineGrainedPolicies: [] }),
  });
};

describe('directory-password-lockout-duration', () => {
  it.each<[Partial<DirectoryPasswordPolicy>, number, string, string]>([
    [{ lockoutThreshold: 5, lockoutDurationMinutes: 30 }, 15, 'pass', '30 minutes'],
    [{ lockoutThreshold: 5, lockoutDurationMinutes: 15 }, 15, 'pass', '15 minutes'],
    [{ lockoutThreshold: 5, lockoutDurationMinutes: 5 }, 15, 'fail', '5 minutes'],
    [{ lockoutThreshold: 5, lockoutDurationMinutes: 0 }, 60, 'pass', 'until an administrator unlocks it'],
    [{ lockoutThreshold: 0, lockoutDurationMinutes: 30 }, 15, 'not_applicable', 'never locks'],
  ])('%o against at least %i minutes: %s', (policy, minMinutes, status, actual) => {
    const r = run(duration, withPolicy(policy), { minMinutes });
    expect(statuses(r)).toEqual([status]);
    expect(r[0]?.evidence[0]).toMatchObject({ expected: `>= ${minMinutes} minutes`, actual });
  });
});

describe('directory-password-deny-list', () => {
  it('passes an OpenLDAP policy with a check module and quality checking on', () => {
    const r = run(
      denyList,
      withPolicy({ checkModule: { checked: true, module: 'pqchecker.so' } }, 'openldap'),
    );
    expect(statuses(r)).toEqual(['pass']);
    expect(r[0]?.reason).toMatch(/pqchecker\.so/);
  });

  it('fails an OpenLDAP policy without a check module, or with one but quality off', () => {
    expect(statuses(run(denyList, withPolicy({ checkModule: { checked: false } }, 'openldap')))).toEqual([
      'fail',
    ]);
    const off = run(denyList, withPolicy({ checkModule: { checked: false, module: 'x.so' } }, 'openldap'));
    expect(off[0]?.evidence[0]?.actual).toBe('x.so, quality off');
  });

  it('says Active Directory cannot show it, so the clause is attested', () => {
    const r = run(denyList, withPolicy({}, 'ad'));
    expect(statuses(r)).toEqual(['not_applicable']);
    expect(r[0]?.reason).toMatch(/attested/);
  });
});
