/**
 * An XLSX register read as a stream (issue #22, bounded inputs): exceljs's streaming WorkbookReader
 * parses the worksheet one row at a time and we keep only each row's text, so a 100,000-row register
 * never becomes 100,000 rows of cell objects.
 *
 * The streaming reader takes the archive's parts in the order they come, and names a worksheet, knows
 * its number formats and resolves its shared strings only from parts it has already read; Excel writes
 * the shared strings and styles after the worksheets. So we feed it the parts it needs in the order it
 * needs them (each local zip entry is self-contained; the zip guard gave us where each one lies):
 * first the workbook and its relationships, to find the worksheet, then those again with the styles,
 * the shared strings and that one worksheet. Merged ranges, which the streaming reader skips, come
 * from the zip guard's scan and are filled in after the rows, as the DOM reader shows them (every cell
 * of a merge shows its first cell's value).
 *
 * `dom` (use exceljs's whole-workbook reader) for the workbooks the stream cannot read as the DOM
 * reader does: no workbook part or relationships, a worksheet stored under another name than
 * xl/worksheets/sheetN.xml, or a formula whose cached result is an error (#N/A), which the streaming
 * reader turns into a number.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import ExcelJS from 'exceljs';
import type { WorkbookPart } from './zip-guard.ts';

export interface StreamedRow {
  row: number;
  /** Each cell as its value and number format, for the caller to turn into text. */
  cells: string[];
  bareNumbers: number[];
}

export type StreamedSheet =
  | { kind: 'rows'; sheet: string; rows: StreamedRow[] }
  | { kind: 'missing'; names: string[] }
  | { kind: 'refused'; message: string }
  | { kind: 'dom'; why: string };

/** What the reader learns from xl/workbook.xml and its relationships (plain fields it sets). */
interface ReaderState {
  model?: { sheets?: { name: string; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  properties?: { model?: { date1904?: boolean } };
}

interface ExcelUtils {
  isDateFmt(fmt: string | undefined): boolean;
  excelToDate(v: number, date1904?: boolean): Date;
}
// The same date test and conversion the DOM reader applies to a formula's cached result.
const utils = createRequire(import.meta.url)('exceljs/lib/utils/utils.js') as ExcelUtils;

const RELS = 'xl/_rels/workbook.xml.rels';
const BOOK = 'xl/workbook.xml';
const STYLES = 'xl/styles.xml';
const STRINGS = 'xl/sharedStrings.xml';

/** A stored (uncompressed) local zip entry: an empty shared-strings table for workbooks without one. */
function storedEntry(name: string, text: string): Buffer {
  const data = Buffer.from(text);
  const nameBytes = Buffer.from(name);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt32LE(crc32(data), 14);
  h.writeUInt32LE(data.length, 18);
  h.writeUInt32LE(data.length, 22);
  h.writeUInt16LE(nameBytes.length, 26);
  return Buffer.concat([h, nameBytes, data]);
}

function reader(chunks: Buffer[], styles: boolean): ExcelJS.stream.xlsx.WorkbookReader {
  return new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(chunks.filter((c) => c.length > 0)), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: styles ? 'cache' : 'ignore',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
}

const column = (letters: string): number => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);

function decodeRange(ref: string): { r1: number; c1: number; r2: number; c2: number } | undefined {
  const m = /^([A-Z]+)(\d+):([A-Z]+)(\d+)$/.exec(ref);
  if (m === null) return undefined;
  const [a, b] = [
    { c: column(m[1] ?? ''), r: Number(m[2]) },
    { c: column(m[3] ?? ''), r: Number(m[4]) },
  ];
  return { r1: Math.min(a.r, b.r), c1: Math.min(a.c, b.c), r2: Math.max(a.r, b.r), c2: Math.max(a.c, b.c) };
}

/** Cells that merged ranges may fill: far past any register, short of a hostile file's overlaps. */
const MERGED_CELLS = 5_000_000;

/**
 * Every cell of each merged range shows the range's first cell, as in the DOM reader; a range is
 * clipped to the sheet's last row and widest row (a merged title wider than the table adds nothing).
 * A merge whose first cell is empty adds nothing either. Undefined past MERGED_CELLS.
 */
function fillMerges(
  rows: Map<number, StreamedRow>,
  merges: string[],
  width: number,
  last: number,
): number | undefined {
  let budget = MERGED_CELLS;
  for (const ref of merges) {
    const m = decodeRange(ref);
    if (m === undefined) continue;
    const text = rows.get(m.r1)?.cells[m.c1 - 1] ?? '';
    if (text === '') continue;
    const c2 = Math.min(m.c2, Math.max(width, m.c1));
    for (let r = m.r1; r <= Math.min(m.r2, last); r++) {
      budget -= c2 - m.c1 + 1;
      if (budget < 0) return undefined;
      let row = rows.get(r);
      if (row === undefined) rows.set(r, (row = { row: r, cells: [], bareNumbers: [] }));
      for (let c = m.c1; c <= c2; c++) if (r !== m.r1 || c !== m.c1) row.cells[c - 1] = text;
      width = Math.max(width, row.cells.length);
    }
  }
  return width;
}

/**
 * Reads one worksheet (`sheet`, or the workbook's first) row by row. `show` turns a cell into its text
 * (and whether it is a bare number), as for the DOM reader's cells.
 */
export async function streamXlsxSheet(
  bytes: Buffer,
  parts: WorkbookPart[],
  sheet: string | undefined,
  show: (value: ExcelJS.CellValue, numFmt: string | undefined) => { text: string; bare: boolean },
): Promise<StreamedSheet> {
  const byName = new Map(parts.map((p) => [p.name, p]));
  const slice = (name: string): Buffer | undefined => {
    const p = byName.get(name);
    return p === undefined || p.end <= p.start ? undefined : bytes.subarray(p.start, p.end);
  };
  const rels = slice(RELS);
  const book = slice(BOOK);
  if (rels === undefined || book === undefined) return { kind: 'dom', why: 'no workbook part' };

  // Pass 1: the workbook's sheets, in tab order, and where each is stored.
  const first = reader([rels, book], false);
  for await (const ws of first) void ws;
  const state = first as unknown as ReaderState;
  const sheets = state.model?.sheets ?? [];
  const target = sheet === undefined ? sheets[0] : sheets.find((s) => s.name === sheet);
  if (target === undefined) return { kind: 'missing', names: sheets.map((s) => s.name) };
  const rel = (state.workbookRels ?? []).find((r) => r.Id === target.rId);
  const partName =
    rel === undefined ? '' : rel.Target.startsWith('/') ? rel.Target.slice(1) : `xl/${rel.Target}`;
  const part = byName.get(partName);
  const data = slice(partName);
  if (!/^xl\/worksheets\/sheet\d+\.xml$/.test(partName) || part === undefined || data === undefined)
    return { kind: 'dom', why: `worksheet ${target.name} is stored as "${partName}"` };

  // Pass 2: that worksheet, with the styles (number formats, dates) and shared strings before it.
  const second = reader(
    [rels, book, slice(STYLES) ?? Buffer.alloc(0), slice(STRINGS) ?? storedEntry(STRINGS, '<sst/>'), data],
    true,
  );
  const date1904 = (): boolean => (second as unknown as ReaderState).properties?.model?.date1904 === true;
  const rows = new Map<number, StreamedRow>();
  let width = 0;
  let last = 0;
  for await (const ws of second) {
    for await (const r of ws) {
      if (!r.hasValues) continue;
      const cells: string[] = [];
      const bare: number[] = [];
      for (let c = 1; c <= r.cellCount; c++) {
        const cell = r.findCell(c);
        let value: ExcelJS.CellValue = cell?.value ?? null;
        if (value !== null && typeof value === 'object' && 'formula' in value) {
          // The value drops a result that is not truthy; the model keeps NaN, an error (#N/A) read as a number.
          const result = (cell?.model as { result?: unknown } | undefined)?.result;
          if (typeof result === 'number' && Number.isNaN(result))
            return { kind: 'dom', why: `a formula's result at row ${r.number} is an error` };
          if (typeof result === 'number' && result !== 0 && utils.isDateFmt(cell?.numFmt))
            value = { ...value, result: utils.excelToDate(result, date1904()) } as ExcelJS.CellValue;
        }
        const shown = show(value, cell?.numFmt);
        cells.push(shown.text);
        if (shown.bare) bare.push(c - 1);
      }
      width = Math.max(width, cells.length);
      last = Math.max(last, r.number);
      rows.set(r.number, { row: r.number, cells, bareNumbers: bare });
    }
  }
  const filled = fillMerges(rows, part.merges ?? [], width, last);
  if (filled === undefined)
    return { kind: 'refused', message: `its merged ranges cover more than ${MERGED_CELLS} cells` };
  width = filled;
  const out = [...rows.values()].sort((a, b) => a.row - b.row);
  for (const r of out) for (let c = 0; c < width; c++) r.cells[c] ??= '';
  return { kind: 'rows', sheet: target.name, rows: out };
}
