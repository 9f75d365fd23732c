import { PgBoss } from 'pg-boss';
import { describe, expect, it } from 'vitest';
import { auditJobId, nameUuid, nightOf, occurrenceOnNight } from './jobs.ts';

describe('the audit night of a schedule occurrence', () => {
  // pg-boss previews the schedule exactly as its cron pass evaluates it (no database needed).
  const boss = new PgBoss('postgres://preview-only@127.0.0.1:1/none');
  const cron = '30 1 * * *';
  const tz = 'Europe/London';
  const nightsFrom = (from: string, count: number) =>
    boss
      .previewSchedule(cron, { tz, from: new Date(from), count })
      .map((at) => ({ at: at.toISOString(), night: nightOf(cron, tz, at) }));

  it('spring forward (01:30 does not exist on 29 March 2026): one run that night', () => {
    expect(nightsFrom('2026-03-27T12:00:00Z', 4)).toEqual([
      { at: '2026-03-28T01:30:00.000Z', night: '2026-03-28' },
      { at: '2026-03-29T01:30:00.000Z', night: '2026-03-29' },
      { at: '2026-03-30T00:30:00.000Z', night: '2026-03-30' },
      { at: '2026-03-31T00:30:00.000Z', night: '2026-03-31' },
    ]);
  });

  it('autumn back (01:30 happens twice on 25 October 2026): one run that night', () => {
    expect(nightsFrom('2026-10-23T12:00:00Z', 4)).toEqual([
      { at: '2026-10-24T00:30:00.000Z', night: '2026-10-24' },
      { at: '2026-10-25T00:30:00.000Z', night: '2026-10-25' },
      { at: '2026-10-26T01:30:00.000Z', night: '2026-10-26' },
      { at: '2026-10-27T01:30:00.000Z', night: '2026-10-27' },
    ]);
    // Even a job created in the repeated hour (the second 01:30) names the same night: its job id
    // is the first one's, so it cannot queue a second audit.
    expect(nightOf(cron, tz, new Date('2026-10-25T01:30:30Z'))).toBe('2026-10-25');
  });

  it('a catch-up sent hours late names the night it missed, not tonight', () => {
    // Missed 01:30 on 5 December; the planner is back at 23:00 that day, then 01:30 on the 6th is due.
    expect(nightOf(cron, tz, new Date('2026-12-05T23:00:00Z'))).toBe('2026-12-05');
    expect(nightOf(cron, tz, new Date('2026-12-06T01:30:05Z'))).toBe('2026-12-06');
  });

  it('gives every sender the same job id for a school-night, and different ones otherwise', () => {
    const a = auditJobId({ school: 'demo', night: '2026-12-05' });
    expect(a).toBe(auditJobId({ school: 'demo', night: '2026-12-05' }));
    expect(a).not.toBe(auditJobId({ school: 'demo', night: '2026-12-06' }));
    expect(a).not.toBe(auditJobId({ school: 'demo2', night: '2026-12-05' }));
    expect(nameUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("a school's occurrence on a night, remembered per schedule", () => {
  it('gives each zone and night its own answer, the same on every ask', () => {
    const london = () => occurrenceOnNight('30 1 * * *', 'Europe/London', '2026-07-01')?.toISOString();
    expect(london()).toBe('2026-07-01T00:30:00.000Z'); // BST
    expect(london()).toBe('2026-07-01T00:30:00.000Z');
    expect(occurrenceOnNight('30 1 * * *', 'Europe/London', '2026-12-01')?.toISOString()).toBe(
      '2026-12-01T01:30:00.000Z', // GMT
    );
    expect(occurrenceOnNight('30 1 * * *', 'UTC', '2026-07-01')?.toISOString()).toBe(
      '2026-07-01T01:30:00.000Z',
    );
    expect(occurrenceOnNight('30 1 * * 1', 'UTC', '2026-07-01')).toBeUndefined(); // a Wednesday
  });
  it("hands out a copy: changing one school's date changes no other", () => {
    const first = occurrenceOnNight('0 2 * * *', 'Europe/London', '2026-03-29');
    first?.setTime(0);
    expect(occurrenceOnNight('0 2 * * *', 'Europe/London', '2026-03-29')?.getTime()).not.toBe(0);
  });
});
