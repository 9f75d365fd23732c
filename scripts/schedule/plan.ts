/**
 * When a school's nightly audit fires: pure and clock-free, so the UK clock changes can be tested with
 * any instant. The cron package computes the fire times (its `CronTime`, the same code `CronJob` runs
 * on); this module adds what it does not do: the per-school spread, and the local-time key the
 * scheduler dedupes on, because in the autumn hour that happens twice a wall-clock job may fire twice.
 */
import { createHash } from 'node:crypto';
import { CronTime } from 'cron';

export const DEFAULT_CRON = '30 1 * * *';
export const DEFAULT_TIMEZONE = 'Europe/London';

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

/** Parses the expression once; a bad expression or zone is a clear error naming both. */
export function cronTime(cron: string, timezone: string): CronTime {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: timezone });
  } catch {
    throw new ScheduleError(`unknown time zone "${timezone}" (use an IANA name such as Europe/London)`);
  }
  try {
    return new CronTime(cron, timezone);
  } catch (e) {
    throw new ScheduleError(`invalid cron expression "${cron}": ${(e as Error).message}`);
  }
}

/** The first fire time strictly after `after`. */
export function nextFire(cron: string, timezone: string, after: Date): Date {
  return cronTime(cron, timezone).getNextDateFrom(after, timezone).toJSDate();
}

/**
 * The local wall-clock minute a fire time stands for ("2026-10-25 01:30" in the school's zone): two
 * fires with the same key are the same scheduled run (the repeated autumn hour).
 */
export function localKey(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const p = (t: Intl.DateTimeFormatPartTypes): string => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

/** Every fire time in [from, to), deduplicated by local wall-clock minute. */
export function fireTimes(cron: string, timezone: string, from: Date, to: Date): Date[] {
  const ct = cronTime(cron, timezone);
  const out: Date[] = [];
  const seen = new Set<string>();
  // getNextDateFrom is strictly after its start; step back 1 ms so a fire exactly at `from` counts.
  let at = new Date(from.getTime() - 1);
  for (;;) {
    at = ct.getNextDateFrom(at, timezone).toJSDate();
    if (at.getTime() >= to.getTime()) return out;
    const key = localKey(at, timezone);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(at);
  }
}

/**
 * A per-school delay in [0, windowMs) from a hash of its id: stable across restarts and machines, and
 * spread evenly enough that 200 schools on the same cron line do not all start in the same second.
 */
export function spreadMs(schoolId: string, windowMs: number): number {
  if (windowMs <= 0) return 0;
  const h = createHash('sha256').update(schoolId).digest();
  const seconds = Math.max(1, Math.floor(windowMs / 1000));
  return (h.readUInt32BE(0) % seconds) * 1000;
}

export interface PlannedRun {
  school: string;
  /** The cron fire time. */
  fire: Date;
  /** fire + the school's spread: when its audit actually starts. */
  start: Date;
  key: string;
}

export interface SchoolSchedule {
  school: string;
  cron: string;
  timezone: string;
}

/** Every school's runs in [from, to), in start order: what one night looks like. */
export function planRuns(
  schedules: readonly SchoolSchedule[],
  from: Date,
  to: Date,
  windowMs: number,
): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const s of schedules) {
    const offset = spreadMs(s.school, windowMs);
    for (const fire of fireTimes(s.cron, s.timezone, from, to))
      runs.push({
        school: s.school,
        fire,
        start: new Date(fire.getTime() + offset),
        key: localKey(fire, s.timezone),
      });
  }
  return runs.sort((a, b) => a.start.getTime() - b.start.getTime() || a.school.localeCompare(b.school));
}
