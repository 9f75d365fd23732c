/**
 * Reading a spreadsheet (CSV or XLSX) into plain rows of text, each with the row number a person sees
 * in their spreadsheet program, so every later problem can name it. Nothing here knows what the
 * columns mean. Spreadsheet dates arrive as ISO dates; numbers, booleans, rich text and formula
 * results as the text they show.
 */
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { readCell } from '../csv.ts';
import { streamCsv } from '../csv-stream.ts';
import { InputTooLargeError, LIMITS } from '../limits.ts';
import { checkWorkbookBounds, WorkbookTooLargeError } from './zip-guard.ts';
import type { XlsxLimits } from './zip-guard.ts';
import { streamXlsxSheet } from './xlsx-stream.ts';
import type { TableSource } from './parse.ts';

export interface RawRow {
  /** 1-based: the CSV line or the worksheet row number. */
  row: number;
  cells: string[];
  /**
   * Columns (0-based) whose cell was stored as a bare number (no zero-padding number format): a
   * serial typed as 004521 into such a cell is already 4521 in the file.
   */
  bareNumbers?: number[];
}

export interface RawTable {
  /** The file name used in problems. */
  file: string;
  sheet?: string;
  header: string[];
  /** The row the header is on (1 unless a title sits above it). */
  headerRow: number;
  rows: RawRow[];
  /**
   * Every non-empty row of the sheet (XLSX), header included, at full width: the register's parser
   * looks here for the header row when the first row is a title.
   */
  lines?: RawRow[];
  /** Rows that could not be split into fields (CSV only): row and reason. */
  broken: { row: number; message: string }[];
  /** A CSV table, headed by its first record (which may be blank, and then is not in `lines`). */
  csv?: true;
}

export class SpreadsheetError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SpreadsheetError';
    this.file = file;
  }
}

export function kindOf(path: string): 'csv' | 'xlsx' {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  throw new SpreadsheetError(basename(path), `unsupported file type "${ext}": use .csv or .xlsx`);
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
  raw: string;
}

/** The line a record starts on: info.lines is its last line, and a quoted field may span several. */
const firstLine = (rec: CsvRecord): number =>
  rec.info.lines - (rec.raw.replace(/^\n+/, '').replace(/\n$/, '').match(/\n/g)?.length ?? 0);

/**
 * A CSV table built one record at a time (from the whole text, or a stream): the first record is the
 * header; each non-empty record is one RawRow, shared by `lines` (for the header search) and `rows`.
 */
class CsvTableBuilder {
  readonly #file: string;
  #table: RawTable | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  add(rec: CsvRecord): void {
    const blank = rec.record.every((c) => c.trim() === '');
    // readCell undoes the apostrophe our own export put before a formula-like value.
    const row: RawRow = { row: firstLine(rec), cells: rec.record.map((c) => readCell(c.trim())) };
    if (this.#table === undefined) {
      this.#table = {
        file: this.#file,
        csv: true,
        header: rec.record.map((h) => h.trim()),
        headerRow: row.row,
        rows: [],
        broken: [],
        lines: blank ? [] : [{ ...row, cells: rec.record.map((c) => readCell(c.trim())) }],
      };
      return;
    }
    const t = this.#table;
    if (!blank) t.lines?.push(row);
    if (rec.record.length !== t.header.length && !blank) {
      t.broken.push({
        row: row.row,
        message: `expected ${t.header.length} fields as in the header, found ${rec.record.length}`,
      });
      return;
    }
    if (!blank) t.rows.push(row);
  }

  finish(): RawTable {
    if (this.#table === undefined)
      throw new SpreadsheetError(this.#file, 'the file is empty (no header row)');
    return this.#table;
  }
}

const csvError = (file: string, e: unknown): SpreadsheetError => {
  const line = (e as { lines?: number }).lines;
  return new SpreadsheetError(
    file,
    `not readable as CSV${line === undefined ? '' : ` near row ${line}`}: ${(e as Error).message}`,
  );
};

export function parseCsvTable(text: string, file: string): RawTable {
  let records: CsvRecord[];
  try {
    records = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as CsvRecord[];
  } catch (e) {
    throw csvError(file, e);
  }
  const b = new CsvTableBuilder(file);
  for (const rec of records) b.add(rec);
  return b.finish();
}

/**
 * A CSV register file read as a stream (inventory/csv-stream.ts): the byte limit checked on the open
 * file and while reading, the row limit as rows come; past either the whole file is refused.
 */
export async function streamCsvTable(path: string, file: string, limits: ReadLimits): Promise<RawTable> {
  const b = new CsvTableBuilder(file);
  await streamCsvRecords(path, file, limits, (rec) => b.add(rec));
  return b.finish();
}

/**
 * Every record of a CSV register file, in order, to `onRecord`, with the register's limits: the byte
 * limit on the open file and while reading, the row limit as rows come (past it the whole file is
 * refused), and each failure as a SpreadsheetError naming the file.
 */
async function streamCsvRecords(
  path: string,
  file: string,
  limits: ReadLimits,
  onRecord: (rec: Parameters<CsvTableBuilder['add']>[0]) => void,
): Promise<void> {
  let count = 0;
  let over: number | undefined;
  try {
    await streamCsv(path, {
      limit: limits.fileBytes,
      what: 'the register file',
      onRecord: (rec) => {
        if (++count > limits.rows + 1) {
          over = firstLine(rec);
          return false;
        }
        onRecord(rec);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof InputTooLargeError)
      throw new SpreadsheetError(file, e.message.slice(`the register file ${path} `.length));
    if (typeof (e as NodeJS.ErrnoException).errno === 'number')
      throw new SpreadsheetError(file, `cannot be read: ${(e as Error).message}`);
    throw csvError(file, e);
  }
  if (over !== undefined)
    throw new SpreadsheetError(
      file,
      `has more than ${limits.rows} rows (the register limit; row ${over} was not read): refused`,
    );
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** What a cell shows, as text. exceljs keeps date cells as UTC Dates. */
export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return isoDate(v);
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if ('richText' in v)
    return v.richText
      .map((r) => r.text)
      .join('')
      .trim();
  if ('error' in v) return String(v.error);
  if ('formula' in v || 'sharedFormula' in v) {
    const r = (v as { result?: ExcelJS.CellValue }).result;
    return r === undefined ? '' : cellText(r);
  }
  if ('text' in v) return String((v as { text: unknown }).text).trim();
  return '';
}

/**
 * A number cell as the spreadsheet shows it, when its format pads with zeros: `00000000` shows 4521 as
 * 00004521 (and `"SN-"000000` as SN-004521). `bare` when the number has no such format, so leading
 * zeros typed into it are gone. Undefined for a cell that is not a number.
 */
export function numberAsShown(
  value: ExcelJS.CellValue,
  numFmt: string | undefined,
): { text: string; bare: boolean } | undefined {
  if (typeof value !== 'number') return undefined;
  const fmt = (numFmt ?? '').split(';')[0] ?? '';
  // Quoted literals and escaped characters around a run of zeros: "SN-"000000, \A0000.
  const m = /^((?:"[^"]*"|\\.)*)(0+)((?:"[^"]*"|\\.)*)$/.exec(fmt);
  if (m !== null && Number.isInteger(value) && value >= 0) {
    const lit = (s: string) => s.replace(/"([^"]*)"|\\(.)/g, '$1$2');
    return {
      text: `${lit(m[1] ?? '')}${String(value).padStart(m[2]?.length ?? 0, '0')}${lit(m[3] ?? '')}`,
      bare: false,
    };
  }
  return { text: String(value), bare: fmt === '' || fmt.toLowerCase() === 'general' || fmt === '0' };
}

export interface ReadLimits extends XlsxLimits {
  /** The file on disk (CSV or XLSX). */
  fileBytes: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  fileBytes: LIMITS.registerBytes,
  decompressedBytes: LIMITS.xlsxDecompressedBytes,
  rows: LIMITS.xlsxRows,
};

/** The workbook's bytes, refused over the file-size limit before they are read. */
async function readWorkbookBytes(path: string, file: string, limit: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new SpreadsheetError(file, `cannot be read: ${(e as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (st.size > limit)
      throw new SpreadsheetError(
        file,
        `is ${st.size} bytes, over the ${limit}-byte register limit: refused without reading it`,
      );
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await handle.read(buf, got, st.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

export async function readXlsxTable(
  path: string,
  file: string,
  sheet?: string,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<RawTable> {
  const bytes = await readWorkbookBytes(path, file, limits.fileBytes);
  let parts;
  try {
    parts = await checkWorkbookBounds(bytes, file, limits);
  } catch (e) {
    if (e instanceof WorkbookTooLargeError)
      throw new SpreadsheetError(file, e.message.slice(file.length + 2));
    throw e;
  }
  const rows: { row: number; cells: string[]; bareNumbers: number[] }[] = [];
  let streamed;
  try {
    streamed = await streamXlsxSheet(bytes, parts, sheet, shownCell, () => {
      rows.length = 0;
      return (r) => void rows.push(r);
    });
  } catch (e) {
    throw new SpreadsheetError(file, `not readable as an Excel workbook: ${(e as Error).message}`);
  }
  if (streamed.kind === 'refused') throw new SpreadsheetError(file, `${streamed.message}: refused`);
  if (streamed.kind === 'missing') throw missingSheet(file, sheet, streamed.names);
  const read =
    streamed.kind === 'rows' ? { sheet: streamed.sheet, rows } : await readXlsxWithDom(bytes, file, sheet);
  const name = read.sheet;
  const width = Math.max(0, ...read.rows.map((r) => r.cells.length));
  const out: RawRow[] = read.rows.map((r) => ({
    row: r.row,
    cells: Array.from({ length: width }, (_, c) => r.cells[c] ?? ''),
    ...(r.bareNumbers.length === 0 ? {} : { bareNumbers: r.bareNumbers }),
  }));
  if (out[0] === undefined) throw new SpreadsheetError(file, `worksheet ${name} is empty (no header row)`);
  const all = { file, sheet: name, header: [], headerRow: 0, rows: [], broken: [], lines: out };
  const table = headedAt(all, out[0].row);
  if (table === undefined) throw new SpreadsheetError(file, `worksheet ${name} is empty (no header row)`);
  return table;
}

/** A cell's text as the spreadsheet shows it, and whether it is a bare number. */
function shownCell(value: ExcelJS.CellValue, numFmt: string | undefined): { text: string; bare: boolean } {
  return numberAsShown(value, numFmt) ?? { text: cellText(value), bare: false };
}

const missingSheet = (file: string, sheet: string | undefined, names: string[]): SpreadsheetError =>
  new SpreadsheetError(
    file,
    sheet === undefined
      ? 'the workbook has no worksheet'
      : `no worksheet "${sheet}" (it has ${names.join(', ')})`,
  );

/**
 * The DOM reader (the whole workbook in memory), for the few workbooks the stream cannot read as it
 * does (xlsx-stream.ts says which), and the reference the stream is tested against.
 */
export async function readXlsxWithDom(
  bytes: Buffer,
  file: string,
  sheet: string | undefined,
): Promise<{ sheet: string; rows: { row: number; cells: string[]; bareNumbers: number[] }[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (e) {
    throw new SpreadsheetError(file, `not readable as an Excel workbook: ${(e as Error).message}`);
  }
  const ws = sheet === undefined ? wb.worksheets[0] : wb.getWorksheet(sheet);
  if (ws === undefined)
    throw missingSheet(
      file,
      sheet,
      wb.worksheets.map((w) => w.name),
    );
  const rows: { row: number; cells: string[]; bareNumbers: number[] }[] = [];
  const width = ws.columnCount;
  ws.eachRow({ includeEmpty: false }, (r) => {
    const cells: string[] = [];
    const bare: number[] = [];
    for (let c = 1; c <= width; c++) {
      const cell = r.getCell(c);
      const shown = shownCell(cell.value, cell.numFmt);
      cells.push(shown.text);
      if (shown.bare) bare.push(c - 1);
    }
    rows.push({ row: r.number, cells, bareNumbers: bare });
  });
  return { sheet: ws.name, rows };
}

/**
 * The table with its header on spreadsheet row `headerRow` (one of `table.lines`): rows above it are
 * left out (titles), trailing empty header cells are formatting, and a value under no header is a
 * broken row. Undefined when the table has no such row.
 */
export function headedAt(table: RawTable, headerRow: number): RawTable | undefined {
  const lines = table.lines ?? [];
  const at = lines.findIndex((l) => l.row === headerRow);
  const head = lines[at];
  if (head === undefined) return undefined;
  const rest = lines.slice(at + 1);
  let width = head.cells.length;
  while (width > 0 && head.cells[width - 1] === '') width--;
  return {
    file: table.file,
    ...(table.sheet === undefined ? {} : { sheet: table.sheet }),
    header: head.cells.slice(0, width).map((h) => h.trim()),
    headerRow,
    rows: rest
      .map((r) => ({
        row: r.row,
        cells: r.cells.slice(0, width),
        ...(r.bareNumbers === undefined ? {} : { bareNumbers: r.bareNumbers.filter((c) => c < width) }),
      }))
      .filter((r) => r.cells.some((c) => c !== '')),
    broken: rest
      .filter((r) => r.cells.slice(width).some((c) => c !== ''))
      .map((r) => ({ row: r.row, message: 'a value in a column with no header' })),
    lines,
  };
}

/** Reads a CSV or XLSX file; `file` is the name problems use (default: the path's base name). */
export async function readTable(
  path: string,
  opts: { file?: string; sheet?: string; limits?: ReadLimits } = {},
): Promise<RawTable> {
  const file = opts.file ?? basename(path);
  const limits = opts.limits ?? DEFAULT_READ_LIMITS;
  if (kindOf(path) === 'xlsx') return readXlsxTable(path, file, opts.sheet, limits);
  return streamCsvTable(path, file, limits);
}

/** Receives a table's non-empty rows, at full width and in file order (parse.ts `TableReader`). */
export interface LineSink {
  line(row: RawRow): void;
}

/**
 * Streams a CSV or XLSX register file's rows into the sink `begin` makes, keeping none of them: memory
 * holds what the sink keeps (the records), never the file's rows. The same limits as `readTable` (file
 * size before and while reading, row count, XLSX decompressed size and merged ranges through the zip
 * guard) refuse the whole file with a SpreadsheetError. An XLSX the stream cannot read as the DOM
 * reader does is read again by the DOM reader, into a new sink (`begin` is called again).
 */
export async function streamTableLines(
  path: string,
  opts: { file?: string; sheet?: string; limits?: ReadLimits },
  begin: (src: TableSource) => LineSink,
): Promise<void> {
  const file = opts.file ?? basename(path);
  const limits = opts.limits ?? DEFAULT_READ_LIMITS;
  if (kindOf(path) === 'xlsx') return streamXlsxLines(path, file, opts.sheet, limits, begin);
  let sink: LineSink | undefined;
  await streamCsvRecords(path, file, limits, (rec) => {
    const row = firstLine(rec);
    const blank = rec.record.every((c) => c.trim() === '');
    if (sink === undefined)
      sink = begin({ file, csvHeader: { row, cells: rec.record.map((h) => h.trim()) } });
    // readCell undoes the apostrophe our own export put before a formula-like value.
    if (!blank) sink.line({ row, cells: rec.record.map((c) => readCell(c.trim())) });
  });
  if (sink === undefined) throw new SpreadsheetError(file, 'the file is empty (no header row)');
}

async function streamXlsxLines(
  path: string,
  file: string,
  sheet: string | undefined,
  limits: ReadLimits,
  begin: (src: TableSource) => LineSink,
): Promise<void> {
  const bytes = await readWorkbookBytes(path, file, limits.fileBytes);
  let parts;
  try {
    parts = await checkWorkbookBounds(bytes, file, limits);
  } catch (e) {
    if (e instanceof WorkbookTooLargeError)
      throw new SpreadsheetError(file, e.message.slice(file.length + 2));
    throw e;
  }
  const toRaw = (r: { row: number; cells: string[]; bareNumbers: number[] }): RawRow => ({
    row: r.row,
    cells: r.cells,
    ...(r.bareNumbers.length === 0 ? {} : { bareNumbers: r.bareNumbers }),
  });
  let streamed;
  try {
    streamed = await streamXlsxSheet(bytes, parts, sheet, shownCell, (name) => {
      const sink = begin({ file, sheet: name });
      return (r) => sink.line(toRaw(r));
    });
  } catch (e) {
    throw new SpreadsheetError(file, `not readable as an Excel workbook: ${(e as Error).message}`);
  }
  if (streamed.kind === 'refused') throw new SpreadsheetError(file, `${streamed.message}: refused`);
  if (streamed.kind === 'missing') throw missingSheet(file, sheet, streamed.names);
  if (streamed.kind === 'rows') {
    if (streamed.count === 0)
      throw new SpreadsheetError(file, `worksheet ${streamed.sheet} is empty (no header row)`);
    return;
  }
  // The few workbooks the stream cannot read as the DOM reader does: the whole workbook, as before.
  const dom = await readXlsxWithDom(bytes, file, sheet);
  if (dom.rows.length === 0)
    throw new SpreadsheetError(file, `worksheet ${dom.sheet} is empty (no header row)`);
  const sink = begin({ file, sheet: dom.sheet });
  for (const r of dom.rows) sink.line(toRaw(r));
}
