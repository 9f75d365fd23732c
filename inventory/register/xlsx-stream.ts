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
 * from the zip guard's scan and are filled in as the rows pass, as the DOM reader shows them (every cell
 * of a merge shows its first cell's value); each row is handed on and not kept.
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
  | { kind: 'rows'; sheet: string; count: number }
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

interface Merge {
  r1: number;
  c1: number;
  r2: number;
  c2: number;
  /** The first cell's text, once its row has been read. */
  text?: string;
}

/**
 * Fills merged ranges row by row as the rows stream past (every cell of a range shows its first cell,
 * as in the DOM reader), so no row is kept once it has been handed on. A range is clipped to the widest
 * row read so far and to the last row with values (a merged title wider than the table adds nothing);
 * a range whose first cell is empty adds nothing either. Rows with no values of their own that a range
 * covers are made. Only the ranges that reach the current row are held.
 */
class MergeFiller {
  readonly #pending: Merge[];
  #active: Merge[] = [];
  #budget = MERGED_CELLS;
  width = 0;

  constructor(refs: readonly string[]) {
    this.#pending = refs
      .map(decodeRange)
      .filter((m): m is Merge => m !== undefined)
      .sort((a, b) => b.r1 - a.r1); // popped from the end: lowest first row first
  }

  /** The rows that ranges make before row `r` (which has values), after row `prev`. */
  *gap(prev: number, r: number): Generator<StreamedRow> {
    for (let at = prev + 1; at < r; at++) {
      this.#admit(at);
      if (!this.#active.some((m) => m.text !== undefined && m.text !== '' && m.r2 >= at && m.r1 < at))
        continue;
      const row: StreamedRow = { row: at, cells: [], bareNumbers: [] };
      if (!this.fill(row)) throw new MergeBudget();
      if (row.cells.length > 0) yield row;
    }
  }

  #admit(r: number): void {
    this.#active = this.#active.filter((m) => m.r2 >= r);
    while (this.#pending.length > 0 && (this.#pending.at(-1)?.r1 ?? Infinity) <= r) {
      const m = this.#pending.pop() as Merge;
      if (m.r2 >= r) this.#active.push(m);
    }
  }

  /** Fills `row` (its own cells read) in place; false past the budget. */
  fill(row: StreamedRow): boolean {
    this.#admit(row.row);
    this.width = Math.max(this.width, row.cells.length);
    for (const m of this.#active) {
      if (m.r1 === row.row) m.text = row.cells[m.c1 - 1] ?? '';
      if (m.text === undefined || m.text === '') continue;
      const c2 = Math.min(m.c2, Math.max(this.width, m.c1));
      this.#budget -= c2 - m.c1 + 1;
      if (this.#budget < 0) return false;
      for (let c = m.c1; c <= c2; c++) if (row.row !== m.r1 || c !== m.c1) row.cells[c - 1] = m.text;
      for (let c = 0; c < row.cells.length; c++) row.cells[c] ??= '';
      this.width = Math.max(this.width, row.cells.length);
    }
    return true;
  }
}

class MergeBudget extends Error {}

/**
 * Reads one worksheet (`sheet`, or the workbook's first) row by row, handing each row with values (and
 * each row a merged range fills) to the consumer `begin` returns once the sheet is known; nothing is
 * kept. `show` turns a cell into its text (and whether it is a bare number), as for the DOM reader's
 * cells. A `dom` result may come after rows were handed on: the caller starts its consumer again.
 */
export async function streamXlsxSheet(
  bytes: Buffer,
  parts: WorkbookPart[],
  sheet: string | undefined,
  show: (value: ExcelJS.CellValue, numFmt: string | undefined) => { text: string; bare: boolean },
  begin: (sheet: string) => (row: StreamedRow) => void,
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
  const merges = new MergeFiller(part.merges ?? []);
  const refused = {
    kind: 'refused',
    message: `its merged ranges cover more than ${MERGED_CELLS} cells`,
  } as const;
  const emit = begin(target.name);
  let last = 0;
  let count = 0;
  for await (const ws of second) {
    for await (const r of ws) {
      if (!r.hasValues) continue;
      // Excel writes rows in ascending order; a file that does not is read by the DOM reader.
      if (r.number <= last) return { kind: 'dom', why: `row ${r.number} comes after row ${last}` };
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
      try {
        for (const made of merges.gap(last, r.number)) {
          emit(made);
          count++;
        }
      } catch (e) {
        if (e instanceof MergeBudget) return refused;
        throw e;
      }
      const row: StreamedRow = { row: r.number, cells, bareNumbers: bare };
      if (!merges.fill(row)) return refused;
      emit(row);
      count++;
      last = r.number;
    }
  }
  return { kind: 'rows', sheet: target.name, count };
}
