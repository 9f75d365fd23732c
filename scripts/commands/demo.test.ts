import { describe, expect, it } from 'vitest';
import { demoOutcome } from './demo.ts';

const run = (status: 'complete' | 'incomplete', fail: number, error: number) => ({
  status,
  counts: { pass: 10, fail, error, not_applicable: 0, waived: 0 },
});

describe('schoolnet demo exit code', () => {
  it('is 0 when the demo ran as intended: its findings are its point', () => {
    expect(demoOutcome(run('complete', 9, 0), run('complete', 8, 0), 1)).toEqual({ code: 0 });
  });
  it('is 2 when a testbed service did not answer', () => {
    expect(demoOutcome(run('complete', 9, 1), run('complete', 8, 0), 1).code).toBe(2);
    expect(demoOutcome(run('complete', 9, 0), run('complete', 8, 2), 1).why).toMatch(
      /second audit has 2 error/,
    );
  });
  it('is 2 when an audit is incomplete, the faults are not found, or the fix is not seen', () => {
    expect(demoOutcome(run('incomplete', 9, 0), run('complete', 8, 0), 1).code).toBe(2);
    expect(demoOutcome(run('complete', 0, 0), run('complete', 0, 0), 1).why).toMatch(/faults were not found/);
    expect(demoOutcome(run('complete', 9, 0), run('complete', 9, 0), 0).why).toMatch(/not seen as fixed/);
  });
});
