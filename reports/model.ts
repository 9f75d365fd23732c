/**
 * The report model: one audit run (plus the school's earlier runs and the control catalogue) turned
 * into what the reports say, with no markup. Pure: no clock, no store, no files. Every renderer reads
 * only this, so the head's page, the PDF, JSON, CSV and JUnit cannot disagree.
 *
 * Privacy is decided here, once: a finding about a pupil (`personal: 'pupil'`) reaches the head's part
 * as a count and a pseudonymous id; its reason and evidence are kept only when the technician's
 * section is included, and are redacted everywhere otherwise.
 */
import type { Catalog, Control } from '../checks/catalog/catalog.ts';
import type { AuditRun, EffectiveClause, RunCounts, RunFinding } from '../checks/engine/types.ts';
import { severityRank } from '../checks/severity.ts';
import type { Evidence, Severity, Status } from '../checks/types.ts';
import type { FrameworkId, Jurisdiction } from '../inventory/types.ts';
import { pupilPseudonym } from './pseudonym.ts';

export const REPORT_SCHEMA_VERSION = 1;

/** How a clause (or an external requirement) stands, in the head's words. */
export type ClauseStatus = 'not_met' | 'not_checked' | 'needs_attestation' | 'waived' | 'met';

export const CLAUSE_STATUS_LABEL: Record<ClauseStatus, string> = {
  met: 'Met',
  not_met: 'Not met',
  not_checked: 'Could not be checked',
  needs_attestation: 'Needs attestation',
  waived: 'Waived',
};

export interface ScorePoint {
  runId: string;
  started: string;
  score: number | null;
}

export interface ReportOptions {
  catalog: Catalog;
  /** Earlier complete runs of the same school, newest first (the first is the trend baseline). */
  previous?: readonly AuditRun[];
  /** Score history (any order; the current run is added if missing). Default: built from `previous`. */
  scores?: readonly ScorePoint[];
  /** Include the technician's section and unredacted pupil findings (default true). */
  includeTechnical?: boolean;
}

/** One line about a problem, safe for the head's page: pupils appear only as pseudonyms. */
export interface HeadIssue {
  key: string;
  status: Status;
  severity: Severity;
  text: string;
  pupil: boolean;
}

export interface ClauseView {
  id: string;
  section: string;
  text: string;
  status: ClauseStatus;
  counts: RunCounts;
  /** What it means for pupils' safety (the controls' `safeguarding`, failing controls first). */
  safety: string[];
  /** What the provider will do, in plain words. */
  providerWill: string[];
  issues: HeadIssue[];
  /** Findings about pupils under this clause (shown to heads as a number). */
  pupilFindings: number;
  attestation?: { who: string; every: string };
  waivers: { id: string; reason: string; approver: string; expires: string }[];
  /** No finding evidences this clause (attestation-only, or no check ran). */
  uncovered: boolean;
}

export interface RequirementView {
  id: string;
  ref: string;
  title: string;
  status: ClauseStatus;
  controls: string[];
}

export interface StandardView {
  id: FrameworkId;
  title: string;
  publisher: string;
  version?: string;
  counts: Record<ClauseStatus, number>;
  requirements: RequirementView[];
}

export interface FindingView {
  key: string;
  checkId: string;
  status: Status;
  waivedStatus?: Exclude<Status, 'waived'>;
  severity: Severity;
  /** The check's sentence; `[pupil details withheld]` when redacted. */
  reason: string;
  /** `source object` of the first evidence (a pseudonym for a redacted pupil finding). */
  subject: string;
  personal?: 'pupil' | 'staff' | 'other';
  /** Set for pupil findings. */
  pseudonym?: string;
  redacted: boolean;
  evidence: Evidence[];
  controls: string[];
  clauses: string[];
  references: string[];
  remediation: string[];
  waiver?: { id: string; reason: string; approver: string; granted: string; expires: string };
}

export interface CoverageItem {
  id: string;
  section: string;
  text: string;
  why: 'attestation' | 'no-check' | 'not-applicable';
  attestation?: { who: string; every: string };
}

export interface TrendItem {
  key: string;
  checkId: string;
  severity: Severity;
  /** Head-safe one line (pupils pseudonymised). */
  text: string;
  /** When first seen open in the unbroken run of runs up to now (ISO). */
  since?: string;
  /** True when it was open in every earlier run we have, so it may be older still. */
  atLeast?: boolean;
}

export interface TrendView {
  previous?: { id: string; started: string; score: number | null };
  new: TrendItem[];
  resolved: TrendItem[];
  stillOpen: TrendItem[];
  /** Oldest first, including this run. */
  history: ScorePoint[];
}

export interface DeviceView {
  name: string;
  kind: string;
  ok: boolean;
  error?: string;
  collectedAt?: string;
}

export interface ReportModel {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  run: {
    id: string;
    started: string;
    finished?: string;
    asOf: string;
    status: AuditRun['status'];
    toolVersion: string;
  };
  school: { id: string; name: string; jurisdiction: Jurisdiction; standards: FrameworkId[] };
  policy: { title?: string; version: string; reviewed?: string; file: string };
  score: number | null;
  counts: RunCounts;
  clauseCounts: Record<ClauseStatus, number>;
  clauses: ClauseView[];
  standards: StandardView[];
  coverage: CoverageItem[];
  trend: TrendView;
  pupils: { findings: number; open: number };
  technical: boolean;
  findings: FindingView[];
  devices: DeviceView[];
  attestations: { clause: string; who: string; every: string }[];
  warnings: { code: string; message: string; subject: string }[];
}

const REDACTED = '[pupil details withheld]';

const isOpen = (f: Pick<RunFinding, 'status'>): boolean => f.status === 'fail' || f.status === 'error';

function emptyCounts(): RunCounts {
  return { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
}

function emptyStatusCounts(): Record<ClauseStatus, number> {
  return { met: 0, not_met: 0, not_checked: 0, needs_attestation: 0, waived: 0 };
}

/** Catalogue remediation is written for technicians; the head reads it without the bracketed detail. */
export function plainWords(s: string): string {
  let out = s;
  // Nested brackets are rare; two passes remove them.
  for (let i = 0; i < 2; i++) out = out.replace(/\s*\([^()]*\)/g, '');
  return out
    .replace(/\s+([,.;:])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** The precedence every summary uses: anything failing beats anything unknown beats a waiver. */
function statusOf(counts: RunCounts, attestation: boolean): ClauseStatus {
  if (counts.fail > 0) return 'not_met';
  if (counts.error > 0) return 'not_checked';
  if (counts.waived > 0) return 'waived';
  if (counts.pass > 0) return 'met';
  return attestation ? 'needs_attestation' : 'not_checked';
}

function subjectOf(f: RunFinding): string {
  const e = f.evidence[0];
  return [e?.source, e?.object].filter((x): x is string => x !== undefined && x !== '').join(' ');
}

function pseudonymOf(schoolId: string, f: RunFinding): string | undefined {
  if (f.personal !== 'pupil') return undefined;
  return pupilPseudonym(schoolId, f.evidence[0]?.object ?? f.key);
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))];
}

class Lookup {
  readonly #catalog: Catalog;
  constructor(catalog: Catalog) {
    this.#catalog = catalog;
  }
  control(id: string): Control | undefined {
    return this.#catalog.controls.get(id);
  }
  titleOf(f: Pick<RunFinding, 'controls' | 'checkId'>): string {
    const c = f.controls.map((id) => this.control(id)).find((x) => x !== undefined);
    return c?.title ?? f.checkId;
  }
}

function headIssue(schoolId: string, f: RunFinding, look: Lookup): HeadIssue {
  const pseudonym = pseudonymOf(schoolId, f);
  const text =
    pseudonym === undefined
      ? f.reason
      : `${look.titleOf(f)}: ${f.status === 'error' ? 'could not be checked for' : 'not met for'} ${pseudonym}.`;
  const key = pseudonym === undefined ? f.key : `${f.checkId}|${pseudonym}`;
  return { key, status: f.status, severity: f.severity, text, pupil: pseudonym !== undefined };
}

/**
 * The head's lines for a clause: one per finding, except that findings about pupils are gathered into
 * one line per check ("... for 4 pupil accounts (pupil-3f9a2c, ...)") so a list of children does not
 * crowd out everything else.
 */
function headIssues(open: readonly RunFinding[], schoolId: string, look: Lookup): HeadIssue[] {
  const out: HeadIssue[] = [];
  const pupils = new Map<string, RunFinding[]>();
  for (const f of open) {
    if (f.personal !== 'pupil') out.push(headIssue(schoolId, f, look));
    else pupils.set(f.checkId, [...(pupils.get(f.checkId) ?? []), f]);
  }
  for (const [checkId, fs] of pupils) {
    const first = fs[0];
    if (first === undefined) continue;
    if (fs.length === 1) {
      out.push(headIssue(schoolId, first, look));
      continue;
    }
    const ids = fs.map((f) => pseudonymOf(schoolId, f) ?? '');
    const shown = ids.slice(0, 6).join(', ') + (ids.length > 6 ? `, and ${ids.length - 6} more` : '');
    const what = fs.every((f) => f.status === 'error') ? 'could not be checked for' : 'not met for';
    out.push({
      key: `${checkId}|pupils`,
      status: fs.some((f) => f.status === 'fail') ? 'fail' : 'error',
      severity: first.severity,
      text: `${look.titleOf(first)}: ${what} ${fs.length} pupil accounts (${shown}).`,
      pupil: true,
    });
  }
  return out;
}

function findingView(schoolId: string, f: RunFinding, look: Lookup, technical: boolean): FindingView {
  const pseudonym = pseudonymOf(schoolId, f);
  const redacted = pseudonym !== undefined && !technical;
  const v: FindingView = {
    key: redacted ? `${f.checkId}|${pseudonym}` : f.key,
    checkId: f.checkId,
    status: f.status,
    severity: f.severity,
    reason: redacted ? `${look.titleOf(f)}: ${REDACTED}` : f.reason,
    subject: redacted ? (pseudonym ?? '') : subjectOf(f),
    redacted,
    evidence: redacted
      ? f.evidence.map((e) => {
          const r: Evidence = { source: e.source };
          if (e.object !== undefined) r.object = pseudonym ?? '';
          return r;
        })
      : f.evidence.map((e) => ({ ...e })),
    controls: [...f.controls],
    clauses: [...f.clauses],
    references: [...f.references],
    remediation: uniq(f.controls.map((id) => look.control(id)?.remediation ?? '')),
  };
  if (f.waivedStatus !== undefined) v.waivedStatus = f.waivedStatus;
  if (f.personal !== undefined) v.personal = f.personal;
  if (pseudonym !== undefined) v.pseudonym = pseudonym;
  if (f.waiver !== undefined) v.waiver = { ...f.waiver };
  return v;
}

function clauseView(
  c: EffectiveClause,
  findings: readonly RunFinding[],
  schoolId: string,
  look: Lookup,
): ClauseView {
  const counts = emptyCounts();
  for (const f of findings) counts[f.status]++;
  const status = statusOf(counts, c.attestation !== undefined);
  const failingControls = uniq(findings.filter((f) => f.status === 'fail').flatMap((f) => f.controls));
  const ordered = uniq([...failingControls, ...c.controls]);
  const safety = uniq(ordered.map((id) => look.control(id)?.safeguarding ?? '')).slice(
    0,
    status === 'not_met' ? 2 : 1,
  );
  const providerWill: string[] = [];
  if (status === 'not_met') {
    for (const id of failingControls) {
      const ctl = look.control(id);
      if (ctl !== undefined) providerWill.push(plainWords(ctl.remediation));
    }
  }
  const down = uniq(findings.filter((f) => f.status === 'error').map((f) => f.evidence[0]?.source ?? ''));
  if (down.length > 0)
    providerWill.push(
      `Restore our read-only access to ${down.join(', ')} and check this clause again at the next audit.`,
    );
  const waivers = new Map<string, ClauseView['waivers'][number]>();
  for (const f of findings) {
    if (f.waiver !== undefined)
      waivers.set(f.waiver.id, {
        id: f.waiver.id,
        reason: f.waiver.reason,
        approver: f.waiver.approver,
        expires: f.waiver.expires,
      });
  }
  if (status === 'waived')
    providerWill.push('Keep the agreed exception under review and check it again before it expires.');
  if (c.attestation !== undefined)
    providerWill.push(
      `Ask the ${c.attestation.who.toLowerCase()} to confirm this ${c.attestation.every}; no automatic check can see it.`,
    );
  if (status === 'met' && providerWill.length === 0) providerWill.push('Keep checking this every night.');
  if (status === 'not_checked' && findings.length === 0)
    providerWill.push('Add a check or an attestation for this clause; nothing evidences it yet.');
  const issues = headIssues(
    findings.filter(isOpen).sort((a, b) => severityRank(a.severity) - severityRank(b.severity)),
    schoolId,
    look,
  );
  const v: ClauseView = {
    id: c.id,
    section: c.section,
    text: c.text,
    status,
    counts,
    safety,
    providerWill: uniq(providerWill),
    issues: dedupe(issues),
    pupilFindings: findings.filter((f) => f.personal === 'pupil' && isOpen(f)).length,
    waivers: [...waivers.values()],
    uncovered: findings.length === 0,
  };
  if (c.attestation !== undefined) v.attestation = { ...c.attestation };
  return v;
}

function standardsView(
  run: AuditRun,
  catalog: Catalog,
  byControl: ReadonlyMap<string, RunFinding[]>,
): StandardView[] {
  const out: StandardView[] = [];
  for (const id of run.school.standards) {
    const fw = catalog.frameworks.find((f) => f.id === id);
    if (fw === undefined) continue;
    const counts = emptyStatusCounts();
    const requirements = fw.requirements.map((r): RequirementView => {
      const c = emptyCounts();
      const seen = new Set<RunFinding>();
      for (const ctl of r.controls)
        for (const f of byControl.get(ctl) ?? []) {
          if (seen.has(f)) continue;
          seen.add(f);
          c[f.status]++;
        }
      const attest = r.controls.some((ctl) => catalog.controls.get(ctl)?.automation === 'attestation');
      const status = statusOf(c, attest);
      counts[status]++;
      return { id: r.id, ref: `${fw.refPrefix}${r.id}`, title: r.title, status, controls: [...r.controls] };
    });
    const v: StandardView = { id: fw.id, title: fw.title, publisher: fw.publisher, counts, requirements };
    if (fw.version !== undefined) v.version = fw.version;
    out.push(v);
  }
  return out;
}

function trendView(
  run: AuditRun,
  previous: readonly AuditRun[],
  scores: readonly ScorePoint[] | undefined,
  look: Lookup,
): TrendView {
  const history = new Map<string, ScorePoint>();
  for (const p of scores ?? previous.map((r) => ({ runId: r.id, started: r.started, score: r.score })))
    history.set(p.runId, { ...p });
  history.set(run.id, { runId: run.id, started: run.started, score: run.score });
  const points = [...history.values()].sort((a, b) => a.started.localeCompare(b.started));
  const base = previous[0];
  const trend: TrendView = { new: [], resolved: [], stillOpen: [], history: points };
  if (base === undefined) return trend;
  trend.previous = { id: base.id, started: base.started, score: base.score };
  const openNow = new Map(run.findings.filter(isOpen).map((f) => [f.key, f]));
  const openBefore = new Map(base.findings.filter(isOpen).map((f) => [f.key, f]));
  const openSets = previous.map((r) => new Set(r.findings.filter(isOpen).map((f) => f.key)));
  const item = (f: RunFinding): TrendItem => {
    const h = headIssue(run.school.id, f, look);
    return { key: h.key, checkId: f.checkId, severity: f.severity, text: h.text };
  };
  for (const [key, f] of openNow) {
    if (!openBefore.has(key)) {
      trend.new.push({ ...item(f), since: run.started });
      continue;
    }
    let i = 0;
    while (i + 1 < previous.length && openSets[i + 1]?.has(key) === true) i++;
    const t: TrendItem = { ...item(f), since: previous[i]?.started ?? base.started };
    if (i === previous.length - 1) t.atLeast = true;
    trend.stillOpen.push(t);
  }
  for (const [key, f] of openBefore) if (!openNow.has(key)) trend.resolved.push(item(f));
  const bySeverity = (a: TrendItem, b: TrendItem): number =>
    severityRank(a.severity) - severityRank(b.severity) || a.checkId.localeCompare(b.checkId);
  trend.new.sort(bySeverity);
  trend.resolved.sort(bySeverity);
  trend.stillOpen.sort((a, b) => (a.since ?? '').localeCompare(b.since ?? '') || bySeverity(a, b));
  return trend;
}

export function buildReportModel(run: AuditRun, opts: ReportOptions): ReportModel {
  const technical = opts.includeTechnical ?? true;
  const look = new Lookup(opts.catalog);
  const previous = (opts.previous ?? []).filter((r) => r.id !== run.id && r.school.id === run.school.id);
  const byClause = new Map<string, RunFinding[]>();
  const byControl = new Map<string, RunFinding[]>();
  for (const f of run.findings) {
    for (const c of f.clauses) byClause.set(c, [...(byClause.get(c) ?? []), f]);
    for (const c of f.controls) byControl.set(c, [...(byControl.get(c) ?? []), f]);
  }
  const cm = run.effectivePolicy.clauseMap;
  const clauses = cm.clauses.map((c) => clauseView(c, byClause.get(c.id) ?? [], run.school.id, look));
  const clauseCounts = emptyStatusCounts();
  for (const c of clauses) clauseCounts[c.status]++;
  const coverage: CoverageItem[] = [];
  for (const c of clauses) {
    const onlyNa = c.counts.not_applicable > 0 && c.counts.not_applicable === sum(c.counts);
    if (!c.uncovered && !onlyNa) continue;
    const item: CoverageItem = {
      id: c.id,
      section: c.section,
      text: c.text,
      why: onlyNa ? 'not-applicable' : c.attestation !== undefined ? 'attestation' : 'no-check',
    };
    if (c.attestation !== undefined) item.attestation = { ...c.attestation };
    coverage.push(item);
  }
  const findings = [...run.findings]
    .sort(
      (a, b) =>
        statusRank(a.status) - statusRank(b.status) ||
        severityRank(a.severity) - severityRank(b.severity) ||
        a.checkId.localeCompare(b.checkId),
    )
    .map((f) => findingView(run.school.id, f, look, technical));
  const policy: ReportModel['policy'] = { version: cm.version, file: cm.file };
  if (cm.title !== undefined) policy.title = cm.title;
  if (cm.reviewed !== undefined) policy.reviewed = cm.reviewed;
  const r: ReportModel['run'] = {
    id: run.id,
    started: run.started,
    asOf: run.asOf,
    status: run.status,
    toolVersion: run.toolVersion,
  };
  if (run.finished !== undefined) r.finished = run.finished;
  const pupilFindings = run.findings.filter((f) => f.personal === 'pupil');
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    run: r,
    school: {
      id: run.school.id,
      name: run.school.name,
      jurisdiction: run.school.jurisdiction,
      standards: [...run.school.standards],
    },
    policy,
    score: run.score,
    counts: { ...run.counts },
    clauseCounts,
    clauses,
    standards: standardsView(run, opts.catalog, byControl),
    coverage,
    trend: trendView(run, previous, opts.scores, look),
    pupils: { findings: pupilFindings.length, open: pupilFindings.filter(isOpen).length },
    technical,
    findings,
    devices: technical
      ? run.devices.map((d) => {
          const v: DeviceView = { name: d.name, kind: d.kind, ok: d.ok };
          if (d.error !== undefined)
            v.error = `${d.error.code}: ${d.error.message}${d.error.hint ? ` (${d.error.hint})` : ''}`;
          if (d.collectedAt !== undefined) v.collectedAt = d.collectedAt;
          return v;
        })
      : [],
    attestations: run.attestations.map((a) => ({ ...a })),
    warnings: technical ? run.warnings.map((w) => ({ ...w })) : [],
  };
}

/** The same sentence many times (one device down fails every check that reads it) is said once. */
function dedupe(issues: readonly HeadIssue[]): HeadIssue[] {
  const seen = new Map<string, { issue: HeadIssue; n: number }>();
  for (const i of issues) {
    const hit = seen.get(i.text);
    if (hit === undefined) seen.set(i.text, { issue: i, n: 1 });
    else hit.n++;
  }
  return [...seen.values()].map(({ issue, n }) =>
    n === 1 ? issue : { ...issue, text: `${issue.text} (${n} checks)` },
  );
}

function sum(c: RunCounts): number {
  return c.pass + c.fail + c.error + c.not_applicable + c.waived;
}

function statusRank(s: Status): number {
  return { fail: 0, error: 1, waived: 2, pass: 3, not_applicable: 4 }[s];
}
