import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  bankHolidays,
  CalendarRangeError,
  cadenceStatus,
  defaultTerms,
  divisionFor,
  isWorkingDay,
  workingDaysBetween,
} from './calendar.ts';

describe('UK bank holidays (GOV.UK divisions)', () => {
  it('holds the substitute days GOV.UK publishes for 2026-2028', () => {
    const ew = bankHolidays('england-and-wales');
    // Boxing Day 2026 is a Saturday; Christmas and Boxing Day 2027 fall at a weekend; 1 January 2028 is a Saturday.
    for (const d of ['2026-12-28', '2027-12-27', '2027-12-28', '2028-01-03']) expect(ew.has(d), d).toBe(true);
    expect(ew.has('2026-12-26')).toBe(false);
    expect([...ew].filter((d) => d.startsWith('2026'))).toEqual([
      '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
    ]); // prettier-ignore
  });

  it('differs by division: Scotland and Northern Ireland as data too', () => {
    const sc = bankHolidays('scotland');
    expect(sc.has('2026-01-02')).toBe(true); // 2 January
    expect(sc.has('2026-08-03')).toBe(true); // first Monday of August
    expect(sc.has('2026-08-31')).toBe(false);
    expect(sc.has('2026-04-06')).toBe(false); // no Easter Monday
    expect(sc.has('2026-11-30')).toBe(true); // St Andrew's Day
    const ni = bankHolidays('northern-ireland');
    expect(ni.has('2026-03-17')).toBe(true);
    expect(ni.has('2026-07-13')).toBe(true); // 12 July 2026 is a Sunday
    expect(divisionFor('wales')).toBe('england-and-wales');
    expect(divisionFor('independent', 'scotland')).toBe('scotland');
    expect(divisionFor('scotland')).toBe('scotland');
    expect(divisionFor('northern-ireland')).toBe('northern-ireland');
  });
});

describe('working days', () => {
  it('"within one working day" of a Friday before a bank holiday Monday is the Tuesday', () => {
    // Friday 22 May 2026; Monday 25 May is the spring bank holiday.
    expect(addWorkingDays('2026-05-22', 1, 'england-and-wales')).toBe('2026-05-26');
    expect(workingDaysBetween('2026-05-22', '2026-05-26', 'england-and-wales')).toBe(1);
    expect(workingDaysBetween('2026-05-22', '2026-05-27', 'england-and-wales')).toBe(2);
    // In Scotland the last Monday of August is a working day; in England it is not.
    expect(isWorkingDay('2026-08-31', 'scotland')).toBe(true);
    expect(isWorkingDay('2026-08-31', 'england-and-wales')).toBe(false);
    expect(addWorkingDays('2026-12-24', 1, 'england-and-wales')).toBe('2026-12-29');
  });

  it('refuses a date the data does not cover rather than guessing', () => {
    expect(() => isWorkingDay('2031-01-06', 'england-and-wales')).toThrow(CalendarRangeError);
  });
});

describe('cadences', () => {
  const terms = defaultTerms(2025, 2028);

  it('default terms cover the year: autumn from 1 September, spring from 1 January, summer after Easter', () => {
    expect(terms.find((t) => t.name === 'Summer 2026')).toEqual({
      name: 'Summer 2026',
      start: '2026-04-13',
      end: '2026-08-31',
    });
  });

  it('termly: each term needs one; due by the end of the term after the one it was given in', () => {
    // Given in the autumn term 2026: due by the end of the spring term 2027 (Easter 2027 is 28 March).
    expect(cadenceStatus('2026-10-05', 'termly', '2027-03-01', terms)).toEqual({
      due: '2027-04-04',
      overdue: false,
    });
    expect(cadenceStatus('2026-10-05', 'termly', '2027-04-05', terms).overdue).toBe(true);
  });

  it('other cadences run one period from the day given; never given is overdue', () => {
    expect(cadenceStatus('2026-01-31', 'monthly', '2026-03-01', terms)).toEqual({
      due: '2026-02-28',
      overdue: true,
    });
    expect(cadenceStatus('2025-11-01', 'yearly', '2026-11-02', terms)).toEqual({
      due: '2026-11-01',
      overdue: true,
    });
    expect(cadenceStatus('2026-11-23', 'weekly', '2026-11-30', terms).overdue).toBe(false);
    expect(cadenceStatus(undefined, 'termly', '2026-11-30', terms)).toEqual({
      due: undefined,
      overdue: true,
    });
  });
});
