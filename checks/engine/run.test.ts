import { describe, expect, it } from 'vitest';
import { exitCodeOf, newRunId } from './run.ts';
import { openStore, StoreError } from './store.ts';
import { summarise } from './summary.ts';
import type { AuditRun } from './types.ts';

const counts = (over: Partial<AuditRun['counts']>): AuditRun['counts'] => ({
  pass: 3,
  fail: 0,
  error: 0,
  not_applicable: 0,
  waived: 0,
  ...over,
});

describe('exit codes of a run (the CLI contract)', () => {
  it.each<[string, Pick<AuditRun, 'status' | 'counts'>, number]>([
    ['no failures', { status: 'complete', counts: counts({ waived: 2, not_applicable: 1 }) }, 0],
    ['failures', { status: 'complete', counts: counts({ fail: 1 }) }, 1],
    ['errors beat failures', { status: 'complete', counts: counts({ fail: 4, error: 1 }) }, 2],
    ['an incomplete run', { status: 'incomplete', counts: counts({}) }, 2],
  ])('%s', (_n, run, code) => {
    expect(exitCodeOf(run)).toBe(code);
  });
});

describe('run ids', () => {
  it('sort by start time and name the school', () => {
    const a = newRunId('demo', new Date('2026-11-24T01:30:00.000Z'));
    const b = newRunId('demo', new Date('2026-11-24T01:30:00.001Z'));
    expect(a).toMatch(/^20261124T013000000Z-demo-[0-9a-f]{6}$/);
    expect(a < b).toBe(true);
    expect(newRunId('demo', new Date(0))).not.toBe(newRunId('demo', new Date(0)));
  });
});

describe('the summary', () => {
  it('cannot be driven by control characters a device sent', () => {
    const run = {
      id: 'r1',
      school: { id: 'demo', name: 'Demo\u001b[2J School', jurisdiction: 'england', standards: [], file: 'x' },
      status: 'complete',
      counts: counts({ fail: 1 }),
      score: 0.75,
      findings: [
        {
          checkId: 'wifi-ssid-requires-eap',
          key: 'k',
          status: 'fail',
          severity: 'high',
          reason: 'SSID "evil\u001b]0;owned\u0007" uses a shared key.',
          evidence: [{ source: 'core-router', object: 'evil\u001b[31m' }],
          controls: [],
          clauses: ['demo:wifi'],
          references: [],
          params: {},
        },
      ],
      attestations: [],
      warnings: [],
      devices: [],
    } as unknown as AuditRun;
    const text = summarise(run);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toMatch(/score 75%/);
    expect(text).toMatch(
      /high\s+wifi-ssid-requires-eap core-router evil\?\[31m: SSID "evil\?\]0;owned\?" uses a shared key\. \[demo:wifi\]/,
    );
  });
});

describe('opening a store', () => {
  it('refuses a URL until a PostgreSQL store exists', () => {
    expect(() => openStore('postgres://db.example/schoolnet')).toThrow(StoreError);
  });
});
