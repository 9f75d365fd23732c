import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { durationMs, formatDuration, parseDuration } from './duration.ts';

describe('parseDuration: one unit for every time option', () => {
  it.each([
    ['300', 300_000],
    ['300s', 300_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['0', 0],
    ['1.5s', 1500],
    [' 90s ', 90_000],
    ['2 m', 120_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ms });
  });

  it.each(['', 'abc', '-5', '5x', '5 minutes', '1d', 's', '1e3', '0x10', '5m30s', '1.5ms', '1000h'])(
    '%j is refused with what is accepted',
    (text) => {
      const r = parseDuration(text);
      expect(r).toHaveProperty('error');
      expect((r as { error: string }).error).toContain(JSON.stringify(text));
    },
  );

  it('names the accepted forms in its message', () => {
    expect(parseDuration('ten')).toEqual({
      error: 'must be a duration: 250ms, 300s, 5m, 1h, or bare seconds (300); got "ten"',
    });
  });

  it('as a commander parser: milliseconds, a usage error below the minimum or unparsable', () => {
    expect(durationMs(1000)('300')).toBe(300_000);
    expect(() => durationMs(1000)('250ms')).toThrow(InvalidArgumentError);
    expect(() => durationMs(1000)('250ms')).toThrow('must be at least 1s; got "250ms"');
    expect(() => durationMs()('soon')).toThrow(InvalidArgumentError);
  });

  it.each([
    [300_000, '5m'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [250, '250ms'],
    [0, '0s'],
  ])('formats %d ms as %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toEqual({ ms });
  });
});
