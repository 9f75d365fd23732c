/**
 * The one CSV writer, and the one place text from outside (a roster, a directory, a device, a register)
 * is made safe for a spreadsheet or a terminal. Every command that writes CSV goes through `toCsv`. It
 * lives in inventory/ because that is the lowest layer: the register export, the reports and the CLI
 * can all import it.
 *
 * Formula injection (OWASP "CSV Injection"): a cell starting with = + - @, a tab or a carriage return is
 * read by Excel, LibreOffice and Google Sheets as a formula (`=HYPERLINK(...)`, `-2+3`, `@SUM(...)`,
 * `+cmd|...`). Such a cell gets a leading apostrophe, which the spreadsheet shows as text. Full-width
 * look-alikes (＝ ＋ － ＠) are treated the same, since some spreadsheets fold them. A value that already
 * starts with apostrophes before such a character gets one more, so `readCell` undoes exactly one and a
 * file exported and imported again is unchanged.
 */
import { stringify } from 'csv-stringify/sync';

const FORMULA = /^'*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/** A cell a spreadsheet will show as text, never evaluate. */
export function safeCell(v: string): string {
  return FORMULA.test(v) ? `'${v}` : v;
}

/** The inverse of `safeCell`, for importers reading back a file we wrote. */
export function readCell(v: string): string {
  return v.startsWith("'") && FORMULA.test(v.slice(1)) ? v.slice(1) : v;
}

export type CsvValue = string | number | boolean | null | undefined;

function text(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/**
 * Rows (the first usually the header) to CSV text, every cell neutralised; `quoteAll` quotes every cell
 * (the audit's export does, so a cell is never split by a program that ignores quoting rules).
 */
export function toCsv(rows: readonly (readonly CsvValue[])[], opts: { quoteAll?: boolean } = {}): string {
  return stringify(
    rows.map((r) => r.map((c) => safeCell(text(c)))),
    opts.quoteAll ? { quoted_string: true } : {},
  );
}

// C0 and C1 controls, DEL, the Unicode line/paragraph separators and the bidirectional overrides and
// isolates (which can make a terminal line read differently from its bytes).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text for a terminal table or a one-line message: control characters shown as \uXXXX. */
export function escapeControls(s: string): string {
  return s.replace(CONTROLS, escapeOne);
}

/**
 * JSON whose text carries no raw control characters: JSON.stringify escapes C0 itself; DEL, C1, the
 * line separators and bidi controls are written as \uXXXX too (still valid JSON, the same value).
 */
export function safeJson(value: unknown, indent = 2): string {
  // Not C0: the stringified text holds no raw C0 besides the indentation's own line breaks.
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    escapeOne,
  );
}
