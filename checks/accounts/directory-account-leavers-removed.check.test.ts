import { describe, expect, it } from 'vitest';
import {
  account,
  accounts,
  directory,
  ok,
  run,
  schoolFacts,
  statuses,
} from '../../test/builders/fixtures.ts';
import check from './directory-account-leavers-removed.check.ts';

// The fixture's leaver (e.leaver) left on 2026-07-20; the run's date is 2026-11-24 (127 days later).
const withLeaver = (over: Parameters<typeof account>[1]) =>
  schoolFacts({
    directory: ok(
      directory({
        accounts: accounts().map((a) =>
          a.username === 'e.leaver'
            ? account('e.leaver', { ...over, ou: 'leavers', enabled: false, groups: over?.groups ?? [] })
            : a,
        ),
      }),
    ),
  });

describe('directory-account-leavers-removed', () => {
  it('is not applicable when the policy sets no period', () => {
    expect(statuses(run(check, schoolFacts()))).toEqual(['not_applicable']);
  });

  it("fails a leaver's account kept past the period and not on hold", () => {
    const r = run(check, withLeaver({}), { afterDays: 90 });
    const f = r.find((x) => x.evidence[0]?.object === 'e.leaver');
    expect(f?.status).toBe('fail');
    expect(f?.reason).toMatch(/more than 90 days after leaving/);
  });

  it('passes while the period has not run out', () => {
    const r = run(check, withLeaver({}), { afterDays: 180 });
    expect(r.find((x) => x.evidence[0]?.object === 'e.leaver')).toBeUndefined();
    expect(r.find((x) => x.evidence[0]?.object === '(recent leavers)')?.status).toBe('pass');
  });

  it('passes an account on hold by the group the school names', () => {
    const r = run(check, withLeaver({ groups: ['Legal Hold'] }), { afterDays: 90, holdGroup: 'legal hold' });
    expect(r.find((x) => x.evidence[0]?.object === 'e.leaver')).toMatchObject({ status: 'pass' });
  });

  it('passes an account on hold by the attribute the school names', () => {
    const r = run(check, withLeaver({ attributes: { extensionattribute5: ['HOLD 2026-12'] } }), {
      afterDays: 90,
      holdAttribute: 'extensionAttribute5',
    });
    expect(r.find((x) => x.evidence[0]?.object === 'e.leaver')?.status).toBe('pass');
  });

  it('passes a leaver whose account is gone', () => {
    const facts = schoolFacts({
      directory: ok(directory({ accounts: accounts().filter((a) => a.username !== 'e.leaver') })),
    });
    const r = run(check, facts, { afterDays: 90 });
    expect(statuses(r)).toEqual(['pass']);
    expect(r[0]?.evidence[0]?.object).toBe('(removed leavers)');
  });
});
