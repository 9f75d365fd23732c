/**
 * Exporting a register table back to CSV or XLSX with the headers we ship (or a school's own mapping),
 * so a school can edit it in a spreadsheet and import it again unchanged. Dates are written as UK
 * dd/mm/yyyy text, which the importer reads back to the same ISO date.
 */
import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { toCsv as writeCsv } from '../csv.ts';
import { kindOf } from './cells.ts';
import { TABLES } from './columns.ts';
import type { ColumnMapping, TableName } from './columns.ts';

/** Exported worksheets are named after their table, so a workbook says what it holds. */
export const SHEET_NAMES: Record<TableName, string> = {
  assets: 'Assets',
  software: 'Software',
  licences: 'Licences',
  installs: 'Installs',
};

export function ukDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

function fieldValue(rec: Record<string, unknown>, field: string): unknown {
  if (field.startsWith('disposal.')) {
    const d = rec.disposal as Record<string, unknown> | undefined;
    return d?.[field.slice('disposal.'.length)];
  }
  return rec[field];
}

/** Header and rows of text for a table; install exports carry Title and Installs only. */
export function tableRows(
  name: TableName,
  records: readonly object[],
  mapping: ColumnMapping = {},
): { header: string[]; rows: string[][] } {
  const specs = TABLES[name].filter(
    (s) =>
      (name !== 'installs' || s.field === 'title' || s.field === 'installs') &&
      // A per-user licence's assigned group is written only when some licence records one.
      (s.field !== 'assignedGroup' || records.some((r) => 'assignedGroup' in r)),
  );
  // The school's own columns (kept on import with extraColumns: 'keep'), in the order first seen.
  const extras: string[] = [];
  if (name !== 'installs')
    for (const r of records)
      for (const h of Object.keys((r as { extra?: Record<string, string> }).extra ?? {}))
        if (!extras.includes(h)) extras.push(h);
  const header = [...specs.map((s) => mapping[s.field] ?? s.header), ...extras];
  const rows = records.map((r) => [
    ...specs.map((s) => {
      const v = fieldValue(r as Record<string, unknown>, s.field);
      if (v === undefined || v === '') return '';
      if (Array.isArray(v)) return v.join('; ');
      if (typeof v === 'boolean') return v ? 'yes' : 'no';
      if (s.type === 'date') return ukDate(String(v));
      return String(v);
    }),
    ...extras.map((h) => (r as { extra?: Record<string, string> }).extra?.[h] ?? ''),
  ]);
  return { header, rows };
}

export function toCsv(name: TableName, records: readonly object[], mapping?: ColumnMapping): string {
  const { header, rows } = tableRows(name, records, mapping);
  // Formula-safe: a cell such as =HYPERLINK(...) typed into the register is exported as text.
  return writeCsv([header, ...rows]);
}

export async function toXlsx(
  name: TableName,
  records: readonly object[],
  mapping?: ColumnMapping,
  sheet = SHEET_NAMES[name],
): Promise<Buffer> {
  const { header, rows } = tableRows(name, records, mapping);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet);
  ws.addRow(header).font = { bold: true };
  // Text cells throughout, so a spreadsheet program does not turn serials or dates into numbers.
  for (const r of rows) ws.addRow(r);
  ws.columns.forEach((c, i) => {
    c.width = Math.max(10, (header[i] ?? '').length + 2);
    c.numFmt = '@';
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Writes a table to `path`, CSV or XLSX by its extension. */
export async function writeTable(
  path: string,
  name: TableName,
  records: readonly object[],
  mapping?: ColumnMapping,
): Promise<void> {
  if (kindOf(path) === 'xlsx') await writeFile(path, await toXlsx(name, records, mapping));
  else await writeFile(path, toCsv(name, records, mapping));
}
