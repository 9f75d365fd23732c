import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { TESTBED_DIR } from '../confine.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchool } from '../load.ts';
import { loadRegister, RegisterError } from './index.ts';
import { reconcileLicences } from './licences.ts';

const SCHOOLS = resolve(import.meta.dirname, '../schools');

async function demoCopy(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'register-load-')), 'demo');
  await cp(join(SCHOOLS, 'demo'), dir, { recursive: true });
  // The demo's testbed references are relative to its folder: absolute, so the copy keeps them.
  const file = join(dir, 'school.yaml');
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replaceAll('../../../.schoolnet/testbed/', `${TESTBED_DIR}/`),
  );
  return dir;
}

describe('loadRegister', () => {
  it('reads every table the declaration names, keeping an incomplete disposal record for the audit', async () => {
    const reg = await loadRegister(await loadSchool(join(SCHOOLS, 'demo', 'school.yaml')));
    expect([reg.assets.length, reg.software.length, reg.licences.length, reg.installs.length]).toEqual([
      12, 5, 4, 6,
    ]);
    expect(reg.assets.find((a) => a.assetTag === 'DEMO-0902')?.disposal).toEqual({
      date: '2025-03-20',
      company: 'Greenway IT Recycling Ltd',
      certificate: '',
      weeeRef: '',
    });
  });

  it('leaves tables the declaration does not name empty', async () => {
    const reg = await loadRegister(await loadSchool(join(SCHOOLS, 'st-marks-primary', 'school.yaml')));
    expect(reg.assets.length).toBeGreaterThan(0);
    expect([reg.software, reg.licences, reg.installs]).toEqual([[], [], []]);
  });

  it('refuses a register with a bad row in any file, listing every problem', async () => {
    const dir = await demoCopy();
    await writeFile(join(dir, 'licences.csv'), 'Title,Kind,Seats\nOffice,per-device,twenty\n');
    await writeFile(join(dir, 'installs.csv'), 'Title,Installs\nOffice,3\nChrome,\n');
    const loaded = await loadSchool(join(dir, 'school.yaml'));
    const e = await loadRegister(loaded).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegisterError);
    expect((e as RegisterError).message.split('\n').slice(1)).toEqual([
      'licences.csv:row 2: column "Seats": "twenty" is not a whole number',
      'installs.csv:row 3: column "Installs": is empty; every row needs it',
    ]);
  });

  it('names a register file that is missing', async () => {
    const dir = await demoCopy();
    const loaded = await loadSchool(join(dir, 'school.yaml'));
    loaded.decl.inventory = { ...loaded.decl.inventory!, software: 'no-such.csv' };
    await expect(loadRegister(loaded)).rejects.toThrow(/no-such\.csv:row 1: cannot be read/);
  });
});

describe('reconcileLicences', () => {
  const now = '2026-11-24T02:00:00Z';
  const position = (licences: Parameters<typeof reconcileLicences>[0]['licences'], installs = 10) =>
    reconcileLicences(
      { assets: [], software: [], licences, installs: [{ title: 'App', installs }] },
      { now, expiryWarningDays: 60 },
    ).positions[0];

  it.each([
    [
      'a subscription without seats is uncapped',
      [{ title: 'App', kind: 'subscription' as const }],
      'unlimited',
      'covered',
    ],
    [
      'a licence that starts next month is not yet in force',
      [{ title: 'App', kind: 'per-device' as const, seats: 50, start: '2026-12-01' }],
      0,
      'unlicensed',
    ],
    [
      'a per-user licence is not compared with installs (no directory given: unknown)',
      [{ title: 'App', kind: 'per-user' as const, seats: 8 }],
      8,
      'unknown',
    ],
    [
      'a site licence ending today is still in force',
      [{ title: 'App', kind: 'site' as const, expiry: '2026-11-24' }],
      'unlimited',
      'covered',
    ],
  ])('%s', (_what, licences, seats, status) => {
    expect(position(licences)).toMatchObject({ seats, status });
  });

  it('does not report a title nobody installed and nobody licensed', () => {
    const r = reconcileLicences(
      { assets: [], software: [], licences: [], installs: [{ title: 'Old', installs: 0 }] },
      { now, expiryWarningDays: 60 },
    );
    expect(r.positions).toEqual([]);
  });
});
