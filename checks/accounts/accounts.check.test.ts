import { describe, expect, it } from 'vitest';
import type { DirectoryAccount } from '../../devices/facts.ts';
import {
  about,
  account,
  accounts,
  ctx,
  declaration,
  directory,
  failed,
  NOW,
  ok,
  person,
  roster,
  run,
  schoolFacts,
  statuses,
} from '../../test/builders/fixtures.ts';
import aupSigned from './directory-account-aup-signed.check.ts';
import genericNames from './directory-account-generic-names.check.ts';
import guestExpires from './directory-account-guest-expires.check.ts';
import leavers from './directory-account-leavers-disabled.check.ts';
import notOnRoster from './directory-account-not-on-roster.check.ts';
import neverExpires from './directory-account-password-never-expires.check.ts';
import notRequired from './directory-account-password-not-required.check.ts';
import roleGroup from './directory-account-role-group.check.ts';
import stale from './directory-account-stale.check.ts';
import adminCount from './directory-admin-count-limit.check.ts';
import namedCount from './directory-admin-named-count.check.ts';
import noPupils from './directory-admin-no-pupils.check.ts';
import separate from './directory-admin-separate-account.check.ts';

/** The fixture directory with extra accounts, or with some replaced. */
function withAccounts(
  extra: DirectoryAccount[],
  replace: (list: DirectoryAccount[]) => DirectoryAccount[] = (l) => l,
) {
  return schoolFacts({ directory: ok(directory({ accounts: [...replace(accounts()), ...extra] })) });
}

const fails = (rs: { status: string; evidence: { object?: string }[] }[]) =>
  rs.filter((r) => r.status === 'fail').map((r) => r.evidence[0]?.object);
const daysAgo = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();
const daysAhead = (n: number) => new Date(Date.parse(NOW) + n * 86_400_000).toISOString();
const noDirectory = schoolFacts({ directory: failed('directory', 'E-TLS') });

describe('directory-account-password-never-expires', () => {
  const expiring = (accs: DirectoryAccount[]) =>
    schoolFacts({
      directory: ok(
        directory({ accounts: accs, passwordPolicy: { ...directory().passwordPolicy, maxAgeDays: 90 } }),
      ),
    });

  it('fails each enabled account exempt from expiry and summarises the rest', () => {
    const r = run(
      neverExpires,
      expiring([...accounts(), account('f.teacher', { passwordNeverExpires: true })]),
    );
    expect(fails(r)).toEqual(['f.teacher']);
    expect(r.find((x) => x.status === 'pass')?.reason).toMatch(/^7 enabled accounts/);
  });

  it('ignores disabled accounts and documented service accounts', () => {
    const r = run(
      neverExpires,
      expiring([
        account('old.staff', { enabled: false, passwordNeverExpires: true }),
        account('svc-backup', { ou: 'other', passwordNeverExpires: true }),
      ]),
      { exempt: ['SVC-BACKUP'] },
    );
    expect(statuses(r)).toEqual(['not_applicable']);
  });

  it('is not applicable when passwords never expire for anyone', () => {
    expect(
      statuses(run(neverExpires, withAccounts([account('f.teacher', { passwordNeverExpires: true })]))),
    ).toEqual(['not_applicable']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(neverExpires, noDirectory))).toEqual(['error']);
  });
});

describe('directory-account-password-not-required', () => {
  it('fails an enabled account with PASSWD_NOTREQD and marks a pupil as such', () => {
    const r = run(
      notRequired,
      withAccounts([
        account('g.pupil', { ou: 'pupils', passwordNotRequired: true, userAccountControl: 544 }),
      ]),
    );
    const bad = about(r, 'g.pupil');
    expect(bad?.status).toBe('fail');
    expect(bad?.personal).toBe('pupil');
    expect(bad?.reason).toMatch(/userAccountControl 544/);
  });

  it('passes when the flag is only on a disabled account', () => {
    const r = run(
      notRequired,
      withAccounts([account('h.old', { enabled: false, passwordNotRequired: true })]),
    );
    expect(statuses(r)).toEqual(['pass']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(notRequired, noDirectory))).toEqual(['error']);
  });
});

describe('directory-account-leavers-disabled', () => {
  it('passes a leaver who is disabled and moved', () => {
    const r = run(leavers, schoolFacts());
    expect(about(r, 'e.leaver')?.status).toBe('pass');
  });

  it.each([
    [
      'still enabled',
      { ou: 'staff' as const, enabled: true, lastLogon: '2026-07-10T08:00:00Z' },
      /still enabled/,
    ],
    [
      'disabled but not moved',
      { ou: 'staff' as const, enabled: false, lastLogon: '2026-07-10T08:00:00Z' },
      /not moved to the leavers OU/,
    ],
    [
      'used after leaving',
      { ou: 'leavers' as const, enabled: false, lastLogon: '2026-09-03T08:00:00Z' },
      /used after the leaving date/,
    ],
  ])('fails a leaver whose account is %s', (_label, over, reason) => {
    const facts = withAccounts([], (l) => l.map((a) => (a.username === 'e.leaver' ? { ...a, ...over } : a)));
    const r = about(run(leavers, facts), 'e.leaver');
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(reason);
    expect(r?.personal).toBe('staff');
  });

  it('accepts a disabled leaver outside the leavers OU when the school only disables', () => {
    const facts = withAccounts([], (l) =>
      l.map((a) => (a.username === 'e.leaver' ? { ...a, ou: 'staff' } : a)),
    );
    expect(about(run(leavers, facts, { action: 'disable' }), 'e.leaver')?.status).toBe('pass');
  });

  it.each([
    [0, 'fail'],
    [3, 'fail'],
    [4, 'pass'],
    [10, 'pass'],
  ])('leaving 4 days ago with an enabled account and %i grace days: %s', (grace, status) => {
    const left = NOW.slice(0, 10).replace(/24$/, '20');
    const facts = schoolFacts({
      directory: ok(
        directory({ accounts: [...accounts(), account('f.recent', { lastLogon: `${left}T08:00:00Z` })] }),
      ),
      roster: roster([...roster().people, person('f.recent', { leavingDate: left })]),
    });
    const r = run(leavers, facts, { graceDays: grace });
    expect(
      about(r, 'f.recent')?.status ??
        (r.some((x) => /within the \d+-day grace/.test(x.reason) && /^1 leaver/.test(x.reason))
          ? 'pass'
          : 'missing'),
    ).toBe(status);
  });

  it('counts a working-day grace period in working days: Friday before a bank holiday Monday, judged on Tuesday', () => {
    // Left Friday 22 May 2026; Monday 25 May is the spring bank holiday (England and Wales).
    const facts = schoolFacts({
      directory: ok(directory({ accounts: [...accounts(), account('f.recent')] })),
      roster: roster([...roster().people, person('f.recent', { leavingDate: '2026-05-22' })]),
    });
    const on = (day: string) => ctx(declaration(), `${day}T02:00:00Z`);
    const working = run(leavers, facts, { graceDays: 1, graceUnit: 'working-days' }, on('2026-05-26'));
    expect(about(working, 'f.recent')).toBeUndefined();
    expect(working.some((x) => /^1 leaver within the 1-working-day grace period/.test(x.reason))).toBe(true);
    // The same day counted in calendar days is past the grace period; and so is Wednesday in working days.
    expect(about(run(leavers, facts, { graceDays: 1 }, on('2026-05-26')), 'f.recent')?.status).toBe('fail');
    expect(
      about(run(leavers, facts, { graceDays: 1, graceUnit: 'working-days' }, on('2026-05-27')), 'f.recent')
        ?.status,
    ).toBe('fail');
  });

  it('is an error when the roster was not read', () => {
    const r = run(leavers, schoolFacts({ roster: null }));
    expect(statuses(r)).toEqual(['error']);
    expect(r[0]?.reason).toMatch(/roster\.csv/);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(leavers, noDirectory))).toEqual(['error']);
  });

  it('fails a leaver it cannot match, saying why and what to do (never "not found, fine")', () => {
    const facts = schoolFacts({
      roster: roster([
        ...roster().people,
        person('gone', { leavingDate: '2026-07-20', givenName: 'Poppy', surname: 'Ashdown' }),
      ]),
    });
    const r = run(leavers, facts).find((x) => x.evidence[0]?.object === 'roster.csv:7');
    expect(r?.status).toBe('fail');
    expect(r?.reason).toBe(
      'Roster line 7 (left 2026-07-20) is matched to no account: no account holds userPrincipalName gone@oakfield.example.org, and none unambiguously has this name. Find the account by hand and write the MIS id to its userPrincipalName; if the account was deleted, remove the row from the roster export.',
    );
  });

  it('judges the good rows and makes each unreadable row an error naming its line', () => {
    const facts = schoolFacts({
      roster: {
        ...roster(),
        problems: ['roster.csv:9: Date of Leaving: 07/22/2026 is not a dd/mm/yyyy date'],
      },
    });
    const r = run(leavers, facts);
    expect(about(r, 'e.leaver')?.status).toBe('pass');
    const bad = r.filter((x) => x.status === 'error');
    expect(bad.map((x) => [x.evidence[0]?.object, x.reason])).toEqual([
      [
        'roster.csv:9',
        'Roster row roster.csv:9: Date of Leaving: 07/22/2026 is not a dd/mm/yyyy date. It was not checked: correct the MIS export and check again.',
      ],
    ]);
    // A check that needs every row refuses a roster with bad rows, rather than silently skip people.
    expect(statuses(run(notOnRoster, facts))).toEqual(['error']);
  });
});

describe('directory-account-stale', () => {
  it.each([
    [89, 'pass'],
    [90, 'pass'],
    [91, 'fail'],
  ])('last sign-in %i days ago with a 90-day limit: %s', (days, status) => {
    const r = run(stale, withAccounts([account('i.idle', { lastLogon: daysAgo(days) })]));
    expect(about(r, 'i.idle')?.status ?? 'pass').toBe(status);
  });

  it('flags an old account that never signed in, not a new starter', () => {
    const r = run(
      stale,
      withAccounts([
        account('j.never', { lastLogon: undefined, created: daysAgo(200) }),
        account('k.new', { lastLogon: undefined, created: daysAgo(3) }),
      ]),
    );
    expect(fails(r)).toEqual(['j.never']);
  });

  it("takes the limit from the clause, then the declaration's lifecycle", () => {
    const facts = withAccounts([account('i.idle', { lastLogon: daysAgo(40) })]);
    expect(about(run(stale, facts, { staleAfterDays: 30 }), 'i.idle')?.status).toBe('fail');
    const decl = declaration();
    const short = { ...decl, lifecycle: { ...decl.lifecycle!, staleAfterDays: 35 } };
    expect(about(run(stale, facts, {}, ctx(short)), 'i.idle')?.status).toBe('fail');
  });

  it('never flags the declared break-glass account', () => {
    expect(fails(run(stale, schoolFacts()))).toEqual([]);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(stale, noDirectory))).toEqual(['error']);
  });
});

describe('directory-account-guest-expires', () => {
  it.each([
    [undefined, 'fail'],
    [daysAhead(6), 'pass'],
    [daysAhead(30), 'pass'],
    [daysAhead(45), 'fail'],
  ])('guest expiring %s: %s', (expires, status) => {
    const r = run(
      guestExpires,
      withAccounts([account('visitor1', { ou: 'other', accountExpires: expires })]),
    );
    expect(about(r, 'visitor1')?.status).toBe(status);
  });

  it('uses the clause limit', () => {
    const r = run(
      guestExpires,
      withAccounts([account('guest-07', { ou: 'other', accountExpires: daysAhead(10) })]),
      { maxDays: 7 },
    );
    expect(statuses(r)).toEqual(['fail']);
  });

  it('passes when there are no enabled guest accounts (the built-in Guest is disabled)', () => {
    const r = run(guestExpires, withAccounts([account('Guest', { ou: 'other', enabled: false })]));
    expect(statuses(r)).toEqual(['pass']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(guestExpires, noDirectory))).toEqual(['error']);
  });
});

describe('directory-account-generic-names', () => {
  it.each(['class3', 'year6', 'office', 'reception', 'ict', 'student1', 'nursery2', 'admin'])(
    'flags %s',
    (name) => {
      expect(fails(run(genericNames, withAccounts([account(name)])))).toEqual([name]);
    },
  );

  it.each(['a.teacher', 'jo.classon', 'office.manager.smith'])('accepts the named account %s', (name) => {
    expect(fails(run(genericNames, withAccounts([account(name)])))).toEqual([]);
  });

  it("allows what the school's policy allows (nursery class logins)", () => {
    expect(
      fails(
        run(genericNames, withAccounts([account('nursery1'), account('class1')]), { allow: ['^nursery'] }),
      ),
    ).toEqual(['class1']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(genericNames, noDirectory))).toEqual(['error']);
  });
});

describe('directory-account-not-on-roster', () => {
  it('fails an enabled staff account that matches nobody, not admin or leaver accounts', () => {
    const r = run(notOnRoster, withAccounts([account('z.unknown')]));
    expect(fails(r)).toEqual(['z.unknown']);
    expect(about(r, 'z.unknown')?.reason).toMatch(/matches nobody on the roster roster\.csv/);
  });

  it('matches on e-mail where the UPN differs (UPN and mail stand in for each other)', () => {
    const r = run(
      notOnRoster,
      withAccounts(
        [account('m.alias', { upn: 'm.alias@oakfield.local', mail: 'm.alias@oakfield.example.org' })],
        (l) => l,
      ),
    );
    expect(fails(r)).toEqual(['m.alias']);
    const withPerson = schoolFacts({
      directory: ok(
        directory({
          accounts: [
            ...accounts(),
            account('m.alias', { upn: 'm.alias@oakfield.local', mail: 'm.alias@oakfield.example.org' }),
          ],
        }),
      ),
      roster: roster([...roster().people, person('m.alias')]),
    });
    expect(fails(run(notOnRoster, withPerson))).toEqual([]);
  });

  it('skips disabled accounts and allowed service accounts', () => {
    const r = run(notOnRoster, withAccounts([account('z.gone', { enabled: false }), account('svc-print')]), {
      allow: ['^svc-'],
    });
    expect(fails(r)).toEqual([]);
  });

  it('is an error when the roster is missing, not a wall of failures', () => {
    expect(statuses(run(notOnRoster, schoolFacts({ roster: null })))).toEqual(['error']);
  });
});

describe('directory-account-aup-signed', () => {
  it('fails an enabled person with no agreement recorded', () => {
    const facts = schoolFacts({
      roster: roster(
        roster().people.map((p) => (p.id.startsWith('c.pupil') ? { ...p, aupSigned: undefined } : p)),
      ),
    });
    const r = run(aupSigned, facts);
    expect(fails(r)).toEqual(['c.pupil']);
    expect(about(r, 'c.pupil')?.personal).toBe('pupil');
  });

  it('accepts the agreement date held on the account instead', () => {
    const facts = schoolFacts({
      directory: ok(
        directory({
          accounts: accounts().map((a) => (a.username === 'c.pupil' ? { ...a, aupSigned: '2025-09-03' } : a)),
        }),
      ),
      roster: roster(roster().people.map((p) => ({ ...p, aupSigned: undefined }))),
    });
    expect(fails(run(aupSigned, facts))).toEqual(['a.teacher', 'b.bursar', 'd.pupil']);
  });

  it('is not applicable when the declaration does not require an agreement', () => {
    const decl = declaration();
    expect(
      statuses(
        run(
          aupSigned,
          schoolFacts(),
          {},
          ctx({ ...decl, lifecycle: { ...decl.lifecycle!, requireAup: false } }),
        ),
      ),
    ).toEqual(['not_applicable']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(aupSigned, noDirectory))).toEqual(['error']);
  });
});

describe('directory-account-role-group', () => {
  it('fails a pupil in the staff group and a teacher missing the staff group', () => {
    const r = run(
      roleGroup,
      withAccounts([], (l) =>
        l.map((a) =>
          a.username === 'c.pupil'
            ? { ...a, groups: ['Pupils', 'Staff'] }
            : a.username === 'a.teacher'
              ? { ...a, groups: ['Office'] }
              : a,
        ),
      ),
    );
    expect(fails(r)).toEqual(['a.teacher', 'c.pupil']);
    expect(about(r, 'c.pupil')?.reason).toMatch(/also in Staff/);
  });

  it('matches groups declared as DNs', () => {
    const decl = declaration();
    const dnDecl = {
      ...decl,
      directory: {
        ...decl.directory!,
        roleGroups: { staff: 'CN=Staff,OU=Groups,DC=x', pupils: 'CN=Pupils,OU=Groups,DC=x' },
      },
    };
    expect(fails(run(roleGroup, schoolFacts(), {}, ctx(dnDecl)))).toEqual([]);
  });

  it('is not applicable without declared role groups', () => {
    const decl = declaration();
    const none = { ...decl, directory: { ...decl.directory!, roleGroups: undefined } };
    expect(statuses(run(roleGroup, schoolFacts(), {}, ctx(none)))).toEqual(['not_applicable']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(roleGroup, noDirectory))).toEqual(['error']);
  });
});

describe('directory-admin-named-count', () => {
  const admins = (names: string[]) => (l: DirectoryAccount[]) =>
    l.map((a) =>
      a.isAdmin && a.username !== 'breakglass' && !names.includes(a.username) ? { ...a, enabled: false } : a,
    );

  it.each([
    [['adm.tech1', 'adm.tech2'], 2, 'pass'],
    [['adm.tech1'], 2, 'fail'],
    [['adm.tech1'], 1, 'pass'],
  ])('named admins %o with at least %i required: %s', (names, min, status) => {
    const r = run(namedCount, withAccounts([], admins(names)), { minNamedAdmins: min });
    expect(about(r, 'named administrators')?.status).toBe(status);
  });

  it('does not count the built-in Administrator or the break-glass account as named', () => {
    const r = run(
      namedCount,
      withAccounts([account('Administrator', { ou: 'other', isAdmin: true })], admins(['adm.tech1'])),
    );
    expect(about(r, 'named administrators')?.evidence[0]?.actual).toBe('1');
  });

  it('finds admins through the declared admin groups as well as the flag', () => {
    const facts = schoolFacts({
      directory: ok(directory({ accounts: accounts().map((a) => ({ ...a, isAdmin: false })) })),
    });
    expect(statuses(run(namedCount, facts))).toEqual(['pass', 'pass']);
  });

  it('fails when the emergency account is missing or disabled', () => {
    const r = run(
      namedCount,
      withAccounts([], (l) => l.map((a) => (a.username === 'breakglass' ? { ...a, enabled: false } : a))),
    );
    expect(about(r, 'emergency admin account')?.status).toBe('fail');
    const decl = declaration();
    const undeclared = { ...decl, directory: { ...decl.directory!, breakGlassAccounts: [] } };
    expect(
      about(run(namedCount, schoolFacts(), {}, ctx(undeclared)), 'emergency admin account')?.reason,
    ).toMatch(/No emergency/);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(namedCount, noDirectory))).toEqual(['error']);
  });
});

describe('directory-admin-separate-account', () => {
  it('fails an everyday staff account with admin rights and says why', () => {
    const r = run(
      separate,
      withAccounts([], (l) => l.map((a) => (a.username === 'a.teacher' ? { ...a, isAdmin: true } : a))),
    );
    expect(fails(r)).toEqual(['a.teacher']);
    expect(about(r, 'a.teacher')?.reason).toMatch(
      /sits in the staff OU, is in an everyday role group, has a mailbox/,
    );
  });

  it('fails an admin account with a mailbox unless the school turns that off', () => {
    const facts = withAccounts([], (l) =>
      l.map((a) => (a.username === 'adm.tech1' ? { ...a, mail: 'tess@oakfield.example.org' } : a)),
    );
    expect(fails(run(separate, facts))).toEqual(['adm.tech1']);
    expect(fails(run(separate, facts, { flagMailbox: false }))).toEqual([]);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(separate, noDirectory))).toEqual(['error']);
  });
});

describe('directory-admin-count-limit', () => {
  it.each([
    [3, 3, 'pass'],
    [3, 2, 'fail'],
    [3, 5, 'pass'],
  ])('%i admins with at most %i: %s', (_n, max, status) => {
    expect(statuses(run(adminCount, schoolFacts(), { maxAdmins: max }))).toEqual([status]);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(adminCount, noDirectory))).toEqual(['error']);
  });
});

describe('directory-admin-no-pupils', () => {
  it('fails a pupil with admin rights, even when disabled', () => {
    const r = run(
      noPupils,
      withAccounts([account('p.admin', { ou: 'pupils', isAdmin: true, enabled: false })]),
    );
    expect(fails(r)).toEqual(['p.admin']);
    expect(about(r, 'p.admin')?.personal).toBe('pupil');
  });

  it('finds a pupil by role group outside the pupils OU', () => {
    const r = run(
      noPupils,
      withAccounts([account('p.moved', { ou: 'other', groups: ['Pupils', 'Domain Admins'], isAdmin: true })]),
    );
    expect(fails(r)).toEqual(['p.moved']);
  });

  it('passes the fixture school', () => {
    expect(statuses(run(noPupils, schoolFacts()))).toEqual(['pass']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(noPupils, noDirectory))).toEqual(['error']);
  });
});
