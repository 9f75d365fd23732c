/**
 * The MSP's roll-up over a generated estate of 200 schools in a real results store (SQLite in a
 * temporary folder): the school with critical findings comes first and the school where a leaver's
 * account was used comes next, although by score, staleness and id (the old order) they came near the
 * bottom; schools never audited or with a broken declaration are listed; each school's change since
 * its previous run is shown; the JSON has the same order as the table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../checks/catalog/catalog.ts';
import { openStore } from '../checks/engine/store.ts';
import type { ResultsStore } from '../checks/engine/store.ts';
import type { AuditRun, EffectivePolicy } from '../checks/engine/types.ts';
import type { Severity, Status } from '../checks/types.ts';
import {
  buildRollup,
  renderRollupHtml,
  renderRollupJson,
  renderRollupTable,
  rollupInputs,
} from './rollup.ts';
import type { RollupModel } from './rollup.ts';
import { clauseMapOf, finding, makeRun } from '../test/builders/test-runs.ts';

const NOW = new Date('2026-11-24T08:00:00.000Z');
const catalog = loadCatalog();
let dir: string;
let store: ResultsStore;
let cm: EffectivePolicy['clauseMap'];
let m: RollupModel;

/** Ordinary findings: a few medium or high failures on controls that are not safeguarding matters. */
function ordinary(i: number, night: number): Parameters<typeof finding>[0][] {
  const controls = ['PW-LENGTH', 'ACC-STALE', 'WIFI-PMF', 'DEV-SNMP-COMMUNITY', 'INV-ASSETS', 'FW-FIRMWARE'];
  return controls.flatMap((c, k) => {
    const fail = (i + k + night) % 3 === 0;
    const status: Status = i % 9 === 0 && k === 0 ? 'error' : fail ? 'fail' : 'pass';
    const severity: Severity = k % 2 === 0 ? 'high' : 'medium';
    return [
      {
        checkId: `check-${c.toLowerCase()}`,
        status,
        severity,
        controls: [c],
        clauses: [],
        evidence: [{ source: 'core-router', object: `${c}-${k}` }],
      },
    ];
  });
}

function school(id: string, started: string, specs: Parameters<typeof finding>[0][]): AuditRun {
  return makeRun({
    school: { id, name: `School ${id}` },
    clauseMap: cm,
    started,
    findings: specs.map(finding),
  });
}

function keep(r: AuditRun): void {
  store.beginRun(r);
  store.finishRun(r);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollup-'));
  store = openStore(join(dir, 'results.db'));
  cm = await clauseMapOf('demo');
  for (let i = 0; i < 200; i++) {
    const id = i === 196 ? 'x-critical' : i === 199 ? 'z-leaver' : `s${String(i).padStart(3, '0')}`;
    // Some schools have not been audited for a week: stale.
    const days = i % 17 === 0 ? 8 : 0;
    const t = (d: number): string =>
      new Date(NOW.getTime() - (d + days) * 86_400_000 - 6 * 3_600_000).toISOString();
    const extra: Parameters<typeof finding>[0][] = [];
    if (id === 'x-critical')
      for (let k = 0; k < 4; k++)
        extra.push({
          checkId: 'routeros-nat-remote-access-exposed',
          status: 'fail',
          severity: 'critical',
          controls: ['FW-REMOTE-ACCESS'],
          clauses: [],
          evidence: [{ source: 'core-router', object: `dst-nat ${k}` }],
        });
    if (id === 'z-leaver')
      extra.push({
        checkId: 'directory-account-leavers-disabled',
        status: 'fail',
        severity: 'high',
        controls: ['ACC-LEAVERS'],
        clauses: [],
        personal: 'staff',
        evidence: [
          {
            source: 'directory',
            object: 'left.teacher',
            expected: 'disabled',
            actual: 'enabled, last sign-in 2026-11-20',
          },
        ],
      });
    // Both risky schools otherwise score well: everything else passes, and they have more checks.
    const risky = id === 'x-critical' || id === 'z-leaver';
    const base = risky
      ? [0, 1, 2, 3].flatMap((n) =>
          ordinary(i, 0).map((f) => ({
            ...f,
            status: 'pass' as Status,
            evidence: [{ source: 'core-router', object: `${f.checkId} ${n}` }],
          })),
        )
      : ordinary(i, 0);
    keep(school(id, t(1), ordinary(i, 1)));
    keep(school(id, t(0), [...base, ...extra]));
  }
  m = buildRollup(rollupInputs(store), {
    now: NOW,
    staleAfterDays: 2,
    catalog,
    declared: [
      { id: 'never-run', name: 'Never Run Primary', valid: true },
      {
        id: 'broken',
        name: 'broken',
        valid: false,
        problem: 'broken/school.yaml:12: devices[0].host: must be a host name',
      },
    ],
  });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the roll-up of a 200-school estate', () => {
  it('puts the school with critical findings first, then the one where a leaver’s account was used', () => {
    expect(m.schools).toHaveLength(202);
    expect(m.schools[0]?.id).toBe('x-critical');
    expect(m.schools[0]?.criticals).toBe(4);
    expect(m.schools[1]?.id).toBe('z-leaver');
    expect(m.schools[1]?.safeguarding).toEqual(["a leaver's account was used"]);
    // Under the old order (count of stale / erroring / incomplete, then lowest score) both sat near the bottom.
    const oldAttention = (s: RollupModel['schools'][number]): number =>
      Number(s.stale) + Number(s.errors > 0);
    const old = m.schools
      .filter((s) => s.state === 'ok')
      .sort(
        (a, b) =>
          oldAttention(b) - oldAttention(a) || (a.score ?? -1) - (b.score ?? -1) || a.id.localeCompare(b.id),
      );
    expect(old.findIndex((s) => s.id === 'x-critical')).toBeGreaterThan(150);
    expect(old.findIndex((s) => s.id === 'z-leaver')).toBeGreaterThan(150);
  });

  it('then what nobody can vouch for: errors, never audited, a broken declaration; then staleness', () => {
    const idx = (id: string): number => m.schools.findIndex((s) => s.id === id);
    const firstStaleOnly = m.schools.findIndex((s) => s.errors === 0 && s.state === 'ok' && s.stale);
    expect(idx('never-run')).toBeGreaterThan(1);
    expect(idx('never-run')).toBeLessThan(firstStaleOnly);
    expect(idx('broken')).toBeLessThan(firstStaleOnly);
    expect(m.schools.find((s) => s.id === 'broken')).toMatchObject({
      state: 'invalid-declaration',
      problem: expect.stringContaining('school.yaml:12'),
    });
    expect(m.totals).toMatchObject({ schools: 202, withCriticals: 1, noRun: 1, invalid: 1 });
    // Within a tier, the school that changed most overnight comes first.
    const quiet = m.schools.filter(
      (s) =>
        s.criticals === 0 && s.safeguarding.length === 0 && s.errors === 0 && s.state === 'ok' && !s.stale,
    );
    const news = quiet.map((s) => s.newProblems);
    expect(news).toEqual([...news].sort((a, b) => b - a));
  });

  it('says what changed overnight and links each school’s report', () => {
    const s = m.schools.find((x) => x.id === 's001');
    expect(s?.changed).toMatch(/new|put right|score/);
    expect(s?.report).toBe(`s001/${s?.runId}.html`);
    const html = renderRollupHtml(m);
    expect(html).toContain(`<a href="s001/${s?.runId}.html">`);
    expect(html).toContain('Changed overnight');
  });

  it('gives the same order in JSON, the table and HTML', () => {
    const order = m.schools.map((s) => s.id);
    expect((JSON.parse(renderRollupJson(m)) as RollupModel).schools.map((s) => s.id)).toEqual(order);
    const table = renderRollupTable(m)
      .split('\n')
      .slice(3, 3 + order.length)
      .map((l) => l.split(/\s+/)[0]);
    expect(table).toEqual(order);
    const rows = [...renderRollupHtml(m).matchAll(/<tr data-school="([^"]+)"/g)].map((x) => x[1]);
    expect(rows).toEqual(order);
  });
});
