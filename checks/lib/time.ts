/** Dates for checks: always relative to the run's `ctx.now`, never the clock. */

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch, or undefined for a missing or unparsable date. */
export function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined || iso === '') return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number | undefined {
  const a = parseTime(from);
  const b = parseTime(to);
  if (a === undefined || b === undefined) return undefined;
  return Math.floor((b - a) / DAY_MS);
}

/** `iso` plus a number of calendar months (day clamped to the month's end), as YYYY-MM-DD. */
export function addMonths(iso: string, months: number): string | undefined {
  const t = parseTime(iso);
  if (t === undefined) return undefined;
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const target = new Date(Date.UTC(y, m, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.toISOString().slice(0, 10);
}

/** YYYY-MM-DD of an ISO time. */
export function day(iso: string): string {
  return iso.slice(0, 10);
}
