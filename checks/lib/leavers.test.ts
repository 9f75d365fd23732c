/**
 * The leavers matcher, as tables: each case is a roster and a directory as a school would have them, and
 * the exact answer per leaver ([line, state, matchedBy, accounts]). The rule under every case: no leaver
 * comes out looking safe unless exactly one account is theirs and it is switched off.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DirectoryAccount } from '../../devices/facts.ts';
import type { RosterPerson } from '../../inventory/facts.ts';
import {
  isFailing,
  type LeaverState,
  type LeaversReport,
  leaversRelevance,
  matchLeavers,
} from './leavers.ts';
import { bareKeyOf, bareNameKey, nameKey } from './names.ts';

function account(username: string, over: Partial<DirectoryAccount> = {}): DirectoryAccount {
  return {
    dn: `CN=${username},OU=Pupils,DC=school,DC=test`,
    username,
    upn: `${username}@school.test`,
    mail: `${username}@school.test`,
    ou: 'pupils',
    enabled: true,
    passwordNeverExpires: false,
    passwordNotRequired: false,
    locked: false,
    groups: [],
    isAdmin: false,
    ...over,
  };
}

function leaver(
  line: number,
  id: string,
  givenName: string,
  surname: string,
  over: Partial<RosterPerson> = {},
) {
  return { line, id, givenName, surname, role: 'Pupil', leavingDate: '2026-07-22', ...over } as RosterPerson;
}

const AS_OF = '2026-09-01';
type Row = [number, LeaverState, string, string[]];

function table(r: LeaversReport): Row[] {
  return r.leavers.map((l) => [l.line, l.state, l.matchedBy, l.accounts.map((a) => a.username)]);
}

function run(people: RosterPerson[], accounts: DirectoryAccount[], idAttribute = 'employeeNumber') {
  return matchLeavers(people, accounts, { asOf: AS_OF, idAttribute });
}

describe('names compare as people write them', () => {
  it.each([
    ['typographic apostrophe (U+2019)', 'D\u2019Arcy', "D'Arcy"],
    ['left quote as apostrophe (U+2018)', 'D\u2018Arcy', "D'Arcy"],
    ['modifier letter apostrophe (U+02BC)', 'D\u02bcArcy', "D'Arcy"],
    ['straight apostrophe on the roster, typographic in the directory', "D'Arcy", 'D\u2019Arcy'],
    ['NFD on the roster, NFC in the directory', 'Dupont-Mae\u0308lle', 'Dupont-Ma\u00eblle'],
    ['en dash for a hyphen', 'Smith\u2013Jones', 'Smith-Jones'],
    ['extra and no-break spaces, other case', '  van\u00a0der   BERG ', 'van der Berg'],
    ['sharp s against SS', 'STRASSE', 'Straße'],
  ])('%s', (_what, roster, directory) => {
    expect(nameKey(roster)).toBe(nameKey(directory));
    const r = run(
      [leaver(2, '', 'Liam', roster)],
      [account('liam', { givenName: 'Liam', surname: directory })],
    );
    expect(table(r)).toEqual([[2, 'enabled', 'name', ['liam']]]);
  });

  it('the weaker key made from the exact one is the weaker key of the name, for any text', () => {
    const names = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 16 }),
      fc.string({ unit: 'binary', maxLength: 16 }),
      fc.constantFrom(
        'Maëlle',
        'Ma\u0065\u0308lle',
        'Ｎúñez',
        'STRASSE',
        'Straße',
        ' van\u00a0der BERG ',
        'D\u2019Arcy',
      ),
    );
    fc.assert(
      fc.property(names, (s) => {
        expect(bareKeyOf(nameKey(s))).toBe(bareNameKey(s));
      }),
    );
  });

  it('accents typed on one side only still match, as a weaker key, with a warning', () => {
    expect(nameKey('Maëlle')).not.toBe(nameKey('Maelle'));
    expect(bareNameKey('Maëlle')).toBe(bareNameKey('Maelle'));
    const r = run(
      [leaver(2, '', 'Maelle', 'Dupont')],
      [account('maelle.dupont', { givenName: 'Maëlle', surname: 'Dupont', enabled: false })],
    );
    expect(table(r)).toEqual([[2, 'disabled', 'name', ['maelle.dupont']]]);
    expect(r.leavers[0]?.warnings[0]).toMatch(/^matched by name \(ignoring accents\) only/);
  });

  it('a different letter is a different name, and wildcards match nobody', () => {
    const r = run(
      [leaver(2, '', 'Aoife', "O'Neil"), leaver(3, '*', '*', '*')],
      [
        account('aoife', { givenName: 'Aoife', surname: "O'Neill" }),
        account('star', { givenName: '*', surname: 'x' }),
      ],
    );
    expect(table(r)).toEqual([
      [2, 'unmatched', 'none', []],
      [3, 'unmatched', 'none', []],
    ]);
  });
});

describe('the MIS id comes first', () => {
  const staff = account('aoife.oneill', {
    givenName: 'Aoife',
    surname: "O'Neill",
    ou: 'staff',
    employeeId: 'E1001',
  });

  it('matches the id in the declared attribute, case and spaces aside, whatever the name says', () => {
    const r = run([leaver(2, ' e1001 ', 'Somebody', 'Else', { role: 'Staff' })], [staff]);
    expect(table(r)).toEqual([[2, 'enabled', 'id', ['aoife.oneill']]]);
  });

  it('an id with no name is enough', () => {
    const r = run([leaver(2, 'E1001', '', '')], [staff]);
    expect(table(r)).toEqual([[2, 'enabled', 'id', ['aoife.oneill']]]);
  });

  it('reads any declared attribute, as the collector returns it', () => {
    const a = account('x', { attributes: { extensionattribute1: ['A123456789012'] } });
    expect(table(run([leaver(2, 'A123456789012', 'Q', 'R')], [a], 'extensionAttribute1'))).toEqual([
      [2, 'enabled', 'id', ['x']],
    ]);
  });

  it('an id known under another attribute is reported as such, not matched silently', () => {
    // The school declared extensionAttribute1, but the ids were written to employeeID.
    const a = account('ruby.t', {
      givenName: 'Ruby',
      surname: 'Thornton',
      employeeId: 'P777',
      attributes: { extensionattribute1: [] },
    });
    const r = run([leaver(2, 'P777', 'Rubie', 'Thornton')], [a], 'extensionAttribute1');
    expect(table(r)).toEqual([[2, 'unmatched', 'none', ['ruby.t']]]);
    expect(r.leavers[0]?.reason).toBe(
      'no account holds extensionAttribute1 P777, and none unambiguously has this name. P777 is held in employeeID/employeeNumber of ruby.t, not in extensionAttribute1.',
    );
    expect(r.leavers[0]?.action).toMatch(/^Declare lifecycle\.roster\.columns\.directoryAttribute/);
    expect(isFailing(r.leavers[0]!)).toBe(true);
  });

  it('an account holding another id is someone else, even with the same name', () => {
    const r = run(
      [leaver(2, 'P1', 'Alex', 'Twin')],
      [account('alex.twin', { givenName: 'Alex', surname: 'Twin', employeeId: 'P2' })],
    );
    expect(table(r)).toEqual([[2, 'unmatched', 'none', []]]);
  });

  it('a duplicate id on the roster is ambiguous for both rows', () => {
    const r = run(
      [leaver(2, 'P1', 'Ann', 'One'), leaver(3, 'p1', 'Bea', 'Two')],
      [account('ann', { employeeId: 'P1' })],
    );
    expect(table(r)).toEqual([
      [2, 'ambiguous', 'none', ['ann']],
      [3, 'ambiguous', 'none', ['ann']],
    ]);
    expect(r.leavers[0]?.reason).toBe('roster lines 2, 3 all give employeeNumber P1.');
  });

  it('a duplicate id in the directory is ambiguous, with both candidates', () => {
    const r = run(
      [leaver(2, 'P1', 'Ann', 'One')],
      [account('ann', { employeeId: 'P1', enabled: false }), account('ann2', { employeeId: 'P1' })],
    );
    expect(table(r)).toEqual([[2, 'ambiguous', 'none', ['ann', 'ann2']]]);
    expect(r.leavers[0]?.reason).toBe('2 accounts answer to employeeNumber P1: ann, ann2.');
  });

  it('the account column matches by username, UPN or mail when no id does', () => {
    const ldap = account('x', { upn: undefined, mail: 'x.y@school.test' });
    const r = run(
      [
        leaver(2, 'NOT-THERE', 'Q', 'R', { account: 'X.Y@school.test' }),
        leaver(3, '', 'S', 'T', { account: 'ann' }),
      ],
      [ldap, account('ann', { enabled: false, ou: 'leavers' })],
    );
    expect(table(r)).toEqual([
      [2, 'enabled', 'account', ['x']],
      [3, 'disabled', 'account', ['ann']],
    ]);
  });
});

describe('two people with the same name in the same year, one a leaver', () => {
  const twins = () => [
    account('alex.twin1', { givenName: 'Alex', surname: 'Twin' }),
    account('alex.twin2', { givenName: 'Alex', surname: 'Twin', enabled: false, ou: 'leavers' }),
  ];
  const stayer = (id: string): RosterPerson => ({
    line: 3,
    id,
    givenName: 'Alex',
    surname: 'Twin',
    role: 'Pupil',
  });

  it('with no ids in the directory: ambiguous, never both accounts to one person', () => {
    const r = run([leaver(2, 'P1', 'Alex', 'Twin'), stayer('P2')], twins());
    expect(table(r)).toEqual([[2, 'ambiguous', 'none', ['alex.twin1', 'alex.twin2']]]);
    expect(r.leavers[0]?.reason).toBe(
      'roster lines 2, 3 have this name and 2 accounts (alex.twin1, alex.twin2) could be theirs.',
    );
    expect(r.failures).toBe(1);
  });

  it("with one account and the stayer not matched by id: ambiguous (it may be the stayer's)", () => {
    const r = run([leaver(2, '', 'Alex', 'Twin'), stayer('')], [twins()[1]!]);
    expect(table(r)).toEqual([[2, 'ambiguous', 'none', ['alex.twin2']]]);
  });

  it("with the stayer's id on their account: the leaver gets the other account by name", () => {
    const [one, two] = twins();
    one!.employeeId = 'P2';
    const r = run([leaver(2, 'P1', 'Alex', 'Twin'), stayer('P2')], [one!, two!]);
    expect(table(r)).toEqual([[2, 'disabled', 'name', ['alex.twin2']]]);
  });

  it('with both ids written: each matched by id, so the enabled one is not hidden', () => {
    const [one, two] = twins();
    one!.employeeId = 'P1';
    two!.employeeId = 'P2';
    const r = run([leaver(2, 'P1', 'Alex', 'Twin'), stayer('P2')], [one!, two!]);
    expect(table(r)).toEqual([[2, 'enabled', 'id', ['alex.twin1']]]);
    expect(r.failures).toBe(1);
  });

  it('two leavers of one name and one account: both ambiguous', () => {
    const r = run([leaver(2, '', 'Alex', 'Twin'), leaver(3, '', 'Alex', 'Twin')], [twins()[0]!]);
    expect(table(r)).toEqual([
      [2, 'ambiguous', 'none', ['alex.twin1']],
      [3, 'ambiguous', 'none', ['alex.twin1']],
    ]);
  });
});

describe('fail safe', () => {
  const accounts = [
    account('ellie.marsh', {
      givenName: 'Ellie',
      surname: 'Marsh',
      employeeId: 'P100',
      lastLogon: '2026-07-15T08:30:00.000Z',
    }),
    account('liam.darcy', { givenName: 'Liam', surname: "D'Arcy", lastLogon: '2026-11-20T10:00:00.000Z' }),
    account('ruby.thornton', { givenName: 'Ruby', surname: 'Thornton', ou: 'leavers', employeeId: 'P102' }),
    account('isaac.fenwick', {
      givenName: 'Isaac',
      surname: 'Fenwick',
      enabled: false,
      ou: 'leavers',
      employeeId: 'P103',
    }),
    account('late.leaver', {
      givenName: 'Late',
      surname: 'Leaver',
      enabled: false,
      ou: 'leavers',
      employeeId: 'P104',
      lastLogon: '2026-07-22T16:00:00.000Z',
    }),
  ];
  const roster: RosterPerson[] = [
    leaver(2, 'P100', 'Ellie', 'Marsh'),
    leaver(3, '', 'Liam', 'D\u2019Arcy'), // the case from the issue: found despite the apostrophe
    leaver(4, 'P102', 'Ruby', 'Thornton'),
    leaver(5, 'P103', 'Isaac', 'Fenwick'),
    leaver(6, 'P999', 'Poppy', 'Ashdown'), // account deleted long ago
    leaver(7, 'P1\u0000*)(uid=*', 'Eve', 'Nobody'),
    leaver(8, 'P104', 'Late', 'Leaver'), // logged on the leaving day itself: fine
    { line: 9, id: 'P200', givenName: 'Stay', surname: 'Put', role: 'Pupil' },
    leaver(10, 'P201', 'Not', 'Yet', { leavingDate: '2026-12-31' }),
  ];
  const r = run(roster, accounts);

  it('gives every leaver an exact state; unmatched is a failure, never "not found"', () => {
    expect(table(r)).toEqual([
      [2, 'enabled', 'id', ['ellie.marsh']],
      [3, 'logged-on-after-leaving', 'name', ['liam.darcy']],
      [4, 'enabled-in-leavers-ou', 'id', ['ruby.thornton']],
      [5, 'disabled', 'id', ['isaac.fenwick']],
      [6, 'unmatched', 'none', []],
      [7, 'unmatched', 'none', []],
      [8, 'disabled', 'id', ['late.leaver']],
    ] satisfies Row[]);
    expect(r.counts).toEqual({
      unmatched: 2,
      ambiguous: 0,
      enabled: 1,
      'enabled-in-leavers-ou': 1,
      'logged-on-after-leaving': 1,
      disabled: 2,
    });
    expect(r.failures).toBe(5);
  });

  it('says why and what to do, with control characters shown escaped', () => {
    const row = (n: number) => r.leavers.find((l) => l.line === n);
    expect(row(6)?.reason).toBe(
      'no account holds employeeNumber P999, and none unambiguously has this name.',
    );
    expect(row(6)?.action).toMatch(
      /write the MIS id to its employeeNumber; if the account was deleted, remove the row/,
    );
    expect(row(7)?.reason).toContain('P1\\u0000*)(uid=*');
    expect(row(3)?.warnings).toEqual([
      'matched by name only: the roster row has no MIS id; write the id to employeeNumber on liam.darcy',
    ]);
  });

  it('where the school moves leavers, a disabled account left outside the leavers OU fails', () => {
    const people = [leaver(2, 'P1', 'Ann', 'One'), leaver(3, 'P2', 'Bea', 'Two')];
    const accs = [
      account('ann', { employeeId: 'P1', enabled: false, ou: 'pupils' }),
      account('bea', { employeeId: 'P2', enabled: false, ou: 'leavers' }),
    ];
    const moved = matchLeavers(people, accs, {
      asOf: AS_OF,
      idAttribute: 'employeeNumber',
      action: 'disable-and-move',
    });
    expect(moved.leavers.map((l) => [l.line, l.state, l.failing])).toEqual([
      [2, 'disabled', true],
      [3, 'disabled', false],
    ]);
    expect(run(people, accs).failures).toBe(0); // disable only
  });

  it('keeps recent leavers within the grace period out of the failures, but never an unmatched one', () => {
    const g = matchLeavers(roster, accounts, {
      asOf: '2026-07-25',
      idAttribute: 'employeeNumber',
      graceDays: 5,
    });
    expect(g.leavers.find((l) => l.line === 2)?.withinGrace).toBe(true);
    expect(g.leavers.filter(isFailing).map((l) => l.line)).toEqual([6, 7]);
  });
});

describe('the accounts `schoolnet leavers` keeps while the dump streams past (leaversRelevance)', () => {
  // Small pools, so ids, names, usernames and mail collide across the roster and the directory.
  const given = fc.constantFrom('Ann', 'ann ', 'Zoë', 'Zoe', 'Bea', 'Siân');
  const surname = fc.constantFrom('One', 'ONE', "D'Arcy", 'D\u2019Arcy', 'Two', 'Núñez');
  const id = fc.constantFrom('', 'P1', 'p1 ', 'P2', 'P3', '\uff30\uff14');
  const user = fc.constantFrom('ann', 'bea', 'zoe', 'p1', 'P2', 'x');
  const person = fc.record({
    id,
    account: fc.option(
      fc.oneof(
        user,
        user.map((u) => `${u}@school.test`),
      ),
      { nil: undefined },
    ),
    givenName: given,
    surname,
    leavingDate: fc.option(fc.constantFrom('2026-07-22', '2026-12-01'), { nil: undefined }),
  });
  const dirAccount = fc.record({
    username: user,
    employeeId: fc.option(id, { nil: undefined }),
    mail: fc.option(
      user.map((u) => `${u}@school.test`),
      { nil: undefined },
    ),
    givenName: fc.option(given, { nil: undefined }),
    surname: fc.option(surname, { nil: undefined }),
    other: fc.option(id, { nil: undefined }),
    enabled: fc.boolean(),
    lastLogon: fc.option(fc.constantFrom('2026-07-01T08:00:00.000Z', '2026-08-01T08:00:00.000Z'), {
      nil: undefined,
    }),
  });

  it('matchLeavers over the kept accounts gives the same report as over them all', () => {
    fc.assert(
      fc.property(
        fc.array(person, { maxLength: 8 }),
        fc.array(dirAccount, { maxLength: 14 }),
        fc.constantFrom('employeeNumber', 'employeeID', 'mail', 'extensionAttribute1'),
        (ps, as, idAttribute) => {
          const people = ps.map((p, i) => ({ line: i + 2, role: 'Pupil', ...p }) as RosterPerson);
          const accounts = as.map(({ other, ...a }, i) =>
            account(`${a.username}${i}`, {
              ...a,
              username: a.username,
              upn: undefined,
              ...(other !== undefined ? { attributes: { extensionattribute1: [other] } } : {}),
            }),
          );
          const keep = leaversRelevance(people);
          const opts = { asOf: AS_OF, idAttribute };
          expect(matchLeavers(people, accounts.filter(keep), opts)).toEqual(
            matchLeavers(people, accounts, opts),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps the few that meet the roster out of many', () => {
    const people = [leaver(2, 'P1', 'Ann', 'One'), leaver(3, '', 'Bea', 'Two', { account: 'cat' })];
    const accs = [
      account('ann1', { employeeId: 'P1' }),
      account('bea', { givenName: 'Bea', surname: 'Two' }),
      account('cat'),
      ...Array.from({ length: 100 }, (_, i) => account(`other${i}`, { givenName: 'Dee', surname: 'Four' })),
    ];
    expect(accs.filter(leaversRelevance(people)).map((a) => a.username)).toEqual(['ann1', 'bea', 'cat']);
  });
});
