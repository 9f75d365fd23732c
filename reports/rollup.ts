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
import { coverageFell, coverageOf, isOpen, resolutions } from './truth.ts';

export interface RollupSchool {
  id: string;
  name: string;
  /** `ok`: has a run; `no-run`: declared but never audited; `invalid-declaration`: will not load. */
  state: 'ok' | 'no-run' | 'invalid-declaration';
  runId?: string;
  lastRun?: string;
  status?: AuditRun['status'];
  score: number | null;
  /** Checks that could judge / checks selected, for the latest run. */
  checked?: { checked: number; expected: number };
  fails: number;
  errors: number;
  waived: number;
  /** Open failures of critical severity. */
  criticals: number;
  /** Safeguarding findings in plain words: a leaver's account used, the filter bypassed... */
  safeguarding: string[];
  ageDays: number | null;
  stale: boolean;
  /** What changed since the school's previous complete run, in a few words ("" when nothing). */
  changed: string;
  /** New open problems since the previous run (the tie-break after risk). */
  newProblems: number;
  /** Where the school's report is (relative link), when it has a run. */
  report?: string;
  /** Why the provider should look: criticals, safeguarding, errors, stale, incomplete, no run, invalid. */
  attention: string[];
  /** For an invalid declaration: the first problem, naming file, line and field. */
  problem?: string;
  /** Nights the scheduler missed, could not run or could not deliver (its fire ledger). */
  nights?: string[];
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
  /** Riskiest first: criticals, safeguarding, errors (and no run / invalid), staleness, then change. */
  schools: RollupSchool[];
  failingControls: RollupControl[];
  attention: RollupSchool[];
  totals: {
    schools: number;
    withFails: number;
    withErrors: number;
    stale: number;
    incomplete: number;
    withCriticals: number;
    withSafeguarding: number;
    noRun: number;
    invalid: number;
    /** Schools with a missed or undelivered night within the stale period. */
    withMissedNights: number;
  };
}

const DAY = 86_400_000;

/** A school the schools folder declares, or could not load. */
export type DeclaredSchool =
  { id: string; name: string; valid: true } | { id: string; name: string; valid: false; problem: string };

export interface RollupInput {
  latest: AuditRun;
  /** The school's previous complete run, for the change column. */
  previous?: AuditRun;
}

/** The safeguarding matters a run's failures raise, in the words an MSP manager triages by. */
export function safeguardingOf(run: AuditRun): string[] {
  const out = new Set<string>();
  for (const f of run.findings) {
    if (f.status !== 'fail') continue;
    for (const c of f.controls) {
      if (c === 'ACC-LEAVERS')
        out.add(
          f.evidence.some((e) => /sign-in|signed in|logon/i.test(e.actual ?? ''))
            ? "a leaver's account was used"
            : "a leaver's account is still enabled",
        );
      else if (c === 'FLT-BYPASS' || c === 'FLT-DNS-FORCED') out.add('the web filter can be bypassed');
      else if (c === 'NET-ISOLATION') out.add('pupils or guests can reach staff systems');
      else if (c === 'ADM-LEAST') out.add('admin rights beyond technical staff');
      else if (c === 'WIFI-GUEST-ISOLATED') out.add('guest Wi-Fi is not kept apart');
    }
  }
  // A used leaver's account says more than an enabled one.
  if (out.has("a leaver's account was used")) out.delete("a leaver's account is still enabled");
  return [...out].sort((a, b) => SAFEGUARDING_ORDER.indexOf(a) - SAFEGUARDING_ORDER.indexOf(b));
}

const SAFEGUARDING_ORDER = [
  "a leaver's account was used",
  'the web filter can be bypassed',
  'pupils or guests can reach staff systems',
  "a leaver's account is still enabled",
  'admin rights beyond technical staff',
  'guest Wi-Fi is not kept apart',
];

function changedOf(run: AuditRun, previous: AuditRun | undefined): { text: string; newProblems: number } {
  if (previous === undefined) return { text: 'first run', newProblems: 0 };
  const before = new Set(previous.findings.filter(isOpen).map((f) => f.key));
  const fresh = run.findings.filter((f) => isOpen(f) && !before.has(f.key));
  const { resolved, unverified } = resolutions(run, previous);
  const parts: string[] = [];
  const newCrit = fresh.filter((f) => f.severity === 'critical').length;
  if (fresh.length > 0) parts.push(`${fresh.length} new${newCrit > 0 ? ` (${newCrit} critical)` : ''}`);
  if (resolved.length > 0) parts.push(`${resolved.length} put right`);
  if (unverified.length > 0) parts.push(`${unverified.length} could not be re-checked`);
  const fell = coverageFell(coverageOf(run), coverageOf(previous));
  if (fell) parts.push('fewer checks ran');
  else if (run.score !== null && previous.score !== null && run.score !== previous.score)
    parts.push(`score ${pct(previous.score)} → ${pct(run.score)}`);
  return { text: parts.join(', '), newProblems: fresh.length };
}

export function buildRollup(
  latest: readonly (AuditRun | RollupInput)[],
  opts: {
    now: Date;
    staleAfterDays: number;
    catalog: Catalog;
    topControls?: number;
    /** Every school the schools folder declares, so ones with no run or a broken declaration show. */
    declared?: readonly DeclaredSchool[];
    /** Link to a school's report: default `<school>/<run id>.html`, relative to the roll-up. */
    reportLink?: (schoolId: string, runId: string) => string;
    /** By school: nights missed, failed or not delivered (the scheduler's ledger), one line each. */
    nights?: ReadonlyMap<string, readonly string[]>;
  },
): RollupModel {
  const now = opts.now.getTime();
  const link = opts.reportLink ?? ((school: string, run: string) => `${school}/${run}.html`);
  const controls = new Map<string, RollupControl>();
  const inputs = latest.map((x): RollupInput => ('latest' in x ? x : { latest: x }));
  const schools = inputs.map(({ latest: r, previous }): RollupSchool => {
    const age = (now - Date.parse(r.started)) / DAY;
    const stale = age > opts.staleAfterDays;
    const criticals = r.findings.filter((f) => f.status === 'fail' && f.severity === 'critical').length;
    const safeguarding = safeguardingOf(r);
    const attention: string[] = [];
    if (criticals > 0) attention.push(`${criticals} critical`);
    attention.push(...safeguarding);
    if (r.counts.error > 0) attention.push(`${r.counts.error} could not be checked`);
    if (stale) attention.push(`last audit ${Math.floor(age)} days ago`);
    if (r.status !== 'complete') attention.push('last audit did not finish');
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
    const cov = coverageOf(r);
    const change = changedOf(r, previous);
    return {
      id: r.school.id,
      name: r.school.name,
      state: 'ok',
      runId: r.id,
      lastRun: r.started,
      status: r.status,
      score: r.score,
      checked: { checked: cov.checked, expected: cov.expected },
      fails: r.counts.fail,
      errors: r.counts.error,
      waived: r.counts.waived,
      criticals,
      safeguarding,
      ageDays: Math.max(0, Math.floor(age)),
      stale,
      changed: change.text,
      newProblems: change.newProblems,
      report: link(r.school.id, r.id),
      attention,
    };
  });
  const have = new Set(schools.map((s) => s.id));
  for (const d of opts.declared ?? []) {
    if (have.has(d.id)) continue;
    const base = {
      id: d.id,
      name: d.name,
      score: null,
      fails: 0,
      errors: 0,
      waived: 0,
      criticals: 0,
      safeguarding: [],
      ageDays: null,
      stale: true,
      changed: '',
      newProblems: 0,
    };
    schools.push(
      d.valid
        ? { ...base, state: 'no-run', attention: ['never audited'] }
        : {
            ...base,
            state: 'invalid-declaration',
            attention: ['declaration does not load'],
            problem: d.problem,
          },
    );
  }
  for (const s of schools) {
    const n = opts.nights?.get(s.id) ?? [];
    if (n.length === 0) continue;
    s.nights = [...n];
    s.attention.push(
      `${n.length} ${n.length === 1 ? 'night' : 'nights'} missed or not delivered: ${n.slice(0, 3).join('; ')}${n.length > 3 ? `; and ${n.length - 3} more` : ''}`,
    );
  }
  schools.sort(byRisk);
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
      stale: schools.filter((s) => s.stale && s.state === 'ok').length,
      incomplete: schools.filter((s) => s.status !== undefined && s.status !== 'complete').length,
      withCriticals: schools.filter((s) => s.criticals > 0).length,
      withSafeguarding: schools.filter((s) => s.safeguarding.length > 0).length,
      noRun: schools.filter((s) => s.state === 'no-run').length,
      invalid: schools.filter((s) => s.state === 'invalid-declaration').length,
      withMissedNights: schools.filter((s) => (s.nights?.length ?? 0) > 0).length,
    },
  };
}

/**
 * Riskiest first: critical findings, then safeguarding findings, then what nobody can vouch for (errors,
 * no run, a declaration that will not load, an unfinished run), then staleness; ties go to the school
 * that changed most overnight, then by id.
 */
function byRisk(a: RollupSchool, b: RollupSchool): number {
  const unknown = (s: RollupSchool): number =>
    s.errors + (s.state === 'ok' ? 0 : 1) + (s.status !== undefined && s.status !== 'complete' ? 1 : 0);
  return (
    b.criticals - a.criticals ||
    b.safeguarding.length - a.safeguarding.length ||
    Math.sign(unknown(b)) - Math.sign(unknown(a)) ||
    Number(b.stale) - Number(a.stale) ||
    b.newProblems - a.newProblems ||
    unknown(b) - unknown(a) ||
    (b.ageDays ?? Infinity) - (a.ageDays ?? Infinity) ||
    a.id.localeCompare(b.id)
  );
}

/** Each school's latest run with its previous complete run, for the change column. */
export function rollupInputs(store: ResultsStore): RollupInput[] {
  return latestRuns(store).map((latest) => {
    const previous = store.previousRun(latest.school.id, latest.id);
    return previous === undefined ? { latest } : { latest, previous };
  });
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
  const head = [
    'school',
    'critical',
    'score',
    'checked',
    'fails',
    'errors',
    'last run',
    'changed overnight',
    'attention',
  ];
  const rows = m.schools.map((s) => [
    printable(s.id),
    String(s.criticals),
    pct(s.score),
    s.checked === undefined ? '-' : `${s.checked.checked}/${s.checked.expected}`,
    String(s.fails),
    String(s.errors),
    s.lastRun === undefined ? 'never' : s.lastRun.slice(0, 16).replace('T', ' '),
    printable(s.changed),
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
    `${t.schools} schools: ${t.withCriticals} with critical findings, ${t.withSafeguarding} with safeguarding findings, ${t.withFails} with failures, ${t.withErrors} with errors, ${t.stale} stale (> ${m.staleAfterDays} days), ${t.incomplete} incomplete, ${t.noRun} never audited, ${t.invalid} with an invalid declaration, ${t.withMissedNights} with missed or undelivered nights`,
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
        `<tr data-school="${esc(s.id)}" data-state="${esc(s.state)}"${s.attention.length > 0 ? ' class="att"' : ''}><td>${s.report === undefined ? esc(s.name) : `<a href="${esc(s.report)}">${esc(s.name)}</a>`}<div class="m">${esc(s.id)}</div></td><td>${s.criticals}</td><td>${esc(pct(s.score))}${s.checked === undefined ? '' : `<div class="m">${s.checked.checked} of ${s.checked.expected} checks</div>`}</td><td>${s.fails}</td><td>${s.errors}</td><td>${esc(s.lastRun === undefined ? 'never' : s.lastRun.slice(0, 16).replace('T', ' '))}</td><td>${esc(s.changed)}</td><td>${esc([...s.attention, ...(s.problem === undefined ? [] : [s.problem])].join('; '))}</td></tr>`,
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
<p>${t.schools} schools: ${t.withCriticals} with critical findings, ${t.withSafeguarding} with safeguarding findings, ${t.noRun} never audited, ${t.invalid} with an invalid declaration, ${t.withFails} with failures, ${t.withErrors} with errors, ${t.stale} stale (no audit for more than ${m.staleAfterDays} days), ${t.incomplete} incomplete, ${t.withMissedNights} with missed or undelivered nights. Generated ${esc(m.generated)}.</p>
<h2>Schools (riskiest first)</h2>
<table><thead><tr><th>School</th><th>Critical</th><th>Score</th><th>Fails</th><th>Errors</th><th>Last run (UTC)</th><th>Changed overnight</th><th>Attention</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Controls failing most across the estate</h2>
${m.failingControls.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>Control</th><th>Title</th><th>Schools</th><th>Findings</th></tr></thead><tbody>${ctl}</tbody></table>`}
</body></html>
`;
}
