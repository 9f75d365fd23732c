/**
 * Who is a pupil, for the reports' privacy rules: the roster's role first (a pupil who left sits in
 * the leavers OU and is still a pupil), then the declared pupil OU or group; never "staff" from an OU
 * that does not say so.
 */
import { describe, expect, it } from 'vitest';
import { accountPersonal } from './people.ts';
import { account, ctx, person, roster, schoolFacts } from '../../test/builders/fixtures.ts';

describe('accountPersonal', () => {
  it('takes the roster role over the OU: a pupil in the leavers OU is a pupil', () => {
    const leaver = account('rthornton', { ou: 'leavers', groups: [] });
    const facts = schoolFacts({ roster: roster([person('rthornton', { role: 'Pupil' })]) });
    expect(accountPersonal(leaver, ctx(), facts)).toBe('pupil');
    const staffer = account('jbloggs', { ou: 'pupils', groups: [] });
    const f2 = schoolFacts({ roster: roster([person('jbloggs', { role: 'Teacher' })]) });
    expect(accountPersonal(staffer, ctx(), f2)).toBe('staff');
  });

  it('without a roster match, uses the declared pupil OU or group, and protects the rest as other', () => {
    const none = schoolFacts({ roster: roster([]) });
    expect(accountPersonal(account('p1', { ou: 'pupils', groups: [] }), ctx(), none)).toBe('pupil');
    expect(accountPersonal(account('s1', { ou: 'staff', groups: [] }), ctx(), none)).toBe('staff');
    expect(accountPersonal(account('x1', { ou: 'leavers', groups: [] }), ctx(), none)).toBe('other');
    expect(accountPersonal(account('x2', { ou: 'other', groups: [] }))).toBe('other');
  });
});
