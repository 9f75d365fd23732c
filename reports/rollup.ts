/**
 * The estate roll-up for the provider: every school's latest status at a glance, the controls failing
 * most across the estate, and the schools whose audits are stale, erroring or incomplete. The model is
 * pure (it takes "now"); `rollupFromStore` reads the store; the renderers are plain functions.
 */
import type { Catalog } from '../checks/catalog/catalog.ts';
import type { ResultsStore } from '../checks/engine/store.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import { printable } from '../checks/lib/text.ts';
import { esc } from './escape.ts';

export interface RollupSchool {
  id: string;
  name: string;
  runId: string;
  lastRun: string;
  status: AuditRun['status'];
  score: number | null;
  fails: number;
  errors: number;
  waived: number;
  ageDays: number;
  stale: boolean;
  /** Why the provider should look: stale, errors, incomplete. */
  attention: string[];
}

export interface RollupControl {
  id: string;
  title: string;
  /** Schools whose latest run fails it. */
  schools: number;
  findings: number;
}

export interface RollupModel {
  generated: string;
  staleAfterDays: number;
  schools: RollupSchool[];
  failingControls: RollupControl[];
  attention: RollupSchool[];
  totals: { schools: number; withFails: number; withErrors: number; stale: number; incomplete: number };
}

const DAY = 86_400_000;

export function buildRollup(
  latest: readonly AuditRun[],
  opts: { now: Date; staleAfterDays: number; catalog: Catalog; topControls?: number },
): RollupModel {
  const now = opts.now.getTime();
  const controls = new Map<string, RollupControl>();
  const schools = latest.map((r): RollupSchool => {
    const age = (now - Date.parse(r.started)) / DAY;
    const stale = age > opts.staleAfterDays;
    const attention: string[] = [];
    if (stale) attention.push(`last audit ${Math.floor(age)} days ago`);
    if (r.status !== 'complete') attention.push('last audit did not finish');
    if (r.counts.error > 0) attention.push(`${r.counts.error} could not be checked`);
    const seen = new Set<string>();
    for (const f of r.findings) {
      if (f.status !== 'fail') continue;
      for (const c of f.controls) {
        const ctl = controls.get(c) ?? {
          id: c,
          title: opts.catalog.controls.get(c)?.title ?? c,
          schools: 0,
          findings: 0,
        };
        ctl.findings++;
        if (!seen.has(c)) {
          ctl.schools++;
          seen.add(c);
        }
        controls.set(c, ctl);
      }
    }
    return {
      id: r.school.id,
      name: r.school.name,
      runId: r.id,
      lastRun: r.started,
      status: r.status,
      score: r.score,
      fails: r.counts.fail,
      errors: r.counts.error,
      waived: r.counts.waived,
      ageDays: Math.max(0, Math.floor(age)),
      stale,
      attention,
    };
  });
  // Worst first: needing attention, then lowest score.
  schools.sort(
    (a, b) =>
      b.attention.length - a.attention.length ||
      (a.score ?? -1) - (b.score ?? -1) ||
      a.id.localeCompare(b.id),
  );
  const failingControls = [...controls.values()]
    .sort((a, b) => b.schools - a.schools || b.findings - a.findings || a.id.localeCompare(b.id))
    .slice(0, opts.topControls ?? 10);
  return {
    generated: opts.now.toISOString(),
    staleAfterDays: opts.staleAfterDays,
    schools,
    failingControls,
    attention: schools.filter((s) => s.attention.length > 0),
    totals: {
      schools: schools.length,
      withFails: schools.filter((s) => s.fails > 0).length,
      withErrors: schools.filter((s) => s.errors > 0).length,
      stale: schools.filter((s) => s.stale).length,
      incomplete: schools.filter((s) => s.status !== 'complete').length,
    },
  };
}

/** Each school's most recent run, whatever its status (an unfinished run is itself news). */
export function latestRuns(store: ResultsStore): AuditRun[] {
  const ids = new Map<string, string>();
  // listRuns is newest first; the first run seen per school is its latest.
  for (const s of store.listRuns({ limit: 1_000_000 })) if (!ids.has(s.school.id)) ids.set(s.school.id, s.id);
  const out: AuditRun[] = [];
  for (const id of ids.values()) {
    const r = store.getRun(id);
    if (r !== undefined) out.push(r);
  }
  return out;
}

const pct = (s: number | null): string => (s === null ? 'n/a' : `${Math.round(s * 1000) / 10}%`);

export function renderRollupJson(m: RollupModel): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** A terminal table; device and school strings have control characters removed. */
export function renderRollupTable(m: RollupModel): string {
  const head = ['school', 'score', 'fails', 'errors', 'last run', 'attention'];
  const rows = m.schools.map((s) => [
    printable(s.id),
    pct(s.score),
    String(s.fails),
    String(s.errors),
    s.lastRun.slice(0, 16).replace('T', ' '),
    printable(s.attention.join('; ')),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const t = m.totals;
  const out = [
    `${t.schools} schools: ${t.withFails} with failures, ${t.withErrors} with errors, ${t.stale} stale (> ${m.staleAfterDays} days), ${t.incomplete} incomplete`,
    '',
    line(head),
    ...rows.map(line),
  ];
  if (m.failingControls.length > 0) {
    out.push('', 'controls failing most:');
    for (const c of m.failingControls)
      out.push(
        `  ${c.id.padEnd(22)} ${String(c.schools).padStart(4)} schools  ${c.findings} findings  ${c.title}`,
      );
  }
  return `${out.join('\n')}\n`;
}

export function renderRollupHtml(m: RollupModel): string {
  const t = m.totals;
  const rows = m.schools
    .map(
      (s) =>
        `<tr data-school="${esc(s.id)}"${s.attention.length > 0 ? ' class="att"' : ''}><td>${esc(s.name)}<div class="m">${esc(s.id)}</div></td><td>${esc(pct(s.score))}</td><td>${s.fails}</td><td>${s.errors}</td><td>${esc(s.lastRun.slice(0, 16).replace('T', ' '))}</td><td>${esc(s.attention.join('; '))}</td></tr>`,
    )
    .join('');
  const ctl = m.failingControls
    .map(
      (c) =>
        `<tr><td class="m">${esc(c.id)}</td><td>${esc(c.title)}</td><td>${c.schools}</td><td>${c.findings}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Estate roll-up ${esc(m.generated.slice(0, 10))}</title>
<style>body{font:14px/1.4 system-ui,Arial,sans-serif;color:#1d2430;max-width:1100px;margin:0 auto;padding:20px}
table{border-collapse:collapse;width:100%;margin:8px 0 24px}th,td{border-top:1px solid #d9dee6;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}.att td{background:#fff6e5}.m{font-family:ui-monospace,monospace;font-size:12px;color:#5b6576}
@media print{tr{break-inside:avoid}}</style></head><body>
<h1>Estate roll-up</h1>
<p>${t.schools} schools: ${t.withFails} with failures, ${t.withErrors} with errors, ${t.stale} stale (no audit for more than ${m.staleAfterDays} days), ${t.incomplete} incomplete. Generated ${esc(m.generated)}.</p>
<h2>Schools (needing attention first)</h2>
<table><thead><tr><th>School</th><th>Score</th><th>Fails</th><th>Errors</th><th>Last run (UTC)</th><th>Attention</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Controls failing most across the estate</h2>
${m.failingControls.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>Control</th><th>Title</th><th>Schools</th><th>Findings</th></tr></thead><tbody>${ctl}</tbody></table>`}
</body></html>
`;
}
