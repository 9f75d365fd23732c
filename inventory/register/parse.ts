/**
 * Rows of text (cells.ts) to register records, by the column mapping, then validated against
 * `inventory/schema/register.schema.json`. Never throws for bad data: every cell that cannot be read
 * and every record the schema refuses becomes a problem naming the file, sheet, row and column, and a
 * row with a problem is not half-imported. Columns nobody maps are reported as warnings, not dropped
 * silently.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { AssetRecord, InstallCount, LicenceRecord, SoftwareTitle } from '../facts.ts';
import { parseRosterDate } from '../roster.ts';
import schema from '../schema/register.schema.json' with { type: 'json' };
import { LIMITS } from '../limits.ts';
import type { RawRow, RawTable } from './cells.ts';
import { normHeader, REQUIRED_COLUMNS, TABLES } from './columns.ts';
import type { ColumnMapping, ColumnSpec, TableName } from './columns.ts';

export interface RegisterProblem {
  file: string;
  sheet?: string;
  /** 1-based row as the spreadsheet shows it (1 = the header). */
  row: number;
  column?: string;
  message: string;
}

export function formatRegisterProblem(p: RegisterProblem): string {
  const where = `${p.file}${p.sheet === undefined ? '' : `:${p.sheet}`}:row ${p.row}`;
  return `${where}: ${p.column === undefined ? '' : `column "${p.column}": `}${p.message}`;
}

export interface ParseOptions {
  columns?: ColumnMapping;
  /**
   * Incomplete disposal records: `reject` (import: the row is refused) or `keep` (audit: the row is
   * read, its missing parts left empty, and the disposal-records check reports it).
   */
  disposal?: 'reject' | 'keep';
  /**
   * Columns that are not part of the table (a school's Notes): `keep` carries them on each record as
   * `extra` (header to text) and export writes them back; `warn` (the default) leaves them out with a
   * warning naming the column. Install counts never keep them (their rows are merged per title).
   */
  extraColumns?: 'keep' | 'warn';
  /**
   * The spreadsheet row the header is on (`--header-row`). Without it, the header is the first row
   * (of the first 30) that has every required column; rows above it are titles.
   */
  headerRow?: number;
}

export interface TableParse<T> {
  records: T[];
  /** The spreadsheet row each record came from. */
  rows: number[];
  problems: RegisterProblem[];
  warnings: string[];
}

type RecordOf<N extends TableName> = N extends 'assets'
  ? AssetRecord
  : N extends 'software'
    ? SoftwareTitle
    : N extends 'licences'
      ? LicenceRecord
      : InstallCount;

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
ajv.addSchema(schema);
const DEF: Record<TableName, string> = {
  assets: 'asset',
  software: 'software',
  licences: 'licence',
  installs: 'install',
};
function validatorFor(name: TableName): ValidateFunction {
  const v = ajv.getSchema(`${schema.$id}#/definitions/${DEF[name]}`);
  if (v === undefined) throw new Error(`register schema has no definition ${DEF[name]}`);
  return v;
}

// ---------------------------------------------------------------- cells

type Cell = { ok: true; value: unknown } | { ok: false; message: string };

export function normaliseMac(raw: string): string | undefined {
  const hex = raw.replace(/[-:.\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{12}$/.test(hex)) return undefined;
  return hex.match(/../g)?.join(':');
}

const STATUS: Record<string, AssetRecord['status']> = {
  'in-use': 'in-use',
  inuse: 'in-use',
  active: 'in-use',
  deployed: 'in-use',
  spare: 'spare',
  stock: 'spare',
  'in-stock': 'spare',
  disposed: 'disposed',
  'disposed-of': 'disposed',
  'written-off': 'disposed',
};

const LICENCE_KIND: Record<string, LicenceRecord['kind']> = {
  'per-device': 'per-device',
  device: 'per-device',
  'per-user': 'per-user',
  user: 'per-user',
  site: 'site',
  'site-licence': 'site',
  'site-license': 'site',
  subscription: 'subscription',
};

/** What schools write in the seats column of a site licence. */
const UNLIMITED =
  /^(unlimited|site|site[- ]wide|whole[- ]school|unlimited (seats|users|devices|licences|licenses))$/i;

const slug = (v: string) => v.toLowerCase().replace(/[\s_]+/g, '-');

function readCell(spec: ColumnSpec, v: string): Cell {
  switch (spec.type) {
    case 'text':
      return { ok: true, value: v };
    case 'date': {
      const r = parseRosterDate(v, 'auto');
      if (!r.ok) {
        // The roster's reader explains the usual spreadsheet slips; keep that part of its reason.
        const why =
          /\((it looks like [^)]*)\)/.exec(r.reason)?.[1] ??
          /(has a two-digit year|looks like a spreadsheet date serial number)/.exec(r.reason)?.[1];
        return {
          ok: false,
          message: `"${v}" is not a date${why ? `: ${why}` : ''}; use dd/mm/yyyy or yyyy-mm-dd`,
        };
      }
      return { ok: true, value: r.iso };
    }
    case 'count': {
      const n = v.replace(/,/g, '');
      if (!/^\d+$/.test(n)) return { ok: false, message: `"${v}" is not a whole number` };
      return { ok: true, value: Number(n) };
    }
    case 'list': {
      const out: string[] = [];
      for (const part of v.split(/[;,\s]+/).filter((p) => p !== '')) {
        const mac = normaliseMac(part);
        if (mac === undefined) return { ok: false, message: `"${part}" is not a MAC address` };
        out.push(mac);
      }
      return { ok: true, value: out };
    }
    case 'status': {
      const s = STATUS[slug(v)];
      return s === undefined
        ? { ok: false, message: `"${v}" is not a status: use in-use, spare or disposed` }
        : { ok: true, value: s };
    }
    case 'licence-kind': {
      const k = LICENCE_KIND[slug(v)];
      return k === undefined
        ? {
            ok: false,
            message: `"${v}" is not a licence kind: use per-device, per-user, site or subscription`,
          }
        : { ok: true, value: k };
    }
    case 'yes-no': {
      const s = v.toLowerCase();
      if (['yes', 'y', 'true', '1'].includes(s)) return { ok: true, value: true };
      if (['no', 'n', 'false', '0'].includes(s)) return { ok: true, value: false };
      return { ok: false, message: `"${v}" is not yes or no` };
    }
  }
}

// ---------------------------------------------------------------- columns

interface Columns {
  index: Map<string, number>;
  /** Columns with a header that no field maps: index and header. */
  unmapped: { i: number; h: string }[];
  problems: RegisterProblem[];
  warnings: string[];
}

function resolveColumns(table: RawTable, name: TableName, mapping: ColumnMapping): Columns {
  const specs = TABLES[name];
  const headers = table.header.map(normHeader);
  const index = new Map<string, number>();
  const problems: RegisterProblem[] = [];
  const at = {
    file: table.file,
    row: table.headerRow,
    ...(table.sheet === undefined ? {} : { sheet: table.sheet }),
  };
  for (const spec of specs) {
    const wanted = mapping[spec.field];
    const names = wanted !== undefined ? [wanted] : [spec.header, ...spec.aliases];
    const i = names.map((n) => headers.indexOf(normHeader(n))).find((x) => x >= 0);
    if (i !== undefined) index.set(spec.field, i);
    else if (wanted !== undefined)
      problems.push({ ...at, column: wanted, message: `mapped to ${spec.field}, but not in the header` });
  }
  // A title merged across the columns repeats one value (exceljs gives each merged cell the master's).
  const titleLike = new Set(table.header.filter((h) => h !== '')).size <= 1;
  // The header is shown only when the file is recognisably this register (some column matched): a path
  // to the wrong file (a password list saved as CSV) must never put its first line into an error.
  const recognised = index.size > 0;
  const header = recognised
    ? `the header has: ${table.header.join(', ')}`
    : `no column of row ${table.headerRow} is a column of the ${name} register: this does not look like the ${name} register (its content is not shown)`;
  for (const field of REQUIRED_COLUMNS[name]) {
    if (index.has(field) || problems.some((p) => p.message.startsWith(`mapped to ${field},`))) continue;
    const spec = specs.find((s) => s.field === field);
    problems.push({
      ...at,
      column: spec?.header ?? field,
      message: `required column is missing (${header}); map it with ${field}=<your header>${titleLike ? '; the first row looks like a title: name the header row with --header-row N' : ''}`,
    });
  }
  if (name === 'installs' && !index.has('installs') && !index.has('device'))
    problems.push({
      ...at,
      column: 'Installs',
      message: `needs an install count column (Installs, Device count) or one row per device (Device); ${header}`,
    });
  const used = new Set(index.values());
  const unmapped = table.header.map((h, i) => ({ h, i })).filter(({ h, i }) => !used.has(i) && h !== '');
  const warnings = (recognised ? unmapped : []).map(
    ({ h }) =>
      `${table.file}${table.sheet === undefined ? '' : `:${table.sheet}`}: column "${h}" is not part of the ${name} register and was not imported`,
  );
  return { index, unmapped, problems, warnings };
}

// ---------------------------------------------------------------- records

function headerOf(
  name: TableName,
  field: string,
  mapping: ColumnMapping,
  table: RawTable,
  cols: Columns,
): string {
  const i = cols.index.get(field);
  if (i !== undefined) return table.header[i] ?? field;
  return mapping[field] ?? TABLES[name].find((s) => s.field === field)?.header ?? field;
}

function schemaProblems(
  errors: ErrorObject[],
  name: TableName,
  record: Record<string, unknown>,
  header: (field: string) => string,
  disposal: 'reject' | 'keep',
): { column?: string; message: string }[] {
  const out: { column?: string; message: string }[] = [];
  const disposalHeaders = ['date', 'company', 'certificate', 'weeeRef'].map((f) => header(`disposal.${f}`));
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const path = e.instancePath.split('/').filter((p) => p !== '');
    if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      if (missing === 'disposal' || path[0] === 'disposal') {
        if (disposal === 'keep') continue;
        out.push({
          column: missing === 'disposal' ? header('status') : header(`disposal.${missing}`),
          message: `a disposed item needs ${disposalHeaders.join(', ')}; ${missing === 'disposal' ? 'none is filled in' : 'this one is empty'}`,
        });
        continue;
      }
      const message =
        name === 'licences' && missing === 'seats'
          ? `a ${String(record.kind)} licence needs the number of seats`
          : 'is empty; every row needs it';
      out.push({ column: header(missing), message });
      continue;
    }
    if (e.keyword === 'not' && path.length === 0) {
      out.push({
        column: header('status'),
        message: `disposal details are filled in but the status is ${String(record.status)}: set it to disposed or clear ${disposalHeaders.join(', ')}`,
      });
      continue;
    }
    const field = path[0] === 'disposal' && path[1] !== undefined ? `disposal.${path[1]}` : (path[0] ?? '');
    out.push({ column: header(field), message: e.message ?? e.keyword });
  }
  return out;
}

/** Language tags device-management exports append ("Microsoft 365 Apps for enterprise - en-us"). */
const LANGUAGE_TAG =
  /\b(?:en|cy|ga|gd|fr|de|es|it|nl|pl|pt|ro|ru|uk|ar|zh|ja|ko|tr|ur|bn|pa|hi|so)[-_][a-z]{2}\b/g;
/** Build noise: a dotted version ("16.0.14332.20481", "v8.6.2"), a build number, an architecture. */
const VERSION = /\b(?:v|version\s*)?\d+(?:\.\d+){1,3}(?:[-+][a-z0-9.]+)?\b/g;
const BUILD = /\b(?:build|rev)\s*\d+\b/g;
const ARCH = /\b(?:x64|x86|x86_64|amd64|arm64|64[- ]?bits?|32[- ]?bits?)\b/g;
const MARKS = /\((?:r|tm|c)\)|[\u00ae\u2122\u00a9]/gi;

/**
 * The register key of a title: case, spacing, accents, punctuation, trademark signs, and the build
 * noise exports add (dotted versions, build numbers, 32/64-bit, x64, language tags) do not make two
 * titles different. What names a different product stays: a year or edition ("Office 2019" and
 * "Office 2021", "Standard" and "Professional Plus" are separate licences).
 */
export function titleKey(title: string): string {
  return title
    .replace(MARKS, ' ') // before NFKD, which spells ™ as "TM"
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(MARKS, ' ')
    .replace(LANGUAGE_TAG, ' ')
    .replace(VERSION, ' ')
    .replace(BUILD, ' ')
    .replace(ARCH, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Columns that are identifiers: a number stored in one may have lost its leading zeros. */
const IDENTIFIERS: Record<TableName, string[]> = {
  assets: ['serial', 'assetTag'],
  software: [],
  licences: ['contractRef'],
  installs: [],
};

/** Rows searched for the header when no `--header-row` is given. */
const HEADER_SEARCH_ROWS = 30;

/** Where a table's rows come from, told to the reader before the first row. */
export interface TableSource {
  /** The file name used in problems. */
  file: string;
  sheet?: string;
  /**
   * A CSV file's first record (even when blank): its row and header cells (trimmed). A CSV table headed
   * by it keeps CSV rules: a row with another number of fields than the header is broken.
   */
  csvHeader?: { row: number; cells: string[] };
}

/** The header a table is read under: a CSV first record (CSV rules), or a sheet row (`headedAt` rules). */
interface ChosenHeader {
  row: number;
  cells: string[];
  csv: boolean;
}

/**
 * A register table read one row at a time (issue #22: memory bounded by what is kept, never by the
 * file): each non-empty row (full width, in file order) goes to `line`, is read against the header and
 * validated at once, and only its record is kept. The header is the given `--header-row`, or the first
 * of the first 30 rows that maps every required column (those rows are held until it is found), or
 * else the first row. `finish` gives the same parse as `parseTable` of the whole table. Problems and
 * warnings are capped (LIMITS.problems each) with a count of the rest; the caller applies nothing
 * unless `problems` is empty.
 */
export class TableReader<N extends TableName> {
  readonly #name: N;
  readonly #opts: ParseOptions;
  readonly #src: TableSource;
  readonly #mapping: ColumnMapping;
  readonly #disposal: 'reject' | 'keep';
  readonly #keepExtra: boolean;
  readonly #validate: ValidateFunction;
  readonly #firstRow = new Map<string, number>();
  /** Rows held while the header is searched for. */
  #held: RawRow[] = [];
  /** Row numbers above a `--header-row` (titles). */
  #above: number[] = [];
  #header: ChosenHeader | undefined;
  #table: RawTable | undefined;
  #cols: Columns | undefined;
  #headerProblem: RegisterProblem | undefined;
  #width = 0;
  readonly #records: RecordOf<N>[] = [];
  readonly #rows: number[] = [];
  readonly #broken: RegisterProblem[] = [];
  readonly #problems: RegisterProblem[] = [];
  readonly #warnings: string[] = [];
  #moreBroken = 0;
  #moreProblems = 0;
  #moreWarnings = 0;

  constructor(name: N, src: TableSource, opts: ParseOptions = {}) {
    this.#name = name;
    this.#opts = opts;
    this.#src = src;
    this.#mapping = opts.columns ?? {};
    this.#disposal = opts.disposal ?? 'reject';
    this.#keepExtra = opts.extraColumns === 'keep' && name !== 'installs';
    this.#validate = validatorFor(name);
  }

  #where(row: number): { file: string; row: number; sheet?: string } {
    return {
      file: this.#src.file,
      row,
      ...(this.#src.sheet === undefined ? {} : { sheet: this.#src.sheet }),
    };
  }

  /** The table as the header `h` makes it, without rows: what resolveColumns and headerOf read. */
  #tableOf(h: ChosenHeader): RawTable {
    let width = h.cells.length;
    if (!h.csv) while (width > 0 && h.cells[width - 1] === '') width--;
    return {
      file: this.#src.file,
      ...(this.#src.sheet === undefined ? {} : { sheet: this.#src.sheet }),
      header: h.csv ? h.cells : h.cells.slice(0, width).map((c) => c.trim()),
      headerRow: h.row,
      rows: [],
      broken: [],
    };
  }

  #candidate(line: RawRow): ChosenHeader {
    const csv = this.#src.csvHeader;
    return csv !== undefined && csv.row === line.row
      ? { row: csv.row, cells: csv.cells, csv: true }
      : { row: line.row, cells: line.cells, csv: false };
  }

  /** The header is chosen: rows held after it are read now, the rest as they come. */
  #choose(h: ChosenHeader, above: number[]): void {
    this.#header = h;
    this.#table = this.#tableOf(h);
    this.#width = this.#table.header.length;
    const cols = resolveColumns(this.#table, this.#name, this.#mapping);
    this.#cols = cols;
    if (above.length > 0)
      this.#warn(
        `${this.#src.file}${this.#src.sheet === undefined ? '' : `:${this.#src.sheet}`}: the header is on row ${h.row}; row${above.length === 1 ? '' : 's'} ${above.join(', ')} above it ${above.length === 1 ? 'was' : 'were'} read as a title and not imported`,
      );
    if (!this.#keepExtra) for (const w of cols.warnings) this.#warn(w);
    const held = this.#held;
    this.#held = [];
    for (const l of held) if (l.row > h.row) this.#read(l);
  }

  #warn(w: string): void {
    if (this.#warnings.length < LIMITS.problems) this.#warnings.push(w);
    else this.#moreWarnings++;
  }

  #problem(p: RegisterProblem): void {
    if (this.#problems.length < LIMITS.problems) this.#problems.push(p);
    else this.#moreProblems++;
  }

  /** One non-empty row of the file, at full width, in file order. */
  line(line: RawRow): void {
    if (this.#headerProblem !== undefined) return;
    if (this.#header !== undefined) {
      this.#read(line);
      return;
    }
    const wanted = this.#opts.headerRow;
    if (wanted !== undefined) {
      if (line.row < wanted) this.#above.push(line.row);
      else if (line.row === wanted) this.#choose(this.#candidate(line), this.#above);
      else
        this.#headerProblem = {
          ...this.#where(wanted),
          message: `--header-row ${wanted}: the row is empty or past the end of the sheet`,
        };
      return;
    }
    this.#held.push(line);
    const h = this.#candidate(line);
    if (resolveColumns(this.#tableOf(h), this.#name, this.#mapping).problems.length === 0) {
      this.#choose(
        h,
        this.#held.filter((l) => l.row < h.row).map((l) => l.row),
      );
      return;
    }
    if (this.#held.length >= HEADER_SEARCH_ROWS) this.#chooseFirst();
  }

  /** No row within the search maps every column: the first row is the header, so problems list it. */
  #chooseFirst(): void {
    const csv = this.#src.csvHeader;
    const first = this.#held[0];
    if (csv !== undefined) this.#choose({ row: csv.row, cells: csv.cells, csv: true }, []);
    else if (first !== undefined) this.#choose(this.#candidate(first), []);
  }

  #read(raw: RawRow): void {
    const h = this.#header;
    const cols = this.#cols;
    if (h === undefined || cols === undefined) return;
    let row: RawRow;
    if (h.csv) {
      if (raw.cells.length !== h.cells.length) {
        this.#brokenRow({
          ...this.#where(raw.row),
          message: `expected ${h.cells.length} fields as in the header, found ${raw.cells.length}`,
        });
        return;
      }
      row = raw;
    } else {
      const w = this.#width;
      if (raw.cells.slice(w).some((c) => c !== ''))
        this.#brokenRow({ ...this.#where(raw.row), message: 'a value in a column with no header' });
      const cells = raw.cells.slice(0, w);
      if (!cells.some((c) => c !== '')) return;
      row = {
        row: raw.row,
        cells,
        ...(raw.bareNumbers === undefined ? {} : { bareNumbers: raw.bareNumbers.filter((c) => c < w) }),
      };
    }
    if (cols.problems.length === 0) this.#record(row);
  }

  #brokenRow(p: RegisterProblem): void {
    if (this.#broken.length < LIMITS.problems) this.#broken.push(p);
    else this.#moreBroken++;
  }

  #record(raw: RawRow): void {
    const name = this.#name;
    const table = this.#table as RawTable;
    const cols = this.#cols as Columns;
    const header = (field: string) => headerOf(name, field, this.#mapping, table, cols);
    const where = (row: number) => this.#where(row);
    const problems: RegisterProblem[] = [];
    const rec: Record<string, unknown> = {};
    const disp: Record<string, unknown> = {};
    for (const spec of TABLES[name]) {
      const i = cols.index.get(spec.field);
      const v = i === undefined ? '' : (raw.cells[i] ?? '');
      if (v === '') continue;
      if (/[\r\n]/.test(v)) {
        problems.push({
          ...where(raw.row),
          column: header(spec.field),
          message: 'a line break inside the cell',
        });
        continue;
      }
      if (name === 'licences' && spec.field === 'seats' && UNLIMITED.test(v.trim())) {
        // A site licence (or an uncapped subscription) has no seat count: any number is covered.
        if (rec.kind === 'site' || rec.kind === 'subscription') continue;
        problems.push({
          ...where(raw.row),
          column: header('seats'),
          message: `"${v}" seats: only a site licence or a subscription covers any number; ${rec.kind === undefined ? 'set' : `this one is ${String(rec.kind)}, so set`} ${header('kind')} to site, or give the number of seats`,
        });
        continue;
      }
      const c = readCell(spec, v);
      if (!c.ok)
        problems.push({
          ...where(raw.row),
          column: header(spec.field),
          message:
            name === 'licences' &&
            spec.field === 'seats' &&
            (rec.kind === 'site' || rec.kind === 'subscription')
              ? `${c.message}; for any number of seats write Unlimited, or leave it empty`
              : c.message,
        });
      else if (spec.field.startsWith('disposal.')) disp[spec.field.slice('disposal.'.length)] = c.value;
      else if (!(Array.isArray(c.value) && c.value.length === 0)) rec[spec.field] = c.value;
    }
    if (Object.keys(disp).length > 0) rec.disposal = disp;
    for (const field of IDENTIFIERS[name]) {
      const i = cols.index.get(field);
      if (i === undefined || !(raw.bareNumbers ?? []).includes(i)) continue;
      this.#warn(
        `${formatRegisterProblem({ ...where(raw.row), column: header(field), message: '' })}${raw.cells[i] ?? ''} was stored as a number, so any leading zeros are lost: check it, and format the column as Text (or 00000000) in the spreadsheet`,
      );
    }
    if (name === 'installs') {
      const device = rec.device;
      delete rec.device;
      delete rec.version;
      if (rec.installs === undefined && typeof device === 'string') rec.installs = 1;
      if (typeof device === 'string') rec.devices = [device];
    }
    const validate = this.#validate;
    if (problems.length === 0 && !validate(rec))
      for (const p of schemaProblems(validate.errors ?? [], name, rec, header, this.#disposal))
        problems.push({ ...where(raw.row), ...p });
    if (problems.length === 0 && name === 'assets') {
      for (const key of ['assetTag', 'serial'] as const) {
        const k = `${key}:${String(rec[key]).toLowerCase()}`;
        const first = this.#firstRow.get(k);
        if (first !== undefined)
          problems.push({
            ...where(raw.row),
            column: header(key),
            message: `"${String(rec[key])}" is already on row ${first}`,
          });
        else this.#firstRow.set(k, raw.row);
      }
    }
    if (problems.length > 0) {
      for (const p of problems) this.#problem(p);
      return;
    }
    if (name === 'assets' && rec.status === 'disposed' && this.#disposal === 'keep') {
      const d = (rec.disposal ?? {}) as Record<string, unknown>;
      rec.disposal = { date: '', company: '', certificate: '', weeeRef: '', ...d };
    }
    if (this.#keepExtra) {
      const extra: Record<string, string> = {};
      for (const { i, h } of cols.unmapped) if ((raw.cells[i] ?? '') !== '') extra[h] = raw.cells[i] ?? '';
      if (Object.keys(extra).length > 0) rec.extra = extra;
    }
    this.#records.push(rec as unknown as RecordOf<N>);
    this.#rows.push(raw.row);
  }

  /** The parse: every record, or (when `problems` is not empty) records that must not be applied. */
  finish(): TableParse<RecordOf<N>> {
    if (this.#headerProblem === undefined && this.#header === undefined) {
      if (this.#opts.headerRow !== undefined)
        this.#headerProblem = {
          ...this.#where(this.#opts.headerRow),
          message: `--header-row ${this.#opts.headerRow}: the row is empty or past the end of the sheet`,
        };
      else this.#chooseFirst();
    }
    if (this.#headerProblem !== undefined)
      return { records: [], rows: [], problems: [this.#headerProblem], warnings: [] };
    const more = (n: number, what: string): RegisterProblem[] =>
      n === 0
        ? []
        : [
            {
              file: this.#src.file,
              ...(this.#src.sheet === undefined ? {} : { sheet: this.#src.sheet }),
              row: 0,
              message: `and ${n} more ${what} not listed (the first ${LIMITS.problems} are)`,
            },
          ];
    const out: TableParse<RecordOf<N>> = {
      records: this.#records,
      rows: this.#rows,
      problems: [
        ...(this.#cols?.problems ?? []),
        ...this.#broken,
        ...more(this.#moreBroken, 'broken rows'),
        ...this.#problems,
        ...more(this.#moreProblems, 'problems'),
      ],
      warnings: [
        ...this.#warnings,
        ...(this.#moreWarnings === 0
          ? []
          : [`${this.#src.file}: and ${this.#moreWarnings} more warnings not listed`]),
      ],
    };
    if (this.#cols !== undefined && this.#cols.problems.length > 0) {
      out.records = [];
      out.rows = [];
    }
    if (this.#name === 'installs') mergeInstalls(out as TableParse<InstallCount>);
    return out;
  }
}

/** A whole table (cells.ts) read as `TableReader` reads a stream. */
export function parseTable<N extends TableName>(
  input: RawTable,
  name: N,
  opts: ParseOptions = {},
): TableParse<RecordOf<N>> {
  const reader = new TableReader(name, tableSource(input), opts);
  for (const line of input.lines ?? [{ row: input.headerRow, cells: input.header }, ...input.rows])
    reader.line(line);
  return reader.finish();
}

/** What a whole table says about its source: a CSV table keeps its first record as `csvHeader`. */
function tableSource(t: RawTable): TableSource {
  return {
    file: t.file,
    ...(t.sheet === undefined ? {} : { sheet: t.sheet }),
    ...(t.csv === true ? { csvHeader: { row: t.headerRow, cells: t.header } } : {}),
  };
}

/** One count per title: an export lists each version (or each device) on its own row. */
function mergeInstalls(t: TableParse<InstallCount>): void {
  const byKey = new Map<string, { rec: InstallCount; row: number }>();
  t.records.forEach((r, i) => {
    const k = titleKey(r.title);
    const prev = byKey.get(k);
    if (prev === undefined) byKey.set(k, { rec: { ...r }, row: t.rows[i] ?? 0 });
    else {
      prev.rec.installs += r.installs;
      if (r.devices !== undefined) prev.rec.devices = [...(prev.rec.devices ?? []), ...r.devices];
    }
  });
  t.records = [...byKey.values()].map((v) => v.rec);
  t.rows = [...byKey.values()].map((v) => v.row);
}
