/**
 * The one unit for every time option of the CLI: a number with a unit (`250ms`, `300s`, `5m`, `1h`)
 * or a bare number, which means seconds. Every duration option parses through here and holds
 * milliseconds, so `--school-timeout 300` means five minutes in `audit` and `schedule` alike.
 */
import { InvalidArgumentError } from 'commander';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;

/** How every duration option's help describes its value. */
export const DURATION_HELP = 'a duration: 250ms, 300s, 5m, 1h, or bare seconds (300)';

/** A duration in milliseconds, or an error message saying what is accepted. */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const m = DURATION.exec(text.trim());
  const bad = { error: `must be ${DURATION_HELP}; got ${JSON.stringify(text)}` };
  if (m === null) return bad;
  const ms = Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS];
  if (!Number.isFinite(ms) || !Number.isInteger(ms))
    return { error: `must be a whole number of milliseconds; got ${JSON.stringify(text)}` };
  if (ms > Number.MAX_SAFE_INTEGER || ms > 2 ** 31 - 1)
    return { error: `must be at most 24 days (a timer's limit); got ${JSON.stringify(text)}` };
  return { ms };
}

/**
 * A commander option parser giving milliseconds; a bad value is a usage error (exit 3) naming what
 * is accepted. `min` is in milliseconds.
 */
export function durationMs(min = 0): (v: string) => number {
  return (v: string) => {
    const r = parseDuration(v);
    if ('error' in r) throw new InvalidArgumentError(r.error);
    if (r.ms < min)
      throw new InvalidArgumentError(`must be at least ${formatDuration(min)}; got ${JSON.stringify(v)}`);
    return r.ms;
  };
}

/** Milliseconds as the shortest exact spelling the parser accepts (`5m`, `90s`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`;
  if (ms !== 0 && ms % UNIT_MS.m === 0) return `${ms / UNIT_MS.m}m`;
  if (ms % UNIT_MS.s === 0) return `${ms / UNIT_MS.s}s`;
  return `${ms}ms`;
}
