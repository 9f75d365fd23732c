import { describe, expect, it } from 'vitest';
import { ctx, declaration, run, schoolFacts, statuses } from '../../test/builders/fixtures.ts';
import reviewDue from './governance-policy-review-due.check.ts';

const reviewed = (date: string, months = 12) =>
  ctx({ ...declaration(), policy: { file: 'policy.yaml', reviewed: date, reviewEveryMonths: months } });

describe('governance-policy-review-due', () => {
  it.each([
    ['2025-11-25', 12, 'pass'],
    ['2025-11-24', 12, 'pass'],
    ['2025-11-23', 12, 'fail'],
    ['2019-10-01', 12, 'fail'],
    ['2024-11-24', 24, 'pass'],
  ])('reviewed %s every %i months, judged on 2026-11-24: %s', (date, months, status) => {
    expect(statuses(run(reviewDue, schoolFacts(), {}, reviewed(date, months)))).toEqual([status]);
  });

  it('says when the review was due and how long ago', () => {
    const [r] = run(reviewDue, schoolFacts(), {}, reviewed('2019-10-01'));
    expect(r?.reason).toMatch(/^The policy review was due on 2020-10-01, \d+ days ago/);
  });

  it('allows the grace the clause gives', () => {
    expect(statuses(run(reviewDue, schoolFacts(), { graceDays: 30 }, reviewed('2025-11-01')))).toEqual([
      'pass',
    ]);
  });

  it('is an error for a review date that is not a date', () => {
    expect(statuses(run(reviewDue, schoolFacts(), {}, reviewed('last summer')))).toEqual(['error']);
  });
});
