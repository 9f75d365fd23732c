import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { numberAsShown } from './cells.ts';
import { readRegisterFile } from './index.ts';

describe('serials stored as numbers', () => {
  it('keeps leading zeros a zero-padding number format shows, and warns naming the row of a bare number', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Assets');
    ws.addRow(['Asset Tag', 'Serial', 'Model', 'Kind', 'Status', 'Purchase Date']);
    ws.addRow(['EPS-001', 4521, 'Chromebook', 'laptop', 'in-use', new Date(Date.UTC(2023, 8, 1))]);
    ws.getCell('B2').numFmt = '00000000';
    ws.addRow(['EPS-002', 'PF3X9K2B', 'Chromebook', 'laptop', 'in-use', null]);
    ws.addRow(['EPS-003', 4522, 'Chromebook', 'laptop', 'spare', null]);
    ws.addRow(['EPS-004', 77, 'Chromebook', 'laptop', 'spare', null]);
    ws.getCell('B5').numFmt = '"SN-"000000';
    const dir = await mkdtemp(join(tmpdir(), 'zeros-'));
    const path = join(dir, 'assets.xlsx');
    await writeFile(path, Buffer.from(await wb.xlsx.writeBuffer()));

    const r = await readRegisterFile(path, 'assets');
    expect(r.problems).toEqual([]);
    expect(r.records.map((a) => a.serial)).toEqual(['00004521', 'PF3X9K2B', '4522', 'SN-000077']);
    expect(r.records[0]?.purchaseDate).toBe('2023-09-01');
    expect(r.warnings).toEqual([
      'assets.xlsx:Assets:row 4: column "Serial": 4522 was stored as a number, so any leading zeros are lost: check it, and format the column as Text (or 00000000) in the spreadsheet',
    ]);
  });

  it('reads number formats the way a spreadsheet shows them', () => {
    expect(numberAsShown(4521, '00000000')).toEqual({ text: '00004521', bare: false });
    expect(numberAsShown(4521, '000000;[Red]-000000')).toEqual({ text: '004521', bare: false });
    expect(numberAsShown(4521, 'General')).toEqual({ text: '4521', bare: true });
    expect(numberAsShown(4521, undefined)).toEqual({ text: '4521', bare: true });
    expect(numberAsShown(12.5, '0.00')).toEqual({ text: '12.5', bare: false });
    expect(numberAsShown('004521', '@')).toBeUndefined();
  });
});
