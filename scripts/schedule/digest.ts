/**
 * The short plain-English summary a school's run is delivered with (email body, webhook payload):
 * the score and its trend, what changed since the previous complete run, and what needs attention.
 * It is built from the report's head section only: control titles and counts, never an account name,
 * an evidence object or a finding's reason (those can name pupils). With `technical` set, reasons of
 * findings about devices (never about people's accounts) are added for the provider.
 */
import { loadCatalog } from '../../checks/catalog/catalog.ts';
import type { Catalog } from '../../checks/catalog/catalog.ts';
import { percent } from '../../checks/engine/summary.ts';
import type { AuditRun, RunFinding } from '../../checks/engine/types.ts';
import { getCheck } from '../../checks/registry.ts';
import { printable } from '../../checks/lib/text.ts';
import { severityRank } from '../../checks/severity.ts';
import type { Severity } from '../../checks/types.ts';

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
  resolved: Topic[];
  attention: Topic[];
  unreachable: string[];
}

const bad = (f: RunFinding): boolean => f.status === 'fail' || f.status === 'error';

let catalog: Catalog | undefined;
function titleOf(f: RunFinding): string {
  catalog ??= loadCatalog();
  const control = f.controls.map((c) => catalog?.controls.get(c)).find((c) => c !== undefined);
  return control?.title ?? getCheck(f.checkId)?.meta.title ?? f.checkId;
}

function topics(findings: readonly RunFinding[]): Topic[] {
  const by = new Map<string, Topic>();
  for (const f of findings) {
    const t = by.get(f.checkId);
    if (t === undefined)
      by.set(f.checkId, { check: f.checkId, title: titleOf(f), severity: f.severity, count: 1 });
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
  const nowKeys = new Set(nowBad.map((f) => f.key));
  const newProblems = nowBad.filter((f) => !prevBad.has(f.key));
  const resolved = [...prevBad.values()].filter((f) => !nowKeys.has(f.key));
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
      previous.score !== run.score ||
      run.status !== 'complete',
    newProblems: topics(newProblems),
    resolved: topics(resolved),
    attention: topics(nowBad),
    unreachable: run.devices.filter((x) => !x.ok).map((x) => x.name),
  };
  if (run.finished !== undefined) d.finished = run.finished;
  if (previous !== undefined) d.previousRunId = previous.id;
  return d;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const line = (t: Topic): string => `  - ${printable(t.title)}${t.count > 1 ? ` (${t.count})` : ''}`;

export function subjectOf(d: Digest): string {
  const trend =
    d.previousScore === null || d.score === null || d.previousScore === d.score
      ? ''
      : d.score > d.previousScore
        ? ', up'
        : ', down';
  return `${printable(d.school.name)}: network check ${percent(d.score)}${trend} (${plural(d.counts.fail, 'issue')})`;
}

/** The email body: a few short paragraphs a head teacher reads in a minute. */
export function bodyOf(d: Digest, run: AuditRun, opts: { technical?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`Last night's check of ${printable(d.school.name)}'s network and accounts is complete.`);
  out.push('');
  const was = d.previousScore === null ? '' : ` (last time ${percent(d.previousScore)})`;
  out.push(
    `Score: ${percent(d.score)}${was}. ${plural(d.counts.pass, 'check')} passed, ${plural(d.counts.fail, 'problem')} found` +
      `${d.counts.error > 0 ? `, ${plural(d.counts.error, 'check')} could not be completed` : ''}.`,
  );
  if (d.status !== 'complete') out.push('This run did not finish, so the results are partial.');
  out.push('');
  if (d.previousRunId === undefined) out.push('What changed: this is the first check on record.');
  else if (d.newProblems.length === 0 && d.resolved.length === 0)
    out.push('What changed: nothing since the last check.');
  else {
    out.push('What changed since the last check:');
    if (d.resolved.length > 0) {
      out.push(' Fixed:');
      out.push(...d.resolved.map(line));
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
  out.push(`The full report is attached. Run ${d.runId}.`);
  return `${out.join('\n')}\n`;
}
