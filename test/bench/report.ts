/**
 * `npm run bench -- report`: (1) one school's HTML report rendered from a stored run with 500 findings,
 * with the trend over its earlier runs (read the run and its history from the store, build the model,
 * render; target < 100 ms); (2) the estate roll-up of 500 schools from the store (each school's latest
 * run read, the roll-up built and rendered as HTML; target < 2 s). Prints medians; a figure, never a
 * pass/fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../checks/catalog/catalog.ts';
import { openStore } from '../../checks/engine/store.ts';
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import { renderRun } from '../../reports/index.ts';
import { buildRollup, latestRuns, renderRollupHtml } from '../../reports/rollup.ts';
import { bulkFindings, clauseMapOf, makeRun } from '../builders/test-runs.ts';

function keep(store: ResultsStore, run: AuditRun): void {
  store.beginRun(run);
  store.finishRun(run);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function timed(
  n: number,
  fn: () => Promise<unknown> | unknown,
): Promise<{ median: number; min: number }> {
  await fn(); // warm-up: module and statement caches
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { median: median(ms), min: Math.min(...ms) };
}

export interface ReportBench {
  report: { findings: number; history: number; medianMs: number; minMs: number; bytes: number };
  rollup: { schools: number; findingsPerSchool: number; medianMs: number; minMs: number };
}

export async function runReportBench(): Promise<ReportBench> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const cm = await clauseMapOf('demo');
    const catalog = loadCatalog();
    const school = { id: 'demo', name: 'Demo Primary School' };
    const store = openStore(join(dir, 'report.db'));
    let run: AuditRun | undefined;
    const history = 8;
    for (let d = history; d >= 0; d--) {
      const started = new Date(Date.UTC(2026, 10, 24 - d, 1, 30)).toISOString();
      run = makeRun({ school, clauseMap: cm, started, findings: bulkFindings(cm, 500, d) });
      keep(store, run);
    }
    if (run === undefined) throw new Error('no run');
    const id = run.id;
    let bytes = 0;
    const rep = await timed(20, async () => {
      const r = store.getRun(id);
      if (r === undefined) throw new Error('stored run vanished');
      const html = (await renderRun(r, 'html', { store, catalog })) as string;
      bytes = html.length;
    });
    store.close();

    const estate = openStore(join(dir, 'estate.db'));
    const schools = 500;
    const perSchool = 60;
    for (let i = 0; i < schools; i++) {
      const id = `school-${String(i).padStart(3, '0')}`;
      const started = new Date(Date.UTC(2026, 10, 24 - (i % 9), 1, 30)).toISOString();
      keep(
        estate,
        makeRun({
          school: { id, name: `School ${i}` },
          clauseMap: cm,
          started,
          findings: bulkFindings(cm, perSchool, i),
        }),
      );
    }
    const now = new Date(Date.UTC(2026, 10, 24, 8));
    const roll = await timed(5, () =>
      renderRollupHtml(buildRollup(latestRuns(estate), { now, staleAfterDays: 3, catalog })),
    );
    estate.close();
    return {
      report: { findings: 500, history, medianMs: rep.median, minMs: rep.min, bytes },
      rollup: { schools, findingsPerSchool: perSchool, medianMs: roll.median, minMs: roll.min },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const b = await runReportBench();
  // Other work on the machine inflates medians; say how busy it was.
  console.log(`load average ${loadavg()[0]?.toFixed(1) ?? '?'} on ${cpus().length} cores`);
  const r = b.report;
  const u = b.rollup;
  console.log(
    `school HTML report, stored run with ${r.findings} findings (${r.history} earlier runs stored, trend reads up to 6): ` +
      `median ${r.medianMs.toFixed(1)} ms (min ${r.minMs.toFixed(1)} ms, ${Math.round(r.bytes / 1024)} KiB); target < 100 ms`,
  );
  console.log(
    `estate roll-up of ${u.schools} schools (${u.findingsPerSchool} findings each): ` +
      `median ${u.medianMs.toFixed(0)} ms (min ${u.minMs.toFixed(0)} ms); target < 2000 ms`,
  );
}

if (import.meta.main) await main();
