import { describe, expect, it } from 'vitest';
import type { DirectoryPasswordPolicy } from '../../devices/facts.ts';
import {
  ctx,
  declaration,
  directory,
  failed,
  ok,
  run,
  schoolFacts,
  statuses,
} from '../../test/builders/fixtures.ts';
import characterRules from './directory-password-character-rules.check.ts';
import expiryGuidance from './directory-password-expiry-guidance.check.ts';
import expiry from './directory-password-expiry.check.ts';
import history from './directory-password-history.check.ts';
import lengthCe from './directory-password-length-cyber-essentials.check.ts';
import lockout from './directory-password-lockout.check.ts';
import minLength from './directory-password-min-length.check.ts';

function withPolicy(p: Partial<DirectoryPasswordPolicy>, fine: Partial<DirectoryPasswordPolicy>[] = []) {
  const base = directory().passwordPolicy;
  return schoolFacts({
    directory: ok(
      directory({
        passwordPolicy: { ...base, ...p },
        fineGrainedPolicies: fine.map((f, i) => ({
          ...base,
          source: `PSO-${i}`,
          appliesTo: ['Pupils'],
          ...f,
        })),
      }),
    ),
  });
}

const noDirectory = schoolFacts({ directory: failed('directory', 'E-AUTH') });

describe('directory-password-min-length', () => {
  it.each([
    [7, 8, 'fail'],
    [8, 8, 'pass'],
    [9, 8, 'pass'],
    [11, 12, 'fail'],
    [12, 12, 'pass'],
  ])('live %i against the policy minimum %i: %s', (live, min, status) => {
    const r = run(minLength, withPolicy({ minLength: live }), { minLength: min });
    expect(statuses(r)).toEqual([status]);
    expect(r[0]?.evidence[0]).toMatchObject({ expected: `>= ${min}`, actual: String(live) });
  });

  it('judges fine-grained policies too: a weaker pupil policy fails on its own', () => {
    const r = run(minLength, withPolicy({ minLength: 12 }, [{ minLength: 6 }]), { minLength: 8 });
    expect(statuses(r)).toEqual(['pass', 'fail']);
    expect(r[1]?.reason).toMatch(/PSO-0 \(applies to Pupils\) accepts passwords of 6 characters/);
  });

  it('uses the Cyber Essentials default of 12 when the clause binds nothing', () => {
    expect(statuses(run(minLength, withPolicy({ minLength: 8 })))).toEqual(['fail']);
  });

  it('is an error, never a pass, when the directory could not be read', () => {
    const r = run(minLength, noDirectory);
    expect(statuses(r)).toEqual(['error']);
    expect(r[0]?.reason).toMatch(/E-AUTH/);
  });

  it('refuses a threshold outside its schema', () => {
    expect(() => run(minLength, withPolicy({}), { minLength: 0 })).toThrow(/minLength/);
  });
});

describe('directory-password-character-rules', () => {
  const upperDigit = { requireUpper: true, requireDigit: true };
  it.each([
    [true, upperDigit, 'pass'],
    [false, upperDigit, 'fail'],
    [false, { requireComplexity: true }, 'fail'],
    [true, { requireComplexity: true }, 'pass'],
  ])('complexity %s with %o: %s', (complexity, params, status) => {
    expect(statuses(run(characterRules, withPolicy({ complexity }), params))).toEqual([status]);
  });

  it('says complexity is only the closest match for "an uppercase letter and a digit"', () => {
    const [r] = run(characterRules, withPolicy({ complexity: true }), upperDigit);
    expect(r?.reason).toMatch(/closest the directory can get to "an uppercase letter and a digit"/);
  });

  it('is not applicable when the school asks for no character rules', () => {
    expect(statuses(run(characterRules, withPolicy({ complexity: false })))).toEqual(['not_applicable']);
  });

  it('is an error when the directory is missing and rules are asked for', () => {
    expect(statuses(run(characterRules, noDirectory, upperDigit))).toEqual(['error']);
  });
});

describe('directory-password-lockout', () => {
  it.each([
    [0, 10, 'fail'],
    [1, 10, 'pass'],
    [10, 10, 'pass'],
    [11, 10, 'fail'],
    [5, 5, 'pass'],
    [6, 5, 'fail'],
  ])('threshold %i with at most %i allowed: %s', (live, max, status) => {
    expect(statuses(run(lockout, withPolicy({ lockoutThreshold: live }), { maxThreshold: max }))).toEqual([
      status,
    ]);
  });

  it('explains that 0 never locks', () => {
    const [r] = run(lockout, withPolicy({ lockoutThreshold: 0 }));
    expect(r?.reason).toMatch(/never locks/);
    expect(r?.evidence[0]?.actual).toBe('never locks');
  });

  it('never allows more than the national maximum of 10', () => {
    expect(() => run(lockout, withPolicy({}), { maxThreshold: 11 })).toThrow();
  });

  it('is an error when the directory is missing', () => {
    expect(statuses(run(lockout, schoolFacts({ directory: null })))).toEqual(['error']);
  });
});

describe('directory-password-history', () => {
  it.each([
    [4, 5, 'fail'],
    [5, 5, 'pass'],
    [24, 5, 'pass'],
    [0, 1, 'fail'],
  ])('history %i against %i: %s', (live, min, status) => {
    expect(statuses(run(history, withPolicy({ historyLength: live }), { minHistory: min }))).toEqual([
      status,
    ]);
  });

  it('is an error when the directory is missing', () => {
    expect(statuses(run(history, noDirectory))).toEqual(['error']);
  });
});

describe('directory-password-expiry', () => {
  it.each([
    [0, 365, 'fail'],
    [364, 365, 'pass'],
    [365, 365, 'pass'],
    [366, 365, 'fail'],
    [42, 90, 'pass'],
  ])('max age %i against the clause period %i: %s', (live, period, status) => {
    expect(statuses(run(expiry, withPolicy({ maxAgeDays: live }), { maxAgeDays: period }))).toEqual([status]);
  });

  it('is not applicable when the school does not ask for expiry, even without a directory', () => {
    expect(statuses(run(expiry, noDirectory))).toEqual(['not_applicable']);
  });

  it('is an error when the clause asks for expiry and the directory is missing', () => {
    expect(statuses(run(expiry, noDirectory, { maxAgeDays: 90 }))).toEqual(['error']);
  });
});

describe('directory-password-expiry-guidance', () => {
  it.each([
    [0, 'pass'],
    [1, 'fail'],
    [42, 'fail'],
  ])('max age %i: %s', (live, status) => {
    expect(statuses(run(expiryGuidance, withPolicy({ maxAgeDays: live })))).toEqual([status]);
  });

  it('presents forced expiry as a conflict, not a fault', () => {
    const [r] = run(expiryGuidance, withPolicy({ maxAgeDays: 42 }));
    expect(r?.reason).toMatch(/NCSC advises against; a conflict to discuss, not a fault/);
  });

  it('is an error when the directory is missing', () => {
    expect(statuses(run(expiryGuidance, noDirectory))).toEqual(['error']);
  });
});

describe('directory-password-length-cyber-essentials', () => {
  it.each([
    [8, false, 'fail'],
    [11, false, 'fail'],
    [12, false, 'pass'],
    [7, true, 'fail'],
    [8, true, 'pass'],
  ])('length %i, block-list or MFA %s: %s', (live, denyListOrMfa, status) => {
    expect(statuses(run(lengthCe, withPolicy({ minLength: live }), { denyListOrMfa }))).toEqual([status]);
  });

  it('shows the gap for a school whose own clause asks for 8', () => {
    const facts = withPolicy({ minLength: 8 });
    expect(statuses(run(minLength, facts, { minLength: 8 }))).toEqual(['pass']);
    expect(run(lengthCe, facts)[0]?.reason).toMatch(
      /Cyber Essentials asks for 12 without a recorded block-list/,
    );
  });

  it('is not applicable to a school not judged against Cyber Essentials', () => {
    const decl = declaration();
    const noCe = ctx({ ...decl, school: { ...decl.school, standards: ['dfe', 'kcsie'] } });
    expect(statuses(run(lengthCe, withPolicy({ minLength: 8 }), {}, noCe))).toEqual(['not_applicable']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(lengthCe, noDirectory))).toEqual(['error']);
  });
});
