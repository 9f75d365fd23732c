/**
 * Per-user licences against the directory's users, per-device ones against installs, titles matched
 * after normalisation and shown as the register spells them, and unlimited seats labelled by why.
 */
import { describe, expect, it } from 'vitest';
import type { DirectoryAccount } from '../../devices/facts.ts';
import type { LicenceRecord, RegisterFacts } from '../facts.ts';
import { reconcileLicences } from './licences.ts';
import { titleKey } from './parse.ts';

const now = '2026-11-24T02:00:00Z';
const account = (
  username: string,
  groups: string[],
  o: Partial<DirectoryAccount> = {},
): DirectoryAccount => ({
  dn: `CN=${username},OU=Staff,DC=school,DC=example`,
  username,
  ou: 'staff',
  enabled: true,
  passwordNeverExpires: false,
  passwordNotRequired: false,
  locked: false,
  groups,
  isAdmin: false,
  ...o,
});
const register = (licences: LicenceRecord[], installs: RegisterFacts['installs'] = []): RegisterFacts => ({
  assets: [],
  software: [],
  licences,
  installs,
});

describe('per-user licences against directory users', () => {
  const accounts = [
    account('t.one', ['Lic-Adobe-CC', 'Staff']),
    account('t.two', ['lic-adobe-cc']),
    account('t.three', ['Lic-Adobe-CC']),
    account('gone.leaver', ['Lic-Adobe-CC'], { ou: 'leavers', enabled: false }),
    account('moved.leaver', ['Lic-Adobe-CC'], { ou: 'leavers' }),
    account('disabled.staff', ['Lic-Adobe-CC'], { enabled: false }),
    account('no.licence', ['Staff']),
  ];
  const adobe: LicenceRecord = {
    title: 'Adobe Creative Cloud',
    kind: 'per-user',
    seats: 2,
    assignedGroup: 'Lic-Adobe-CC',
  };

  it('counts enabled members of the assigned group, not installs: over-assigned, leavers named', () => {
    const [p, ...rest] = reconcileLicences(
      register([adobe], [{ title: 'Adobe Creative Cloud', installs: 40 }]),
      { now, expiryWarningDays: 60, users: { ok: true, accounts } },
    ).positions;
    expect(rest).toEqual([]); // the 40 installs are not a second, per-device position
    expect(p).toMatchObject({ basis: 'users', seats: 2, status: 'over-deployed' });
    expect(p?.users).toMatchObject({
      groups: ['Lic-Adobe-CC'],
      holders: 3,
      leavers: ['disabled.staff', 'gone.leaver', 'moved.leaver'],
      missingGroups: [],
    });
  });

  it('unused seats when fewer hold them; a group the directory lacks is named', () => {
    const [p] = reconcileLicences(
      register([
        { ...adobe, seats: 5 },
        { ...adobe, seats: 1, assignedGroup: 'Lic-Adobe-Extra' },
      ]),
      { now, expiryWarningDays: 60, users: { ok: true, accounts } },
    ).positions;
    expect(p).toMatchObject({ basis: 'users', seats: 6, status: 'unused-seats' });
    expect(p?.users?.missingGroups).toEqual(['Lic-Adobe-Extra']);
  });

  it('is unknown, never covered, without an assigned group or without the directory', () => {
    const noGroup = reconcileLicences(register([{ ...adobe, assignedGroup: undefined as never }]), {
      now,
      expiryWarningDays: 60,
      users: { ok: true, accounts },
    }).positions[0];
    expect(noGroup).toMatchObject({ status: 'unknown' });
    expect(noGroup?.users?.unknown).toMatch(/no Assigned Group/);
    const noDir = reconcileLicences(register([adobe]), {
      now,
      expiryWarningDays: 60,
      users: { ok: false, reason: 'E-TIMEOUT: no answer' },
    }).positions[0];
    expect(noDir).toMatchObject({ status: 'unknown' });
    expect(noDir?.users?.unknown).toMatch(/directory could not be read \(E-TIMEOUT/);
  });

  it('per-device seats of the same title are still compared with installs', () => {
    const ps = reconcileLicences(
      register(
        [adobe, { title: 'Adobe Creative Cloud', kind: 'per-device', seats: 10 }],
        [{ title: 'Adobe Creative Cloud', installs: 12 }],
      ),
      { now, expiryWarningDays: 60, users: { ok: true, accounts } },
    ).positions;
    expect(ps.map((p) => [p.basis, p.seats, p.status])).toEqual([
      ['users', 2, 'over-deployed'],
      ['installs', 10, 'over-deployed'],
    ]);
  });
});

describe('unlimited seats say why', () => {
  it('a site licence and a subscription with no seat count are told apart', () => {
    const [site] = reconcileLicences(
      register([{ title: 'App', kind: 'site' }], [{ title: 'App', installs: 3 }]),
      {
        now,
        expiryWarningDays: 60,
      },
    ).positions;
    const [sub] = reconcileLicences(
      register([{ title: 'App', kind: 'subscription' }], [{ title: 'App', installs: 3 }]),
      { now, expiryWarningDays: 60 },
    ).positions;
    expect(site).toMatchObject({ seats: 'unlimited', unlimitedBy: 'site', status: 'covered' });
    expect(sub).toMatchObject({ seats: 'unlimited', unlimitedBy: 'subscription', status: 'covered' });
  });
});

describe('titles', () => {
  it.each([
    ['microsoft office ltsc standard  2021', 'Microsoft Office LTSC Standard 2021'],
    ['Microsoft 365 Apps for enterprise - en-us', 'Microsoft 365 Apps for Enterprise'],
    ['Microsoft 365 Apps for enterprise - en-gb', 'MICROSOFT 365 APPS FOR ENTERPRISE'],
    ['Adobe Acrobat Reader DC (64-bit)', 'Adobe Acrobat Reader DC'],
    ['Mozilla Firefox (x64 en-GB)', 'Mozilla Firefox'],
    ['Notepad++ 8.6.2 (64-bit x64)', 'Notepad++'],
    ['Google Chrome 131.0.6778.86', 'Google Chrome'],
    ['SMART Notebook® v22.1', 'SMART Notebook'],
    ['Microsoft® Visio™ Professional 2021', 'Microsoft Visio Professional 2021'],
    ['Espresso Café Suite', 'Espresso Cafe Suite'],
  ])('"%s" matches "%s"', (a, b) => {
    expect(titleKey(a)).toBe(titleKey(b));
  });

  it.each([
    ['Microsoft Office 2019 Standard', 'Microsoft Office 2021 Standard'],
    ['Microsoft Office LTSC Standard 2021', 'Microsoft Office LTSC Professional Plus 2021'],
    ['Adobe Photoshop Elements 2024', 'Adobe Premiere Elements 2024'],
    ['Wi-Fi Manager', 'Manager'],
  ])('"%s" stays apart from "%s" (a different product or edition)', (a, b) => {
    expect(titleKey(a)).not.toBe(titleKey(b));
  });

  it('a position is named as the register spells it, not as the installs export does', () => {
    const r = reconcileLicences(
      {
        assets: [],
        software: [{ title: 'Google Chrome', licenceRequired: false }],
        licences: [{ title: 'Microsoft Office LTSC Standard 2021', kind: 'per-device', seats: 20 }],
        installs: [
          { title: 'microsoft office ltsc standard  2021', installs: 21 },
          { title: 'google chrome 131.0.6778.86', installs: 30 },
        ],
      },
      { now, expiryWarningDays: 60 },
    );
    expect(r.positions.map((p) => [p.title, p.installs, p.status])).toEqual([
      ['Microsoft Office LTSC Standard 2021', 21, 'over-deployed'],
      ['Google Chrome', 30, 'free'],
    ]);
  });
});
