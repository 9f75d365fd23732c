/**
 * The nightly plan across the UK clock changes, computed by the cron package's own time arithmetic
 * with an injected time range (no real clock): a 01:30 Europe/London job runs exactly once on the
 * spring-forward Sunday (01:30 does not exist that night) and once on the autumn-back Sunday (01:30
 * happens twice). The spread is stable and keeps 200 schools from starting in the same second.
 */
import { describe, expect, it } from 'vitest';
import { fireTimes, localKey, nextFire, planRuns, ScheduleError, spreadMs } from './plan.ts';

const LONDON = 'Europe/London';
const day = (iso: string): [Date, Date] => {
  const from = new Date(`${iso}T00:00:00Z`);
  return [new Date(from.getTime() - 3_600_000), new Date(from.getTime() + 25 * 3_600_000)];
};
/** Fires whose local date is the given day. */
const onLocalDate = (fires: Date[], date: string): Date[] =>
  fires.filter((f) => localKey(f, LONDON).startsWith(date));

describe('fire times across the UK clock changes', () => {
  it('an ordinary night: 01:30 GMT in winter, 00:30 UTC (01:30 BST) in summer', () => {
    const winter = onLocalDate(fireTimes('30 1 * * *', LONDON, ...day('2026-01-14')), '2026-01-14');
    expect(winter.map((d) => d.toISOString())).toEqual(['2026-01-14T01:30:00.000Z']);
    const summer = onLocalDate(fireTimes('30 1 * * *', LONDON, ...day('2026-07-14')), '2026-07-14');
    expect(summer.map((d) => d.toISOString())).toEqual(['2026-07-14T00:30:00.000Z']);
  });

  it('spring forward (last Sunday of March, 01:00 -> 02:00): the 01:30 job runs once that day', () => {
    // 2026-03-29: clocks go from 01:00 GMT to 02:00 BST, so local 01:30 never happens.
    const fires = onLocalDate(fireTimes('30 1 * * *', LONDON, ...day('2026-03-29')), '2026-03-29');
    expect(fires).toHaveLength(1);
    // The cron package runs it at the first valid instant after the gap: 02:00 BST = 01:00 UTC.
    expect(fires[0]?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    // And the next night is back to 01:30 local.
    expect(nextFire('30 1 * * *', LONDON, fires[0] as Date).toISOString()).toBe('2026-03-30T00:30:00.000Z');
  });

  it('autumn back (last Sunday of October, 01:30 happens twice): the 01:30 job runs once that day', () => {
    // 2026-10-25: 01:30 BST (00:30 UTC) and 01:30 GMT (01:30 UTC) are both local 01:30.
    const fires = onLocalDate(fireTimes('30 1 * * *', LONDON, ...day('2026-10-25')), '2026-10-25');
    expect(fires.map((d) => d.toISOString())).toEqual(['2026-10-25T00:30:00.000Z']);
  });

  it('a job inside the repeated hour that the cron package does fire twice is deduplicated by local time', () => {
    // The cron package fires "0 1 * * *"-style hourly jobs at 01:00 BST and again at 01:00 GMT.
    const from = new Date('2026-10-24T23:10:00Z');
    const to = new Date('2026-10-25T04:10:00Z');
    const fires = fireTimes('0 * * * *', LONDON, from, to).map((d) => localKey(d, LONDON));
    expect(fires).toEqual(['2026-10-25 01:00', '2026-10-25 02:00', '2026-10-25 03:00', '2026-10-25 04:00']);
  });

  it('a week of nights gives seven runs across either change', () => {
    for (const start of ['2026-03-25', '2026-10-22']) {
      const from = new Date(`${start}T12:00:00Z`);
      const to = new Date(from.getTime() + 7 * 86_400_000);
      const fires = fireTimes('30 1 * * *', LONDON, from, to);
      expect(fires).toHaveLength(7);
      expect(new Set(fires.map((f) => localKey(f, LONDON).slice(0, 10))).size).toBe(7);
    }
  });

  it('rejects a bad expression or zone with a message naming it', () => {
    expect(() => fireTimes('61 1 * * *', LONDON, ...day('2026-01-14'))).toThrow(ScheduleError);
    expect(() => fireTimes('30 1 * * *', 'Europe/Nowhere', ...day('2026-01-14'))).toThrow(
      /unknown time zone "Europe\/Nowhere"/,
    );
  });
});

describe('the spread', () => {
  it('is stable per school and inside the window', () => {
    expect(spreadMs('demo', 600_000)).toBe(spreadMs('demo', 600_000));
    for (let i = 0; i < 50; i++) {
      const s = spreadMs(`school-${i}`, 600_000);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(600_000);
      expect(s % 1000).toBe(0);
    }
    expect(spreadMs('demo', 0)).toBe(0);
  });

  it('keeps 200 schools on the same cron line from starting in the same second', () => {
    const schedules = Array.from({ length: 200 }, (_, i) => ({
      school: `school-${String(i).padStart(3, '0')}`,
      cron: '30 1 * * *',
      timezone: LONDON,
    }));
    const runs = planRuns(schedules, ...day('2026-01-14'), 30 * 60_000);
    expect(runs).toHaveLength(200);
    const perSecond = new Map<number, number>();
    for (const r of runs) perSecond.set(r.start.getTime(), (perSecond.get(r.start.getTime()) ?? 0) + 1);
    // 200 schools over 1,800 one-second slots: no slot anywhere near crowded.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(3);
    expect(perSecond.size).toBeGreaterThan(150);
    // In start order.
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]?.start.getTime()).toBeGreaterThanOrEqual(runs[i - 1]?.start.getTime() ?? 0);
  });
});
