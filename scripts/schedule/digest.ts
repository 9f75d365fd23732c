/**
 * The short plain-English summary a school's run is delivered with (email body, webhook payload):
 * the score and its trend, what changed since the previous complete run, and what needs attention.
 * It is built from the report's head section only: control titles and counts, never an account name,
 * an evidence object or a finding's reason (those can name pupils). With `technical` set, reasons of
 * findings about devices (never about people's accounts) are added for the provider.
 *
 * It claims no more than was checked (reports/truth.ts, the report's own rules): a problem is "fixed"
 * only when its check ran cleanly again; one whose check errored is "could not be checked"; the score
 * comes with how many checks it stands on, and a night on which fewer checks ran says so in the
 * subject and is never reported as "up".
 */
import { loadCatalog } from '../../checks/catalog/catalog.ts';
import type { Catalog } from '../../checks/catalog/catalog.ts';
import { percent } from '../../checks/engine/summary.ts';
import type { AuditRun, RunFinding } from '../../checks/engine/types.ts';
import { getCheck } from '../../checks/registry.ts';
import { printable } from '../../checks/lib/text.ts';
import { severityRank } from '../../checks/severity.ts';
import type { Severity } from '../../checks/types.ts';
import { coverageFell, coverageOf, resolutions } from '../../reports/truth.ts';
import type { Coverage } from '../../reports/truth.ts';

/** One topic (a check) with how many findings it has in that state. */
export interface Topic {
  check: string;
  title: string;
  severity: Severity;
  count: number;
}

export interface Digest {
  runId: string;
  school: { id: string; name: string };
  finished?: string;
  status: AuditRun['status'];
  score: number | null;
  previousScore: number | null;
  previousRunId?: string;
  counts: AuditRun['counts'];
  /** Something differs from the previous complete run (or there is none): what `when: changed` keys on. */
  changed: boolean;
  newProblems: Topic[];
  /** Put right: the same check ran cleanly tonight and did not find it. */
  resolved: Topic[];
  /** Open last time, and tonight its check errored or did not run. */
  unverified: Topic[];
  attention: Topic[];
  unreachable: string[];
  coverage: Coverage;
  previousCoverage?: Coverage;
  /** Fewer checks could judge tonight than last time: scores are not comparable. */
  coverageFell: boolean;
  /** Nights since the last report that were missed, failed or not delivered (the scheduler's ledger). */
  nights?: string[];
}

const bad = (f: RunFinding): boolean => f.status === 'fail' || f.status === 'error';

let catalog: Catalog | undefined;
function titleOf(f: RunFinding): string {
  catalog ??= loadCatalog();
  const control = f.controls.map((c) => catalog?.controls.get(c)).find((c) => c !== undefined);
  return control?.title ?? getCheck(f.checkId)?.meta.title ?? f.checkId;
}

/** One topic per title: two checks evidencing the same control are one line, their counts added. */
function topics(findings: readonly RunFinding[]): Topic[] {
  const by = new Map<string, Topic>();
  for (const f of findings) {
    const title = titleOf(f);
    const t = by.get(title);
    if (t === undefined) by.set(title, { check: f.checkId, title, severity: f.severity, count: 1 });
    else {
      t.count++;
      if (severityRank(f.severity) < severityRank(t.severity)) t.severity = f.severity;
    }
  }
  return [...by.values()].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.title.localeCompare(b.title),
  );
}

export function digest(run: AuditRun, previous: AuditRun | undefined): Digest {
  const nowBad = run.findings.filter(bad);
  const prevBad = new Map((previous?.findings ?? []).filter(bad).map((f) => [f.key, f]));
  const newProblems = nowBad.filter((f) => !prevBad.has(f.key));
  const { resolved, unverified } = resolutions(run, previous);
  const coverage = coverageOf(run);
  const previousCoverage = previous === undefined ? undefined : coverageOf(previous);
  const d: Digest = {
    runId: run.id,
    school: { id: run.school.id, name: run.school.name },
    status: run.status,
    score: run.score,
    previousScore: previous?.score ?? null,
    counts: run.counts,
    changed:
      previous === undefined ||
      newProblems.length > 0 ||
      resolved.length > 0 ||
      unverified.length > 0 ||
      previous.score !== run.score ||
      run.status !== 'complete',
    newProblems: topics(newProblems),
    resolved: topics(resolved),
    unverified: topics(unverified),
    attention: topics(nowBad),
    unreachable: run.devices.filter((x) => !x.ok).map((x) => x.name),
    coverage,
    coverageFell: coverageFell(coverage, previousCoverage),
  };
  if (previousCoverage !== undefined) d.previousCoverage = previousCoverage;
  if (run.finished !== undefined) d.finished = run.finished;
  if (previous !== undefined) d.previousRunId = previous.id;
  return d;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const line = (t: Topic): string => `  - ${printable(t.title)}${t.count > 1 ? ` (${t.count})` : ''}`;

export function subjectOf(d: Digest): string {
  const trend =
    d.coverageFell || d.previousScore === null || d.score === null || d.previousScore === d.score
      ? ''
      : d.score > d.previousScore
        ? ', up'
        : ', down';
  const partial = d.coverageFell
    ? ` [PARTIAL: only ${d.coverage.checked} of ${d.coverage.expected} checks ran]`
    : d.coverage.checked < d.coverage.expected
      ? ` [${d.coverage.checked} of ${d.coverage.expected} checks ran]`
      : '';
  return `${printable(d.school.name)}: network check ${percent(d.score)}${trend} (${plural(d.counts.fail, 'issue')})${partial}`;
}

/** The email body: a few short paragraphs a head teacher reads in a minute. */
export function bodyOf(
  d: Digest,
  run: AuditRun,
  opts: { technical?: boolean; attached?: boolean } = {},
): string {
  const out: string[] = [];
  const c = d.coverage;
  const full = d.status === 'complete' && c.checked === c.expected;
  out.push(
    full
      ? `Last night's check of ${printable(d.school.name)}'s network and accounts ran in full (${c.checked} of ${c.expected} checks).`
      : `Last night's check of ${printable(d.school.name)}'s network and accounts was only partly done: ${c.checked} of ${c.expected} checks could run.`,
  );
  if (d.coverageFell && d.previousCoverage !== undefined)
    out.push(
      `That is fewer than last time (${d.previousCoverage.checked} of ${d.previousCoverage.expected}), so tonight's score cannot be compared with the last one.`,
    );
  out.push('');
  const was =
    d.previousScore === null
      ? ''
      : d.coverageFell
        ? ` (last time ${percent(d.previousScore)}, from more checks: not comparable)`
        : ` (last time ${percent(d.previousScore)})`;
  out.push(
    `Score: ${percent(d.score)}${was}. ${plural(d.counts.pass, 'check')} passed, ${plural(d.counts.fail, 'problem')} found` +
      `${d.counts.error > 0 ? `, ${plural(d.counts.error, 'check')} could not be completed` : ''}.`,
  );
  if (d.status !== 'complete') out.push('This run did not finish, so the results are partial.');
  if (d.nights !== undefined && d.nights.length > 0) {
    out.push('');
    out.push('Nights without a report since the last one:');
    out.push(...d.nights.map((n) => `  - ${printable(n)}`));
  }
  out.push('');
  if (d.previousRunId === undefined) out.push('What changed: this is the first check on record.');
  else if (d.newProblems.length === 0 && d.resolved.length === 0 && d.unverified.length === 0)
    out.push('What changed: nothing since the last check.');
  else {
    out.push('What changed since the last check:');
    if (d.resolved.length > 0) {
      out.push(' Fixed:');
      out.push(...d.resolved.map(line));
    }
    if (d.unverified.length > 0) {
      out.push(' Could not be checked tonight (not counted as fixed):');
      out.push(...d.unverified.map(line));
    }
    if (d.newProblems.length > 0) {
      out.push(' New:');
      out.push(...d.newProblems.map(line));
    }
  }
  out.push('');
  if (d.attention.length === 0) out.push('Nothing needs attention.');
  else {
    out.push('What needs attention:');
    out.push(...d.attention.slice(0, 10).map(line));
    if (d.attention.length > 10) out.push(`  ... and ${d.attention.length - 10} more (see the report)`);
  }
  if (d.unreachable.length > 0) {
    out.push('');
    out.push(
      `Could not be checked: ${d.unreachable.map(printable).join(', ')} (your IT provider has been told).`,
    );
  }
  if (opts.technical === true) {
    const tech = run.findings.filter(
      (f) => bad(f) && f.personal === undefined && !f.checkId.startsWith('directory-'),
    );
    if (tech.length > 0) {
      out.push('');
      out.push('Technical detail (devices only; account findings are in the report):');
      for (const f of tech.slice(0, 30)) out.push(`  - [${f.severity}] ${f.checkId}: ${printable(f.reason)}`);
    }
  }
  out.push('');
  out.push(
    opts.attached === false
      ? `Run ${d.runId}; the report is available from your IT provider.`
      : `The report is attached. Run ${d.runId}.`,
  );
  return `${out.join('\n')}\n`;
}
