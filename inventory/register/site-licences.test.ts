import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseCsvTable } from './cells.ts';
import { formatRegisterProblem, parseTable } from './parse.ts';
import { toXlsx } from './write.ts';

describe('site licences and exported sheets', () => {
  it('accepts "Unlimited" and its kin as the seats of a site licence, and names every row it cannot take', () => {
    const csv = [
      'Title,Kind,Seats,Expiry',
      'Purple Mash,Site,Unlimited,31/08/2027',
      'Times Tables Rock Stars,site licence,unlimited seats,',
      'Microsoft 365 A1,Subscription,UNLIMITED,',
      'Google Workspace,site,Site,',
      'Adobe Express,per-device,Unlimited,',
      'Office LTSC,per-user,lots,',
      'Scratch,site,all of them,',
    ].join('\n');
    const r = parseTable(parseCsvTable(csv, 'licences.csv'), 'licences');
    expect(r.records).toEqual([
      { title: 'Purple Mash', kind: 'site', expiry: '2027-08-31' },
      { title: 'Times Tables Rock Stars', kind: 'site' },
      { title: 'Microsoft 365 A1', kind: 'subscription' },
      { title: 'Google Workspace', kind: 'site' },
    ]);
    expect(r.rows).toEqual([2, 3, 4, 5]);
    expect(r.problems.map(formatRegisterProblem)).toEqual([
      'licences.csv:row 6: column "Seats": "Unlimited" seats: only a site licence or a subscription covers any number; this one is per-device, so set Kind to site, or give the number of seats',
      'licences.csv:row 7: column "Seats": "lots" is not a whole number',
      'licences.csv:row 8: column "Seats": "all of them" is not a whole number; for any number of seats write Unlimited, or leave it empty',
    ]);
  });

  it('names an exported worksheet after its table', async () => {
    for (const [table, sheet] of [
      ['licences', 'Licences'],
      ['assets', 'Assets'],
    ] as const) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await toXlsx(table, [])) as unknown as ArrayBuffer);
      expect(wb.worksheets.map((w) => w.name)).toEqual([sheet]);
    }
  });
});
