/**
 * School calendars as data: UK bank holidays by GOV.UK division (uk-bank-holidays.json) for
 * working-day grace periods ("disabled within one working day"), and school terms for termly
 * cadences ("the guest key is changed every term"). Dates are ISO `yyyy-mm-dd` strings, judged as
 * calendar dates (no time zone). A date outside the data's range is an error, never a guess.
 */
import table from './uk-bank-holidays.json' with { type: 'json' };

export type Division = 'england-and-wales' | 'scotland' | 'northern-ireland';
export const DIVISIONS: readonly Division[] = ['england-and-wales', 'scotland', 'northern-ireland'];

export class CalendarRangeError extends Error {
  constructor(date: string) {
    super(
      `${date} is outside the bank holiday data (${table.covers.from} to ${table.covers.to}, checks/lib/calendar/uk-bank-holidays.json from ${table.source}); add the year's dates`,
    );
    this.name = 'CalendarRangeError';
  }
}

const HOLIDAYS = new Map<Division, ReadonlySet<string>>(
  DIVISIONS.map((d) => [d, new Set(table.divisions[d].map((h) => h.date))]),
);

export const BANK_HOLIDAY_SOURCE = table.source;

/** The bank holidays of a division, as ISO dates. */
export function bankHolidays(division: Division): ReadonlySet<string> {
  return HOLIDAYS.get(division) ?? new Set();
}

/** The division a school's jurisdiction implies, unless it declares one (independent schools: England and Wales by default). */
export function divisionFor(jurisdiction: string, declared?: Division): Division {
  if (declared !== undefined) return declared;
  if (jurisdiction === 'scotland') return 'scotland';
  if (jurisdiction === 'northern-ireland') return 'northern-ireland';
  return 'england-and-wales';
}

const DAY = 86_400_000;
const toTime = (iso: string): number => Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);
const toIso = (t: number): string => new Date(t).toISOString().slice(0, 10);

function inRange(iso: string): void {
  if (iso < table.covers.from || iso > table.covers.to) throw new CalendarRangeError(iso);
}

/** Monday to Friday and not a bank holiday of the division. */
export function isWorkingDay(iso: string, division: Division): boolean {
  inRange(iso);
  const dow = new Date(toTime(iso)).getUTCDay();
  return dow !== 0 && dow !== 6 && !bankHolidays(division).has(iso.slice(0, 10));
}

/** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
export function workingDaysBetween(from: string, to: string, division: Division): number {
  let n = 0;
  for (let t = toTime(from) + DAY; t <= toTime(to); t += DAY) if (isWorkingDay(toIso(t), division)) n++;
  return n;
}

/** The date `n` working days after `from` (the deadline of "within n working days"). */
export function addWorkingDays(from: string, n: number, division: Division): string {
  let t = toTime(from);
  for (let left = n; left > 0;) {
    t += DAY;
    if (isWorkingDay(toIso(t), division)) left--;
  }
  return toIso(t);
}

// ---------------------------------------------------------------- terms

export interface Term {
  /** e.g. "Autumn 2026" or the school's own name ("Michaelmas 2026"). */
  name: string;
  start: string;
  end: string;
}

/**
 * The default when a school declares no terms: the three terms of the English school year, each
 * running to the day before the next starts, so every date falls in one term: autumn from 1 September,
 * spring from 1 January, summer from the Monday after Easter Monday (the Easter holidays belong to the
 * spring term). A school's own term dates (`calendar.terms`) replace these.
 */
export function defaultTerms(fromYear: number, toYear: number): Term[] {
  const out: Term[] = [];
  for (let y = fromYear; y <= toYear; y++) {
    const summer = toIso(toTime(easterSunday(y)) + 8 * DAY);
    out.push({ name: `Spring ${y}`, start: `${y}-01-01`, end: toIso(toTime(summer) - DAY) });
    out.push({ name: `Summer ${y}`, start: summer, end: `${y}-08-31` });
    out.push({ name: `Autumn ${y}`, start: `${y}-09-01`, end: `${y}-12-31` });
  }
  return out;
}

/** Easter Sunday (Gregorian; the anonymous algorithm). */
export function easterSunday(y: number): string {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The index of the term holding `iso` (a date between two declared terms belongs to the earlier). */
export function termIndex(iso: string, terms: readonly Term[]): number | undefined {
  let found: number | undefined;
  terms.forEach((t, i) => {
    if (t.start <= iso) found = i;
  });
  return found;
}

// ---------------------------------------------------------------- cadences

export type Cadence = 'daily' | 'weekly' | 'monthly' | 'termly' | 'yearly';

export interface CadenceStatus {
  /** The last date it may next be given without being overdue. */
  due: string;
  overdue: boolean;
}

/** The same day `n` months on, or the month's last day when it has no such day (31 January -> 28 February). */
function plusMonths(d: Date, n: number): string {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return toIso(Date.UTC(y, m, Math.min(d.getUTCDate(), last)));
}

/**
 * When an attestation last given on `last` is next due, and whether it is overdue on `asOf`. daily,
 * weekly, monthly, yearly: one period after it was given. termly: by the end of the term after the one
 * it was given in (each term needs one; a term with none makes it overdue). Never given: overdue.
 */
export function cadenceStatus(
  last: string | undefined,
  every: Cadence,
  asOf: string,
  terms: readonly Term[],
): CadenceStatus | { due: undefined; overdue: true } {
  if (last === undefined) return { due: undefined, overdue: true };
  let due: string;
  const d = new Date(toTime(last));
  switch (every) {
    case 'daily':
      due = toIso(toTime(last) + DAY);
      break;
    case 'weekly':
      due = toIso(toTime(last) + 7 * DAY);
      break;
    case 'monthly':
      due = plusMonths(d, 1);
      break;
    case 'yearly':
      due = plusMonths(d, 12);
      break;
    case 'termly': {
      const i = termIndex(last, terms);
      const next = i === undefined ? undefined : terms[i + 1];
      if (next === undefined) throw new CalendarRangeError(last);
      due = next.end;
      break;
    }
  }
  return { due, overdue: asOf.slice(0, 10) > due };
}
