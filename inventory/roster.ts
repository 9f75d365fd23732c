/**
 * The roster: an MIS export (CSV) of staff and pupils, read by the declaration's column mapping
 * (`lifecycle.roster.columns`). Exports come out of spreadsheets and MIS tools in every shape, so:
 * a UTF-8 BOM and CRLF line ends are fine; dates may be UK `dd/mm/yyyy` or ISO `yyyy-mm-dd`
 * (`dateFormat: auto` accepts both and refuses what could be read two ways); and a row that cannot be
 * read is never dropped quietly: it becomes a problem naming its line, and callers treat any problem as
 * an error (the leavers command exits 2).
 */
import { resolve } from 'node:path';
import { streamCsv } from './csv-stream.ts';
import { InputTooLargeError, LIMITS } from './limits.ts';
import { confinedFile } from './confine.ts';
import { parse } from 'csv-parse/sync';
import type { RosterFacts, RosterPerson } from './facts.ts';
import type { Lifecycle, LoadedSchool, RosterColumns } from './types.ts';

export type DateFormat = Lifecycle['roster']['dateFormat'];

export interface RosterProblem {
  file: string;
  /** 1-based line of the row (1 = the header). */
  line: number;
  /** The column concerned, by its header name. */
  column?: string;
  message: string;
}

export interface RosterParse {
  people: RosterPerson[];
  problems: RosterProblem[];
}

export function formatRosterProblem(p: RosterProblem): string {
  return `${p.file}:${p.line}: ${p.column ? `${p.column}: ` : ''}${p.message}`;
}

// ---------------------------------------------------------------- dates

export type DateResult = { ok: true; iso: string } | { ok: false; reason: string };

function calendar(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const UK = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/;
const TWO_DIGIT_YEAR = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$/;

function parseIso(v: string): DateResult | undefined {
  const m = ISO.exec(v);
  if (!m) return undefined;
  const iso = calendar(Number(m[1]), Number(m[2]), Number(m[3]));
  return iso ? { ok: true, iso } : { ok: false, reason: `${v} is not a real date` };
}

function parseUk(v: string): DateResult | undefined {
  const m = UK.exec(v);
  if (!m) return undefined;
  const d = Number(m[1]);
  const mo = Number(m[3]);
  const iso = calendar(Number(m[4]), mo, d);
  if (iso) return { ok: true, iso };
  if (mo > 12 && d <= 12)
    return { ok: false, reason: `${v} is not a dd/mm/yyyy date (it looks like US month/day order)` };
  return { ok: false, reason: `${v} is not a real date` };
}

/** One date cell to an ISO date (`yyyy-mm-dd`); '' is "no date". */
export function parseRosterDate(raw: string, format: DateFormat): DateResult | { ok: true; iso: undefined } {
  const v = raw.trim();
  if (v === '') return { ok: true, iso: undefined };
  if (TWO_DIGIT_YEAR.test(v))
    return {
      ok: false,
      reason: `${v} has a two-digit year, which could mean more than one date: use dd/mm/yyyy`,
    };
  if (/^\d{5}(?:\.\d+)?$/.test(v))
    return { ok: false, reason: `${v} looks like a spreadsheet date serial number: export dates as text` };
  const iso = format === 'uk' ? undefined : parseIso(v);
  if (iso) return iso;
  const uk = format === 'iso' ? undefined : parseUk(v);
  if (uk) return uk;
  const expected =
    format === 'uk' ? 'dd/mm/yyyy' : format === 'iso' ? 'yyyy-mm-dd' : 'dd/mm/yyyy or yyyy-mm-dd';
  return { ok: false, reason: `${v} is not a ${expected} date` };
}

// ---------------------------------------------------------------- rows

type Field =
  'misId' | 'account' | 'givenName' | 'surname' | 'role' | 'leavingDate' | 'startDate' | 'aupSigned';
const REQUIRED: Field[] = ['givenName', 'surname', 'role', 'leavingDate'];
const OPTIONAL: Field[] = ['misId', 'account', 'startDate', 'aupSigned'];
const DATE_FIELDS = new Set<Field>(['leavingDate', 'startDate', 'aupSigned']);

/** Control characters shown escaped in messages. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function shown(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function norm(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase();
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
  raw: string;
}

export interface RosterOptions {
  /** The file name used in problems. */
  file: string;
  columns: RosterColumns;
  dateFormat: DateFormat;
}

/**
 * Reads roster records one at a time (from a string or a stream): the header first, then each row
 * into a person or problems naming its line. Holds the people and problems only, never the text.
 */
class RosterBuilder {
  readonly people: RosterPerson[] = [];
  readonly problems: RosterProblem[] = [];
  readonly #o: RosterOptions;
  #header: string[] | undefined;
  readonly #index = new Map<Field, number>();
  readonly #seen = new Map<string, number>();
  /** The header has problems: the rows are not read. */
  stopped = false;
  /** The last line of the last record read (where a broken record starts after). */
  lastLine = 0;
  rows = 0;
  /** Row problems past LIMITS.problems: counted, not kept (a 500,000-row file of bad rows stays small). */
  #more = 0;
  #moreFrom = 0;

  constructor(o: RosterOptions) {
    this.#o = o;
  }

  /** One record; false once reading should stop (a bad header). */
  add(rec: CsvRecord): boolean {
    this.lastLine = rec.info.lines;
    if (this.#header === undefined) return this.#readHeader(rec.record);
    this.rows++;
    this.#row(rec);
    return true;
  }

  #readHeader(record: string[]): boolean {
    const { file, columns } = this.#o;
    this.#header = record;
    const names = record.map(norm);
    const missing: Array<{ field: Field; wanted: string }> = [];
    for (const field of [...REQUIRED, ...OPTIONAL]) {
      const wanted = columns[field];
      if (wanted === undefined) continue;
      const at = names.indexOf(norm(wanted));
      if (at < 0) missing.push({ field, wanted });
      else this.#index.set(field, at);
    }
    // The header is shown only when the file is recognisably a roster (some declared column matched):
    // a path to the wrong file must never put that file's first line into an error, a report or an email.
    const listed = this.#index.size > 0 ? `: ${record.map((h) => h.slice(0, 64)).join(', ')}` : '';
    if (missing.length > 0 && this.#index.size === 0)
      this.problems.push({
        file,
        line: 1,
        message: `none of the declared columns (lifecycle.roster.columns) is in the header row: this does not look like the roster export (its content is not shown)`,
      });
    else
      for (const { field, wanted } of missing)
        this.problems.push({
          file,
          line: 1,
          column: wanted,
          message: `column "${wanted}" (lifecycle.roster.columns.${field}) is not in the header${listed}`,
        });
    this.stopped = this.problems.length > 0;
    return !this.stopped;
  }

  #row(rec: CsvRecord): void {
    const { file, columns, dateFormat } = this.#o;
    const header = this.#header ?? [];
    const index = this.#index;
    const problems: RosterProblem[] = [];
    // info.lines is the record's last line; a quoted field may span several, and `raw` also carries
    // the empty lines skipped before the record.
    const inner = rec.raw.replace(/^\n+/, '').replace(/\n$/, '');
    const line = rec.info.lines - (inner.match(/\n/g)?.length ?? 0);
    if (rec.record.length !== header.length) {
      this.#problems([
        {
          file,
          line,
          message: `expected ${header.length} fields as in the header, found ${rec.record.length}`,
        },
      ]);
      return;
    }
    const cell = (f: Field) => {
      const i = index.get(f);
      return i === undefined ? '' : (rec.record[i] ?? '').trim().normalize('NFC');
    };
    const person: RosterPerson = {
      line,
      id: cell('misId'),
      givenName: cell('givenName'),
      surname: cell('surname'),
      role: cell('role'),
    };
    if (index.has('account')) person.account = cell('account');
    const texts = [
      ['misId', person.id],
      ['account', person.account ?? ''],
      ['givenName', person.givenName],
      ['surname', person.surname],
      ['role', person.role],
    ] as const;
    for (const [f, v] of texts)
      if (/[\n\r]/.test(v))
        problems.push({ file, line, column: columns[f], message: 'a line break inside the field' });
    // An id alone identifies the person; a row with neither id, account nor name identifies nobody.
    if (person.givenName === '' && person.surname === '' && person.id === '' && (person.account ?? '') === '')
      problems.push({
        file,
        line,
        column: columns.misId ?? columns.givenName,
        message: 'no id, account or name: this row names nobody',
      });
    if (person.role === '') problems.push({ file, line, column: columns.role, message: 'no role' });
    for (const f of DATE_FIELDS) {
      if (!index.has(f)) continue;
      const r = parseRosterDate(cell(f), dateFormat);
      if (!r.ok) problems.push({ file, line, column: columns[f], message: r.reason });
      else if (r.iso !== undefined) person[f as 'leavingDate' | 'startDate' | 'aupSigned'] = r.iso;
    }
    for (const [f, v] of [
      ['misId', person.id],
      ['account', person.account ?? ''],
    ] as const) {
      if (v === '') continue;
      const key = `${f}\u0000${v.normalize('NFKC').toLowerCase()}`;
      const first = this.#seen.get(key);
      if (first !== undefined)
        problems.push({
          file,
          line,
          column: columns[f],
          message: `${shown(v)} is also on line ${first}: one row per person, each with their own ${f === 'misId' ? 'id' : 'account'}`,
        });
      else this.#seen.set(key, line);
    }
    if (problems.length === 0) this.people.push(person);
    else this.#problems(problems);
  }

  #problems(ps: RosterProblem[]): void {
    for (const p of ps) {
      if (this.problems.length < LIMITS.problems) this.problems.push(p);
      else if (this.#more++ === 0) this.#moreFrom = p.line;
    }
  }

  /** The problems kept, and one more counting the rest (on the first line left out). */
  #listed(): RosterProblem[] {
    if (this.#more === 0) return this.problems;
    return [
      ...this.problems,
      {
        file: this.#o.file,
        line: this.#moreFrom,
        message: `and ${this.#more} more problem${this.#more === 1 ? '' : 's'} on this and later lines, not listed (the first ${LIMITS.problems} are)`,
      },
    ];
  }

  finish(broken?: RosterProblem): RosterParse {
    if (this.#header === undefined)
      return {
        people: [],
        problems: [broken ?? { file: this.#o.file, line: 1, message: 'the roster is empty (no header row)' }],
      };
    const listed = this.#listed();
    return { people: this.people, problems: broken ? [...listed, broken] : listed };
  }
}

/** The CSV error as a problem at `line`; the file's content stays out of it. */
function brokenAt(file: string, line: number, e: unknown): RosterProblem {
  // csv-parse may quote the offending value ("..., value is \"...\""): the file's content stays out.
  const reason = (e as Error).message
    .replace(/ at line \d+/, '')
    .replace(/^Quote Not Closed: /, '')
    .replace(/,? value is .*$/s, '');
  return {
    file,
    line,
    message: `not readable as CSV (${reason}); this row and everything after it were not read`,
  };
}

/** Parse roster text; never throws for bad data (everything wrong is in `problems`). */
export function parseRoster(text: string, opts: RosterOptions): RosterParse {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let records: CsvRecord[];
  let broken: RosterProblem | undefined;
  try {
    records = readRecords(lines.join('\n'));
  } catch (e) {
    // csv-parse stops at the end of the input for an unclosed quote: find where the unreadable record
    // starts (the longest prefix that parses), read the rows before it, and report it at that line.
    let k = Math.min((e as { lines?: number }).lines ?? lines.length, lines.length) - 1;
    records = [];
    for (; k > 0; k--) {
      try {
        records = readRecords(lines.slice(0, k).join('\n'));
        break;
      } catch {
        // keep shortening
      }
    }
    broken = brokenAt(opts.file, k + 1, e);
  }
  const b = new RosterBuilder(opts);
  for (const rec of records) if (!b.add(rec)) break;
  return b.finish(broken);
}

/**
 * Reads and parses a roster file as a stream (inventory/csv-stream.ts): memory holds the people read
 * so far, never the file. The size limit is checked on the open file and again while reading, and the
 * row limit as rows come; past either, the read stops and the whole roster is refused (a problem on
 * line 0: nothing partial).
 */
async function streamRoster(
  file: string,
  opts: RosterOptions,
  limits: { bytes: number; rows: number },
): Promise<RosterParse> {
  const b = new RosterBuilder(opts);
  let refused: RosterProblem | undefined;
  try {
    await streamCsv(file, {
      limit: limits.bytes,
      what: 'the roster',
      onRecord: (rec) => {
        if (b.rows >= limits.rows) {
          refused = {
            file: opts.file,
            line: 0,
            message: `more than ${limits.rows} rows (the roster limit): refused; line ${rec.info.lines} was not read`,
          };
          return false;
        }
        return b.add(rec);
      },
    });
  } catch (e) {
    // The file's own errors (too large, unreadable) refuse it; a CSV error is a problem at its line.
    if (e instanceof InputTooLargeError || typeof (e as NodeJS.ErrnoException).errno === 'number') throw e;
    return b.finish(brokenAt(opts.file, b.lastLine + 1, e));
  }
  if (refused !== undefined) return { people: [], problems: [refused] };
  return b.finish();
}

function readRecords(text: string): CsvRecord[] {
  // CRLF is normalised first (by the caller): csv-parse's line counting drifts on CRLF files.
  return parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    raw: true,
  }) as unknown as CsvRecord[];
}

export class RosterError extends Error {
  readonly problems: RosterProblem[];
  constructor(problems: RosterProblem[]) {
    super(
      `the roster has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(formatRosterProblem).join('\n')}`,
    );
    this.name = 'RosterError';
    this.problems = problems;
  }
}

/**
 * Read and parse a roster file, streamed (see `streamRoster`); a missing, unreadable or oversized file
 * is a problem on line 0.
 */
export async function readRoster(
  file: string,
  roster: Lifecycle['roster'],
  limits: { bytes?: number; rows?: number } = {},
): Promise<RosterParse & { file: string }> {
  try {
    return {
      file,
      ...(await streamRoster(
        file,
        { file, columns: roster.columns, dateFormat: roster.dateFormat },
        { bytes: limits.bytes ?? LIMITS.rosterBytes, rows: limits.rows ?? LIMITS.rosterRows },
      )),
    };
  } catch (e) {
    return {
      file,
      people: [],
      problems: [
        { file, line: 0, message: `cannot read the roster: ${(e as NodeJS.ErrnoException).code ?? e}` },
      ],
    };
  }
}

/** The roster file, inside the school's folder with links followed (inventory/confine.ts). */
async function rosterPath(loaded: LoadedSchool, lifecycle: Lifecycle): Promise<string> {
  try {
    return await confinedFile(
      resolve(loaded.dir, lifecycle.roster.file),
      [loaded.dir],
      'lifecycle.roster.file',
    );
  } catch (e) {
    throw new RosterError([{ file: lifecycle.roster.file, line: 0, message: (e as Error).message }]);
  }
}

/**
 * The roster facts for the audit: the good rows, and every bad row as a problem naming its line (the
 * leavers check judges the good rows and reports the bad ones as errors; the other roster checks
 * refuse a roster with problems). An unreadable file or a missing column is still an error.
 */
export async function auditRosterFacts(loaded: LoadedSchool): Promise<RosterFacts> {
  const lifecycle = loaded.decl.lifecycle;
  if (!lifecycle) throw new Error(`${loaded.file}: no lifecycle.roster is declared`);
  const r = await readRoster(await rosterPath(loaded, lifecycle), lifecycle.roster);
  const fatal = r.problems.filter((p) => p.line <= 1);
  if (fatal.length > 0) throw new RosterError(r.problems);
  const out: RosterFacts = { file: lifecycle.roster.file, people: r.people };
  if (r.problems.length > 0)
    out.problems = r.problems.map((p) => formatRosterProblem({ ...p, file: lifecycle.roster.file }));
  return out;
}

/** The roster facts for a school (the lifecycle's reader, before any write); any problem is an error. */
export async function rosterFacts(loaded: LoadedSchool): Promise<RosterFacts> {
  const lifecycle = loaded.decl.lifecycle;
  if (!lifecycle) throw new Error(`${loaded.file}: no lifecycle.roster is declared`);
  const r = await readRoster(await rosterPath(loaded, lifecycle), lifecycle.roster);
  if (r.problems.length > 0) throw new RosterError(r.problems);
  return { file: lifecycle.roster.file, people: r.people }; // as declared: reports show it to heads
}
