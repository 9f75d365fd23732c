import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvTable } from './cells.ts';
import { readRegisterFile } from './index.ts';
import { parseTable } from './parse.ts';
import { toCsv, writeTable } from './write.ts';

const CSV = [
  'Title,Kind,Seats,Notes,Budget Code',
  'Purple Mash,site,Unlimited,"Renew via the trust, not the school",ICT-04',
  'Office LTSC,per-device,30,,ICT-01',
].join('\n');

describe('columns that are not part of the register', () => {
  it('are kept through import and export (CSV and XLSX) when asked, and re-import unchanged', async () => {
    const r = parseTable(parseCsvTable(CSV, 'licences.csv'), 'licences', { extraColumns: 'keep' });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.records).toEqual([
      {
        title: 'Purple Mash',
        kind: 'site',
        extra: { Notes: 'Renew via the trust, not the school', 'Budget Code': 'ICT-04' },
      },
      { title: 'Office LTSC', kind: 'per-device', seats: 30, extra: { 'Budget Code': 'ICT-01' } },
    ]);
    const csv = toCsv('licences', r.records);
    expect(csv.split(/\r?\n/)[0]).toBe('Title,Kind,Seats,Start,Expiry,Contract Ref,Notes,Budget Code');
    const again = parseTable(parseCsvTable(csv, 'licences.csv'), 'licences', { extraColumns: 'keep' });
    expect(again.records).toEqual(r.records);

    const dir = await mkdtemp(join(tmpdir(), 'extra-'));
    const xlsx = join(dir, 'licences.xlsx');
    await writeTable(xlsx, 'licences', r.records);
    const back = await readRegisterFile(xlsx, 'licences', { extraColumns: 'keep' });
    expect(back.problems).toEqual([]);
    expect(back.records).toEqual(r.records);
  });

  it('are left out with a warning naming each column otherwise', () => {
    const r = parseTable(parseCsvTable(CSV, 'licences.csv'), 'licences');
    expect(r.records[0]).toEqual({ title: 'Purple Mash', kind: 'site' });
    expect(r.warnings).toEqual([
      'licences.csv: column "Notes" is not part of the licences register and was not imported',
      'licences.csv: column "Budget Code" is not part of the licences register and was not imported',
    ]);
  });
});
