/**
 * `schoolnet report` and `schoolnet rollup` as a technician or cron runs them: the real CLI in a child
 * process, over a real results store holding runs of several schools (built from the engine's types
 * and the schools' own clause maps, so the estate can have a stale, an erroring and an incomplete
 * school without stopping devices).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import type { ReportModel } from '../reports/model.ts';
import type { RollupModel } from '../reports/rollup.ts';
import { bulkFindings, clauseMapOf, finding, makeRun } from './builders/test-runs.ts';
import { runReportCommand } from '../scripts/commands/report.ts';
import type { ReportCliOptions } from '../scripts/commands/report.ts';
import { runRollupCommand } from '../scripts/commands/rollup.ts';
import type { RollupCliOptions } from '../scripts/commands/rollup.ts';
import { runCli } from './support/bind-testbed.ts';

/** The command in-process (one real CLI spawn per command is enough to prove the wiring). */
async function report(
  runId: string | undefined,
  o: Partial<ReportCliOptions>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runReportCommand(
    runId,
    { store: db, format: 'html', technical: true, ...o },
    {
      out: (d) => (stdout += typeof d === 'string' ? d : Buffer.from(d).toString('utf8')),
      err: (t) => (stderr += t),
    },
  );
  return { code, stdout, stderr };
}

async function rollup(
  o: Partial<RollupCliOptions>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runRollupCommand(
    { store: db, format: 'table', staleAfterDays: 2, now: new Date(NOW), ...o },
    { out: (t) => (stdout += t), err: (t) => (stderr += t) },
  );
  return { code, stdout, stderr };
}

let dir: string;
let db: string;
const runs: Record<string, AuditRun> = {};
const NOW = '2026-11-24T08:00:00Z';

function save(run: AuditRun): void {
  const store = openStore(db);
  try {
    store.beginRun(run);
    if (run.status === 'complete') store.finishRun(run);
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
  db = join(dir, 'results.db');
  const demo = await clauseMapOf('demo');
  const welsh = await clauseMapOf('miskin-primary');
  const school = { id: 'demo', name: 'Demo Primary School' };
  runs.demo1 = makeRun({
    school,
    clauseMap: demo,
    started: '2026-11-22T01:30:00.000Z',
    findings: bulkFindings(demo, 40, 1),
  });
  runs.demo2 = makeRun({
    school,
    clauseMap: demo,
    started: '2026-11-23T01:30:00.000Z',
    findings: bulkFindings(demo, 40),
  });
  runs.stale = makeRun({
    school: {
      id: 'miskin-primary',
      name: 'Welsh Primary',
      jurisdiction: 'wales',
      standards: ['wales-kls', 'cyber-essentials'],
    },
    clauseMap: welsh,
    started: '2026-10-01T01:30:00.000Z',
    findings: [
      finding({
        checkId: 'routeros-firewall-input-drop',
        status: 'fail',
        controls: ['FW-INPUT-DROP'],
        clauses: ['miskin-primary:technical-security'],
      }),
    ],
  });
  runs.incomplete = makeRun({
    school: { id: 'st-marks-primary', name: 'Another Primary' },
    clauseMap: await clauseMapOf('st-marks-primary'),
    started: '2026-11-23T02:00:00.000Z',
    findings: [],
    status: 'incomplete',
  });
  for (const r of Object.values(runs)) save(r);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schoolnet report', () => {
  it("renders a school's latest run as HTML with the trend against the previous run", async () => {
    const r = await runCli(['report', '--school', 'demo', '--latest', '--store', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain(runs.demo2?.id);
    expect(r.stdout).toContain('Since the last audit');
    expect(r.stdout).toContain('Compared with the audit of 2026-11-22');
  });

  it('renders a run by id as JSON, CSV and JUnit to files', async () => {
    const id = runs.demo1?.id ?? '';
    const json = join(dir, 'r.json');
    expect((await runCli(['report', id, '--store', db, '--format', 'json', '--out', json])).code).toBe(0);
    const m = JSON.parse(readFileSync(json, 'utf8')) as ReportModel;
    expect(m.run.id).toBe(id);
    expect(m.trend.previous).toBeUndefined();
    const csv = await report(id, { format: 'csv' });
    expect(parse(csv.stdout, { columns: true })).toHaveLength(40);
    const junit = await report(id, { format: 'junit' });
    expect(junit.stdout).toMatch(/^<\?xml version="1.0"/);
  });

  it('leaves the technician’s section and pupils’ details out with --no-technical', async () => {
    const r = await runCli([
      'report',
      '--school',
      'demo',
      '--latest',
      '--store',
      db,
      '--format',
      'json',
      '--no-technical',
    ]);
    const m = JSON.parse(r.stdout) as ReportModel;
    expect(m.technical).toBe(false);
    expect(r.stdout).not.toMatch(/Pupil Person/);
    expect(r.stdout).toMatch(/pupil-[0-9a-f]{6}/);
    const html = await report(undefined, { school: 'demo', latest: true, technical: false });
    expect(html.stdout).not.toContain('id="technical"');
    expect(html.stdout).not.toMatch(/Pupil Person/);
  });

  it('exits 3 naming the problem for an unknown run or school, or a missing --latest', async () => {
    const unknown = await report('no-such-run', {});
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no run no-such-run in .*results\.db/);
    const school = await report(undefined, { school: 'nowhere', latest: true });
    expect(school.code).toBe(3);
    expect(school.stderr).toContain('no runs of school nowhere');
    expect((await report(undefined, { school: 'demo' })).code).toBe(3);
    expect((await runCli(['report', '--store', db, '--format', 'docx'])).code).toBe(3);
  });
});

describe('schoolnet rollup', () => {
  it("lists every school's latest status, the controls failing most, and who needs attention", async () => {
    const r = await runCli([
      'rollup',
      '--store',
      db,
      '--format',
      'json',
      '--stale-after-days',
      '7',
      '--now',
      NOW,
    ]);
    // A stale school and an incomplete one: exit 2.
    expect(r.code, r.stderr).toBe(2);
    const m = JSON.parse(r.stdout) as RollupModel;
    expect(m.schools.map((s) => s.id).sort()).toEqual(['demo', 'miskin-primary', 'st-marks-primary']);
    expect(m.schools.find((s) => s.id === 'demo')?.runId).toBe(runs.demo2?.id);
    const att = Object.fromEntries(m.attention.map((s) => [s.id, s.attention.join('; ')]));
    expect(att['miskin-primary']).toMatch(/last audit \d+ days ago/);
    expect(att['st-marks-primary']).toMatch(/did not finish/);
    expect(att.demo).toMatch(/could not be checked/);
    expect(m.failingControls.length).toBeGreaterThan(0);
    expect(m.failingControls[0]?.schools).toBeGreaterThanOrEqual(1);
    expect(m.totals).toMatchObject({ schools: 3, stale: 1, incomplete: 1 });
  });

  it('prints a table and writes HTML', async () => {
    const t = await rollup({});
    expect(t.stdout).toMatch(/^3 schools: /);
    expect(t.stdout).toMatch(/controls failing most:/);
    const out = join(dir, 'rollup.html');
    await rollup({ format: 'html', out });
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('data-school="miskin-primary"');
    expect(html).toContain('Controls failing most across the estate');
  });
});
