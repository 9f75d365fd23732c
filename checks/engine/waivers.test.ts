import { describe, expect, it } from 'vitest';
import { countFindings, score } from './score.ts';
import type { RunFinding, Waiver } from './types.ts';
import { applyWaivers, waiverMatches } from './waivers.ts';

const f = (checkId: string, status: RunFinding['status'], source: string, object?: string): RunFinding => ({
  checkId,
  key: `${checkId}|${source}|${object ?? ''}`,
  status,
  severity: 'medium',
  reason: `${checkId} on ${source}`,
  evidence: [object === undefined ? { source } : { source, object }],
  controls: checkId.startsWith('routeros') ? ['FW-MGMT'] : ['ACC-STALE'],
  clauses: ['demo:firewall'],
  references: [],
  params: {},
});

const w = (over: Partial<Waiver>): Waiver => ({
  id: 'W-1',
  reason: 'accepted for now',
  approver: 'Business manager',
  granted: '2025-09-01',
  expires: '2026-08-31',
  ...over,
});

const today = '2025-11-24';

describe('waiver matching', () => {
  const api = f('routeros-service-restricted', 'fail', 'core-router', 'api');
  it.each<[string, Partial<Waiver>, boolean]>([
    ['by check', { check: 'routeros-service-restricted' }, true],
    ['by another check', { check: 'directory-stale-accounts' }, false],
    ['by control', { control: 'FW-MGMT' }, true],
    ['by another control', { control: 'PW-LENGTH' }, false],
    [
      'scoped to the device',
      { check: 'routeros-service-restricted', scope: { device: 'core-router' } },
      true,
    ],
    [
      'scoped to another device',
      { check: 'routeros-service-restricted', scope: { device: 'edge-router' } },
      false,
    ],
    ['scoped to the object', { check: 'routeros-service-restricted', scope: { object: 'api' } }, true],
    ['scoped to another object', { check: 'routeros-service-restricted', scope: { object: 'www' } }, false],
  ])('%s', (_n, over, expected) => {
    expect(waiverMatches(api, w(over))).toBe(expected);
  });

  it('scopes an account waiver to that account', () => {
    const stale = f('directory-stale-accounts', 'fail', 'directory', 'caretaker');
    expect(
      waiverMatches(stale, w({ check: 'directory-stale-accounts', scope: { account: 'caretaker' } })),
    ).toBe(true);
    expect(waiverMatches(stale, w({ check: 'directory-stale-accounts', scope: { account: 'bursar' } }))).toBe(
      false,
    );
  });
});

describe('applying waivers', () => {
  const findings = [
    f('routeros-service-restricted', 'fail', 'core-router', 'api'),
    f('routeros-service-restricted', 'fail', 'core-router', 'www'),
    f('routeros-service-restricted', 'pass', 'core-router', 'ssh'),
    f('directory-stale-accounts', 'fail', 'directory', 'caretaker'),
  ];

  it('waives matching failures, keeps them visible, and takes them out of the score', () => {
    const out = applyWaivers(
      findings,
      [w({ check: 'routeros-service-restricted', scope: { object: 'api' } })],
      today,
    );
    const api = out.findings.find((x) => x.key.endsWith('|api'));
    expect(api).toMatchObject({
      status: 'waived',
      waivedStatus: 'fail',
      waiver: { id: 'W-1', approver: 'Business manager' },
    });
    expect(out.findings.find((x) => x.key.endsWith('|www'))?.status).toBe('fail');
    expect(out.warnings).toEqual([]);
    const c = countFindings(out.findings);
    expect(c).toEqual({ pass: 1, fail: 2, error: 0, not_applicable: 0, waived: 1 });
    expect(score(c)).toBeCloseTo(1 / 3, 4);
    // The input is not mutated.
    expect(findings[0]?.status).toBe('fail');
  });

  it('never waives a pass, an error or a not-applicable finding', () => {
    const err = f('routeros-service-restricted', 'error', 'core-router', 'api');
    const out = applyWaivers([err], [w({ check: 'routeros-service-restricted' })], today);
    expect(out.findings[0]?.status).toBe('error');
    expect(out.warnings[0]?.code).toBe('waiver-only-passing');
  });

  it('turns an expired waiver into a failing finding, and the findings it covered count again', () => {
    const out = applyWaivers(
      findings,
      [w({ id: 'W-OLD', check: 'directory-stale-accounts', expires: '2025-10-31' })],
      today,
    );
    const expired = out.findings.find((x) => x.checkId === 'waiver-expired');
    expect(expired).toMatchObject({
      status: 'fail',
      key: 'waiver-expired|waivers|W-OLD',
      evidence: [{ source: 'waivers', object: 'W-OLD', actual: 'expired 2025-10-31' }],
      clauses: ['demo:firewall'],
    });
    expect(out.findings.find((x) => x.checkId === 'directory-stale-accounts')?.status).toBe('fail');
  });

  it('is in force on its expiry day and not before its grant', () => {
    const onLastDay = applyWaivers(
      findings,
      [w({ check: 'directory-stale-accounts', expires: today })],
      today,
    );
    expect(onLastDay.findings.find((x) => x.checkId === 'directory-stale-accounts')?.status).toBe('waived');
    const early = applyWaivers(
      findings,
      [w({ check: 'directory-stale-accounts', granted: '2025-12-01' })],
      today,
    );
    expect(early.findings.find((x) => x.checkId === 'directory-stale-accounts')?.status).toBe('fail');
    expect(early.warnings[0]?.message).toMatch(/not in force until 2025-12-01/);
  });

  it('warns about a waiver that matches nothing, or only passes', () => {
    const out = applyWaivers(
      findings,
      [
        w({ id: 'W-NONE', check: 'wifi-ssid-requires-eap' }),
        w({ id: 'W-PASS', check: 'routeros-service-restricted', scope: { object: 'ssh' } }),
      ],
      today,
    );
    expect(out.warnings.map((x) => [x.code, x.subject])).toEqual([
      ['waiver-unused', 'W-NONE'],
      ['waiver-only-passing', 'W-PASS'],
    ]);
  });
});

describe('score', () => {
  it.each([
    [{ pass: 3, fail: 1, error: 5, not_applicable: 2, waived: 4 }, 0.75],
    [{ pass: 0, fail: 0, error: 1, not_applicable: 0, waived: 0 }, null],
    [{ pass: 2, fail: 1, error: 0, not_applicable: 0, waived: 0 }, 0.6667],
  ])('%o -> %s', (c, expected) => {
    expect(score(c)).toBe(expected);
  });
});
