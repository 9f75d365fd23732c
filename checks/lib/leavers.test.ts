import { describe, expect, it } from 'vitest';
import type { DirectoryAccount } from '../../devices/facts.ts';
import type { RosterPerson } from '../../inventory/facts.ts';
import { type LeaverState, matchLeavers } from './leavers.ts';

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

const accounts: DirectoryAccount[] = [
  account('ellie.marsh', { givenName: 'Ellie', surname: 'Marsh', lastLogon: '2026-07-15T08:30:00.000Z' }),
  account('liam.darcy', { givenName: 'Liam', surname: "D'Arcy", lastLogon: '2026-11-20T10:00:00.000Z' }),
  account('maelle.dupont', { givenName: 'Maëlle', surname: 'Dupont', enabled: false }),
  account('ruby.thornton', { givenName: 'Ruby', surname: 'Thornton', ou: 'leavers' }),
  account('isaac.fenwick', { givenName: 'Isaac', surname: 'Fenwick', enabled: false, ou: 'leavers' }),
  account('sam.smith', { givenName: 'Sam (Test*)', surname: 'Smith\\', enabled: false, ou: 'leavers' }),
  account('aoife.oneill', { givenName: 'Aoife', surname: "O'Neill", ou: 'staff', employeeId: 'E1001' }),
  account('twin.one', { givenName: 'Alex', surname: 'Twin' }),
  account('twin.two', { givenName: 'Alex', surname: 'Twin', enabled: false, ou: 'leavers' }),
  account('stay.put', { givenName: 'Stay', surname: 'Put' }),
  account('late.leaver', {
    givenName: 'Late',
    surname: 'Leaver',
    enabled: false,
    ou: 'leavers',
    lastLogon: '2026-07-22T16:00:00.000Z',
  }),
  // An account whose names are metacharacters: a roster "*" must not match it, nor anyone else.
  account('star', { givenName: 'Star', surname: 'Name' }),
];

let line = 1;
function person(id: string, givenName: string, surname: string, leavingDate?: string): RosterPerson {
  line++;
  const p: RosterPerson = { line, id, givenName, surname, role: 'Pupil' };
  if (leavingDate) p.leavingDate = leavingDate;
  return p;
}

/** The hostile roster: apostrophes, accents in both Unicode forms, metacharacters, NUL, wildcards. */
const roster: RosterPerson[] = [
  person('ellie.marsh@school.test', 'Ellie', 'Marsh', '2026-07-22'),
  person('LIAM.DARCY@SCHOOL.TEST', 'Liam', "D'Arcy", '2026-07-22'),
  person('', 'Mae\u0308lle', 'DUPONT', '2026-07-22'), // decomposed ë, different case: exact after NFC + case
  person('ruby.thornton@school.test', 'Ruby', 'Thornton', '2026-07-22'),
  person('isaac.fenwick@school.test', 'Isaac', 'Fenwick', '2026-07-22'),
  person('', 'Sam (Test*)', 'Smith\\', '2026-08-31'),
  person('gone@school.test', 'Poppy', 'Ashdown', '2026-07-22'),
  person('*', '*', '*', '2026-07-22'),
  person('aoife.oneill@school.test\0', 'Aoife', 'O’Neill', '2026-07-22'), // NUL in the id, typographic apostrophe
  person('nobody@school.test', 'Alex', 'Twin', '2026-07-22'),
  person('stay.put@school.test', 'Stay', 'Put'), // not a leaver
  person('stay.put@school.test', 'Stay', 'Put', '2026-12-31'), // leaves after as-of: not a leaver yet
  person('late.leaver@school.test', 'Late', 'Leaver', '2026-07-22'), // logged on the leaving day itself: fine
];

describe('matchLeavers on a hostile roster', () => {
  const report = matchLeavers(roster, accounts, { asOf: '2026-09-01', idKind: 'upn' });
  const row = (n: number) => report.leavers.find((l) => l.line === n);

  it('gives every leaver the expected state, match and accounts', () => {
    const table = report.leavers.map((l) => [
      l.line,
      l.state,
      l.matchedBy,
      l.accounts.map((a) => a.username),
    ]);
    expect(table).toEqual([
      [2, 'enabled', 'id', ['ellie.marsh']],
      [3, 'logged-on-after-leaving', 'id', ['liam.darcy']],
      [4, 'disabled', 'name', ['maelle.dupont']],
      [5, 'enabled-in-leavers-ou', 'id', ['ruby.thornton']],
      [6, 'disabled', 'id', ['isaac.fenwick']],
      [7, 'disabled', 'name', ['sam.smith']],
      [8, 'not-found', 'none', []],
      [9, 'not-found', 'none', []],
      [10, 'not-found', 'none', []],
      [11, 'enabled', 'name', ['twin.one', 'twin.two']],
      [14, 'disabled', 'id', ['late.leaver']],
    ] satisfies [number, LeaverState, string, string[]][]);
  });

  it('warns about every name-only match, ambiguity and miss', () => {
    expect(row(4)?.warnings).toEqual([
      'matched by name only: the roster row has no upn id',
      'disabled but not moved to the leavers OU',
    ]);
    expect(row(7)?.warnings).toEqual(['matched by name only: the roster row has no upn id']);
    expect(row(8)?.warnings).toEqual(['no account has upn gone@school.test or this name']);
    expect(row(11)?.warnings).toEqual([
      'upn nobody@school.test is not in the directory; matched by name only',
      '2 accounts have this name (twin.one, twin.two): all are reported',
    ]);
    expect(row(6)?.warnings).toEqual([]);
  });

  it('counts the leavers who need action', () => {
    expect(report.counts).toEqual({
      'not-found': 3,
      enabled: 2,
      'enabled-in-leavers-ou': 1,
      'logged-on-after-leaving': 1,
      disabled: 4,
    });
    expect(report.failures).toBe(4);
  });

  it('keeps recently-departed leavers within the grace period out of the failures', () => {
    const r = matchLeavers(roster, accounts, { asOf: '2026-07-25', idKind: 'upn', graceDays: 5 });
    expect(r.leavers.find((l) => l.line === 2)?.withinGrace).toBe(true);
    expect(r.leavers.some((l) => l.line === 7)).toBe(false); // leaves 31/08, after as-of
    expect(r.failures).toBe(0);
  });

  it('matches by employee number when that is the declared id', () => {
    const r = matchLeavers(
      [{ line: 2, id: 'e1001', givenName: 'X', surname: 'Y', role: 'Staff', leavingDate: '2026-07-01' }],
      accounts,
      {
        asOf: '2026-09-01',
        idKind: 'employee',
      },
    );
    expect(r.leavers[0]?.accounts.map((a) => a.username)).toEqual(['aoife.oneill']);
    expect(r.leavers[0]?.matchedBy).toBe('id');
  });

  it('uses mail for a UPN when the directory has no UPN (OpenLDAP)', () => {
    const ldap = [account('x', { upn: undefined, mail: 'x.y@school.test', givenName: 'X', surname: 'Y' })];
    const r = matchLeavers(
      [
        {
          line: 2,
          id: 'X.Y@school.test',
          givenName: 'Q',
          surname: 'R',
          role: 'Pupil',
          leavingDate: '2026-07-01',
        },
      ],
      ldap,
      {
        asOf: '2026-09-01',
        idKind: 'upn',
      },
    );
    expect(r.leavers[0]?.matchedBy).toBe('id');
  });
});
