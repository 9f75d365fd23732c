/**
 * `schoolnet inventory import` on a register kept the way technicians keep one (a merged title, the
 * header on row 4, a Notes column), run as a process: the header is found, `--header-row` overrides
 * it, Notes survive import and export, and the exported sheet is named after its table.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, SCHOOLS_DIR } from './support/bind-testbed.ts';

describe('schoolnet inventory import of a technician-kept register', () => {
  let yaml: string;
  let dir: string;
  let book: string;
  beforeAll(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'inventory-register-cli-')), 'st-marks-primary');
    await cp(join(SCHOOLS_DIR, 'st-marks-primary'), dir, { recursive: true });
    yaml = join(dir, 'school.yaml');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Register');
    ws.getCell('A1').value = 'St Marks Primary - ICT Asset Register';
    ws.mergeCells('A1:G1');
    ws.getRow(4).values = ['Asset Tag', 'Serial', 'Model', 'Kind', 'Status', 'Notes'];
    ws.getRow(5).values = [
      'SM-01',
      4521,
      'iPad (9th generation)',
      'tablet',
      'in-use',
      'Screen cracked, insured',
    ];
    ws.getCell('B5').numFmt = '00000000';
    book = join(dir, 'technician.xlsx');
    await writeFile(book, Buffer.from(await wb.xlsx.writeBuffer()));
  });

  it('finds the header under the title, keeps zeros and Notes, and exports a sheet named Assets', async () => {
    const base = ['inventory', 'import', yaml, '--table', 'assets', '--from', book];
    const bad = await runCli([...base, '--header-row', 'four']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('--header-row four: expected the spreadsheet row number');

    const title = await runCli([...base, '--header-row', '1', '--dry-run']);
    expect(title.code).toBe(2);
    expect(title.stderr).toContain(
      'technician.xlsx:Register:row 1: column "Asset Tag": required column is missing',
    );

    const r = await runCli([...base, '--keep-columns']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('the header is on row 4; row 1 above it was read as a title and not imported');
    const csv = await readFile(join(dir, 'assets.csv'), 'utf8');
    expect(csv.split(/\r?\n/)[0]?.endsWith(',Notes')).toBe(true);
    expect(csv).toContain('SM-01,00004521,iPad (9th generation),tablet,');
    expect(csv).toContain(',"Screen cracked, insured"');

    const out = join(dir, 'export.xlsx');
    const e = await runCli(['inventory', 'export', yaml, '--table', 'assets', '--to', out]);
    expect(e.code, e.stderr).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Assets']);
    const ws = wb.worksheets[0];
    expect(ws?.getRow(1).values).toContain('Notes');
    expect(ws?.getRow(2).getCell(2).value).toBe('00004521');
  }, 180_000);
});
