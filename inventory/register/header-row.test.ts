import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readRegisterFile } from './index.ts';
import { formatRegisterProblem } from './parse.ts';

/** A register as technicians keep one: a merged title, a note, a blank row, the header on row 4. */
async function technicianWorkbook(): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Asset Register');
  ws.getCell('A1').value = 'Example Primary School - ICT Asset Register 2026/27';
  ws.mergeCells('A1:F1');
  ws.getCell('A1').font = { bold: true, size: 16 };
  ws.getCell('A2').value = 'Updated by the IT technician each half term';
  ws.mergeCells('A2:F2');
  ws.getRow(4).values = ['Asset Tag', 'Serial Number', 'Model', 'Type', 'Room', 'Status'];
  ws.getRow(5).values = ['EPS-001', 'PF3X9K2A', 'ThinkPad E14', 'laptop', 'Class 3', 'In use'];
  ws.getRow(6).values = ['EPS-002', 'PF3X9K2B', 'ThinkPad E14', 'laptop', 'Office', 'Spare'];
  const dir = await mkdtemp(join(tmpdir(), 'header-row-'));
  const path = join(dir, 'register.xlsx');
  await writeFile(path, Buffer.from(await wb.xlsx.writeBuffer()));
  return path;
}

describe('finding the header row', () => {
  it('takes the first row that maps to the register columns, leaving the merged title out with a warning', async () => {
    const r = await readRegisterFile(await technicianWorkbook(), 'assets');
    expect(r.problems).toEqual([]);
    expect(r.records.map((a) => [a.assetTag, a.serial, a.location, a.status])).toEqual([
      ['EPS-001', 'PF3X9K2A', 'Class 3', 'in-use'],
      ['EPS-002', 'PF3X9K2B', 'Office', 'spare'],
    ]);
    expect(r.rows).toEqual([5, 6]);
    expect(r.warnings).toEqual([
      'register.xlsx:Asset Register: the header is on row 4; rows 1, 2 above it were read as a title and not imported',
    ]);
  });

  it('uses --header-row when given, and names a header row that is not there', async () => {
    const path = await technicianWorkbook();
    const ok = await readRegisterFile(path, 'assets', { headerRow: 4 });
    expect(ok.rows).toEqual([5, 6]);
    const title = await readRegisterFile(path, 'assets', { headerRow: 1 });
    expect(title.records).toEqual([]);
    expect(title.problems.map(formatRegisterProblem)[0]).toBe(
      'register.xlsx:Asset Register:row 1: column "Asset Tag": required column is missing (no column of row 1 is a column of the assets register: this does not look like the assets register (its content is not shown)); map it with assetTag=<your header>; the first row looks like a title: name the header row with --header-row N',
    );
    const past = await readRegisterFile(path, 'assets', { headerRow: 40 });
    expect(past.problems.map(formatRegisterProblem)).toEqual([
      'register.xlsx:Asset Register:row 40: --header-row 40: the row is empty or past the end of the sheet',
    ]);
  });

  it('finds a header below title lines in a CSV too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'header-row-'));
    const path = join(dir, 'licences.csv');
    await writeFile(
      path,
      'Software licences 2026,,,\n,,,\nTitle,Kind,Seats,Expiry\nOffice,per-device,30,31/08/2027\n',
    );
    const r = await readRegisterFile(path, 'licences');
    expect(r.problems).toEqual([]);
    expect(r.records).toEqual([{ title: 'Office', kind: 'per-device', seats: 30, expiry: '2027-08-31' }]);
    expect(r.rows).toEqual([4]);
    expect(r.warnings).toEqual([
      'licences.csv: the header is on row 3; row 1 above it was read as a title and not imported',
    ]);
  });
});
