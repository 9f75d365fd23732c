/**
 * The report model: one audit run (plus the school's earlier runs and the control catalogue) turned
 * into what the reports say, with no markup. Pure: no clock, no store, no files. Every renderer reads
 * only this, so the head's page, the PDF, JSON, CSV and JUnit cannot disagree.
 *
 * Privacy is decided here, once. Outside the technician's section no account is named: findings about
 * accounts reach the head's part as counts (pupils, staff, others), with a keyed pseudonym for a pupil
 * only when the school declares a pseudonym key; IPs, MACs, paths and e-mail addresses in checks'
 * sentences are withheld there too. Without the technician's section (the e-mailed version) every
 * account finding is redacted in every format.
 *
 * Truth is decided here too: clauses and requirements are met only on full evidence, the score comes
 * with its coverage, and the trend counts a problem put right only when its check ran cleanly again.
 */
import type { Catalog, Control } from '../checks/catalog/catalog.ts';
import type { AuditRun, EffectiveClause, RunCounts, RunFinding } from '../checks/engine/types.ts';
import { severityRank } from '../checks/severity.ts';
import type { Evidence, Severity, Status } from '../checks/types.ts';
import type { FrameworkId, Jurisdiction } from '../inventory/types.ts';
import { plainSentence } from './plain.ts';
import { pupilPseudonym } from './pseudonym.ts';
import { remediationSteps } from './remediation.ts';
import type { RemediationContext, Step } from './remediation.ts';
import { aboutAccounts, fromPeopleSources, personalKind, scrub, shortValue } from './redact.ts';
import {
  AREA_HARM,
  areaOf,
  areaScores,
  dueDate,
  ownerOf,
  rootOf,
  SAFEGUARDING_CONTROLS,
  SEVERITY_RANK,
} from './risk.ts';
import type { Area, AreaScore, Owner, ReportSettings } from './risk.ts';
import { coverageFell, coverageOf, isOpen, resolutions } from './truth.ts';
import type { Coverage } from './truth.ts';

export const REPORT_SCHEMA_VERSION = 2;

/** How a clause (or an external requirement) stands, in the head's words. */
export type ClauseStatus =
  'not_met' | 'not_checked' | 'partly_checked' | 'needs_attestation' | 'waived' | 'met';

export const CLAUSE_STATUS_LABEL: Record<ClauseStatus, string> = {
  met: 'Met',
  not_met: 'Not met',
  not_checked: 'Could not be checked',
  partly_checked: 'Partly checked',
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
  /** Include the technician's section and unredacted account findings (default true). */
  includeTechnical?: boolean;
  /** From the school's declaration: pseudonym key, contacts, due days, owners. */
  settings?: ReportSettings;
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
  attestation?: { who: string; every: string; what?: string };
  /**
   * A clause partly checked automatically and partly attested: how each part stands. The head's page
   * shows both; `status` is the clause's as a whole.
   */
  parts?: {
    automatic: { status: ClauseStatus; controls: string[] };
    attested: { who: string; every: string; what?: string; controls: string[] };
  };
  waivers: { id: string; reason: string; approver: string; expires: string }[];
  /** No finding evidences this clause (attestation-only, or no check ran). */
  uncovered: boolean;
  /** Controls of the clause no check evaluated cleanly tonight (titles), when not fully checked. */
  unchecked: string[];
  /** The worst severity among open findings, for ordering by risk. */
  worst?: Severity;
}

export interface RequirementView {
  id: string;
  ref: string;
  title: string;
  status: ClauseStatus;
  controls: string[];
  /** Controls not evaluated cleanly tonight, when the requirement is not fully evidenced. */
  unchecked: string[];
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
  /** The clause whose limits this finding was judged against. */
  judgedAgainst?: string;
  references: string[];
  remediation: string[];
  /** Exact commands or register changes for this finding (technician's version only). */
  steps: Step[];
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
  previous?: { id: string; started: string; score: number | null; coverage: Coverage };
  new: TrendItem[];
  /** Put right: the same check ran cleanly tonight and did not find it. */
  resolved: TrendItem[];
  /** Open last time; tonight its check errored or did not run, so nobody knows. */
  unverified: TrendItem[];
  stillOpen: TrendItem[];
  /** False when tonight's coverage fell: the scores cannot be compared as better or worse. */
  comparable: boolean;
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

/** One line of the head's first page: a root cause, what could happen, who puts it right and by when. */
export interface RiskItem {
  key: string;
  severity: Severity;
  area: Area;
  title: string;
  /** What could happen, and to whom, in plain words. */
  harm: string;
  /** The findings it stands for (one rule, one setting, or one check's accounts). */
  count: number;
  /** Head-safe detail: the device or rule, or account counts. */
  detail: string;
  owner: Owner;
  due: string;
  safeguarding: boolean;
  clauses: string[];
}

export interface ReportModel {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** The protective marking every page carries. */
  marking: { label: string; note: string };
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
  /** How much of the school the score stands on, and whether that fell since the last run. */
  checked: Coverage & { fell: boolean; previous?: Coverage };
  areas: AreaScore[];
  risks: RiskItem[];
  counts: RunCounts;
  clauseCounts: Record<ClauseStatus, number>;
  clauses: ClauseView[];
  /** Clause ids, worst first (not met by severity, then unchecked, then the rest in policy order). */
  clausesByRisk: string[];
  standards: StandardView[];
  coverage: CoverageItem[];
  trend: TrendView;
  pupils: { findings: number; open: number };
  /** Open findings about accounts, by whose account (the head's counts). */
  accounts: { pupil: number; staff: number; other: number };
  technical: boolean;
  findings: FindingView[];
  devices: DeviceView[];
  attestations: {
    clause: string;
    who: string;
    every: string;
    what?: string;
    partial?: boolean;
    last?: string;
    lastBy?: string;
    due?: string;
    overdue?: boolean;
  }[];
  warnings: { code: string; message: string; subject: string }[];
}

const REDACTED = '[account details withheld]';

function emptyCounts(): RunCounts {
  return { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
}

function emptyStatusCounts(): Record<ClauseStatus, number> {
  return { met: 0, not_met: 0, not_checked: 0, partly_checked: 0, needs_attestation: 0, waived: 0 };
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

/**
 * The precedence every summary uses: anything failing beats anything unknown beats a waiver; "met"
 * only when every automatically checked control was evaluated without an error and passed.
 * `controls` are the clause's (or requirement's) controls; `byControl` tonight's findings per control.
 */
function statusOf(
  controls: readonly string[],
  byControl: ReadonlyMap<string, readonly RunFinding[]>,
  look: Lookup,
  attestation: boolean,
): { status: ClauseStatus; counts: RunCounts; unchecked: string[] } {
  const counts = emptyCounts();
  const seen = new Set<RunFinding>();
  const unchecked: string[] = [];
  const attested: string[] = [];
  let attestOnly = false;
  for (const id of controls) {
    const fs = byControl.get(id) ?? [];
    for (const f of fs) {
      if (seen.has(f)) continue;
      seen.add(f);
      counts[f.status]++;
    }
    const automatic = look.control(id)?.automation !== 'attestation';
    if (!automatic) {
      if (fs.length === 0) {
        attestOnly = true;
        attested.push(`${look.control(id)?.title ?? id} (to be confirmed by a person)`);
      }
      continue;
    }
    if (fs.length === 0 || fs.some((f) => f.status === 'error'))
      unchecked.push(look.control(id)?.title ?? id);
  }
  const judged = counts.pass + counts.waived + counts.not_applicable;
  let status: ClauseStatus;
  if (counts.fail > 0) status = 'not_met';
  else if (unchecked.length > 0)
    status = judged > 0 ? 'partly_checked' : attestation || attestOnly ? 'needs_attestation' : 'not_checked';
  else if (counts.waived > 0) status = 'waived';
  else if (attestOnly || (attestation && counts.pass === 0)) status = 'needs_attestation';
  else if (counts.pass > 0) status = 'met';
  else status = attestation ? 'needs_attestation' : 'not_checked';
  // An error anywhere is never met, even when the erroring finding's control also has passes.
  if (status === 'met' && counts.error > 0) status = 'partly_checked';
  // What was not checked includes the parts only a person can confirm, once anything was judged.
  const notChecked = judged > 0 || counts.fail > 0 ? [...unchecked, ...attested] : unchecked;
  return { status, counts, unchecked: uniq(notChecked) };
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

function subjectOf(f: RunFinding): string {
  const e = f.evidence[0];
  return [e?.source, e?.object].filter((x): x is string => x !== undefined && x !== '').join(' ');
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))];
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

class Lookup {
  readonly #catalog: Catalog;
  constructor(catalog: Catalog) {
    this.#catalog = catalog;
  }
  control(id: string): Control | undefined {
    return this.#catalog.controls.get(id);
  }
  /** The head's sentence for a finding (reports/plain.ts); the technician's section keeps `reason`. */
  plain(f: RunFinding): string {
    const control = f.controls.map((id) => this.control(id)).find((x) => x !== undefined);
    return plainSentence({ ...f, ...(control === undefined ? {} : { control }) });
  }
  titleOf(f: Pick<RunFinding, 'controls' | 'checkId'>): string {
    const c = f.controls.map((id) => this.control(id)).find((x) => x !== undefined);
    return c?.title ?? f.checkId;
  }
}

/** Everything the privacy rules need, fixed for one model. */
class Privacy {
  readonly schoolId: string;
  readonly key: string | undefined;
  readonly look: Lookup;
  constructor(schoolId: string, key: string | undefined, look: Lookup) {
    this.schoolId = schoolId;
    this.key = key;
    this.look = look;
  }
  pseudonym(f: RunFinding): string | undefined {
    if (this.key === undefined || f.personal !== 'pupil') return undefined;
    const account = f.evidence.find((e) => e.object !== undefined && e.object !== '')?.object;
    return account === undefined ? undefined : pupilPseudonym(this.key, this.schoolId, account);
  }
}

/** "3 pupil accounts, 1 staff account" for a set of account findings. */
function accountCounts(fs: readonly RunFinding[]): string {
  const n = { pupil: 0, staff: 0, other: 0 };
  let unknown = 0;
  for (const f of fs) {
    if (f.personal === undefined) unknown++;
    else n[personalKind(f)]++;
  }
  const parts: string[] = [];
  if (n.pupil > 0) parts.push(plural(n.pupil, 'pupil account'));
  if (n.staff > 0) parts.push(plural(n.staff, 'staff account'));
  if (n.other > 0) parts.push(plural(n.other, 'other account'));
  if (unknown > 0) parts.push(plural(unknown, 'finding'));
  return parts.join(', ');
}

/** A head-safe line for one check's account findings: counts, and pseudonyms only under a key. */
function accountLine(checkId: string, fs: readonly RunFinding[], p: Privacy): HeadIssue | undefined {
  const first = fs[0];
  if (first === undefined) return undefined;
  const title = p.look.titleOf(first);
  const errors = fs.filter((f) => f.status === 'error');
  if (errors.length === fs.length) {
    // An account finding in error is the source being down: nobody's account is involved.
    return {
      key: `${checkId}|accounts`,
      status: 'error',
      severity: first.severity,
      text: errors.some((f) => f.personal !== undefined)
        ? `${title}: could not be checked for ${accountCounts(errors)}.`
        : `${title}: could not be checked (${scrub(first.reason)})`,
      pupil: false,
    };
  }
  const failing = fs.filter((f) => f.status === 'fail');
  const ids = uniq(failing.map((f) => p.pseudonym(f) ?? ''));
  const shown =
    ids.length === 0
      ? ''
      : ` (${ids.slice(0, 6).join(', ')}${ids.length > 6 ? `, and ${ids.length - 6} more` : ''})`;
  const worst = failing.reduce(
    (w, f) => (SEVERITY_RANK[f.severity] < SEVERITY_RANK[w] ? f.severity : w),
    first.severity,
  );
  return {
    key: `${checkId}|accounts`,
    status: 'fail',
    severity: worst,
    text: `${title}: not met for ${accountCounts(failing)}${shown}.`,
    pupil: failing.some((f) => f.personal === 'pupil'),
  };
}

/** A finding's sentence as the head's part may show it: scrubbed, or from its title and values. */
function safeReason(f: RunFinding, look: Lookup): string {
  if (!fromPeopleSources(f) || f.status === 'error') return scrub(look.plain(f));
  const e = f.evidence[0];
  const found = shortValue(e?.actual);
  const want = shortValue(e?.expected);
  const what = f.status === 'pass' ? 'met' : f.status === 'fail' ? 'not met' : f.status.replace('_', ' ');
  return `${look.titleOf(f)}: ${what}${found !== undefined && want !== undefined ? ` (found ${found}; expected ${want})` : ''}.`;
}

/** A key the head's part may carry: no account name, no address. */
function safeKey(f: RunFinding): string {
  return fromPeopleSources(f) || aboutAccounts(f)
    ? `${f.checkId}|${f.evidence[0]?.source ?? ''}`
    : scrub(f.key);
}

function headIssue(f: RunFinding, p: Privacy): HeadIssue {
  if (aboutAccounts(f)) {
    const line = accountLine(f.checkId, [f], p);
    if (line !== undefined) return { ...line, key: `${f.checkId}|${p.pseudonym(f) ?? 'account'}` };
  }
  return {
    key: safeKey(f),
    status: f.status,
    severity: f.severity,
    text: safeReason(f, p.look),
    pupil: false,
  };
}

/**
 * The head's lines for a clause: findings about accounts are gathered into one line per check with
 * counts, never names; other findings with one root cause (one rule, one device setting) are one line.
 */
function headIssues(open: readonly RunFinding[], p: Privacy): HeadIssue[] {
  const out: HeadIssue[] = [];
  const accounts = new Map<string, RunFinding[]>();
  const roots = new Map<string, RunFinding[]>();
  for (const f of open) {
    if (aboutAccounts(f)) accounts.set(f.checkId, [...(accounts.get(f.checkId) ?? []), f]);
    else roots.set(rootOf(f), [...(roots.get(rootOf(f)) ?? []), f]);
  }
  for (const [root, fs] of roots) {
    const first = fs[0];
    if (first === undefined) continue;
    if (fs.length === 1) out.push(headIssue(first, p));
    else
      out.push({
        key: scrub(root),
        status: fs.some((f) => f.status === 'fail') ? 'fail' : 'error',
        severity: first.severity,
        text: `${safeReason(first, p.look)} (and ${plural(fs.length - 1, 'more finding')} with the same cause)`,
        pupil: false,
      });
  }
  for (const [checkId, fs] of accounts) {
    const line = accountLine(checkId, fs, p);
    if (line !== undefined) out.push(line);
  }
  return out.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

function scrubEvidence(e: Evidence): Evidence {
  const r: Evidence = { source: scrub(e.source) };
  if (e.object !== undefined) r.object = scrub(e.object);
  if (e.expected !== undefined) r.expected = scrub(e.expected);
  if (e.actual !== undefined) r.actual = scrub(e.actual);
  return r;
}

function findingView(
  f: RunFinding,
  p: Privacy,
  technical: boolean,
  remediation: string[],
  ordinal: number,
  ctx: RemediationContext,
): FindingView {
  const pseudonym = p.pseudonym(f);
  // An error about no one in particular (the directory down) keeps its (scrubbed) sentence.
  const account =
    (aboutAccounts(f) || fromPeopleSources(f)) && (f.status !== 'error' || f.personal !== undefined);
  const redacted = account && !technical;
  const who = pseudonym ?? (f.personal === undefined ? 'account' : `${f.personal} account`);
  const v: FindingView = {
    key: technical ? f.key : redacted ? `${f.checkId}|${pseudonym ?? `#${ordinal}`}` : scrub(f.key),
    checkId: f.checkId,
    status: f.status,
    severity: f.severity,
    reason: redacted ? `${p.look.titleOf(f)}: ${REDACTED}` : technical ? f.reason : scrub(f.reason),
    subject: redacted ? who : technical ? subjectOf(f) : scrub(subjectOf(f)),
    redacted,
    evidence: redacted
      ? f.evidence.map((e) => {
          const r: Evidence = { source: e.source };
          if (e.object !== undefined) r.object = who;
          return r;
        })
      : technical
        ? f.evidence.map((e) => ({ ...e }))
        : f.evidence.map(scrubEvidence),
    controls: [...f.controls],
    clauses: [...f.clauses],
    references: [...f.references],
    remediation,
    steps: technical ? remediationSteps(f, ctx) : [],
  };
  if (f.waivedStatus !== undefined) v.waivedStatus = f.waivedStatus;
  if (f.judgedAgainst !== undefined) v.judgedAgainst = f.judgedAgainst;
  if (f.personal !== undefined) v.personal = f.personal;
  if (pseudonym !== undefined) v.pseudonym = pseudonym;
  if (f.waiver !== undefined) v.waiver = { ...f.waiver };
  return v;
}

function worstOf(fs: readonly RunFinding[]): Severity | undefined {
  let w: Severity | undefined;
  for (const f of fs) if (w === undefined || SEVERITY_RANK[f.severity] < SEVERITY_RANK[w]) w = f.severity;
  return w;
}

function clauseView(
  c: EffectiveClause,
  findings: readonly RunFinding[],
  p: Privacy,
  look: Lookup,
): ClauseView {
  const byControl = new Map<string, RunFinding[]>();
  for (const f of findings) for (const id of f.controls) byControl.set(id, [...(byControl.get(id) ?? []), f]);
  // Findings mapped to the clause through a control the clause does not list still count.
  const controls = uniq([...c.controls, ...findings.flatMap((f) => f.controls)]);
  const { status, counts, unchecked } = statusOf(controls, byControl, look, c.attestation !== undefined);
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
      `Restore our read-only access to ${down.map(scrub).join(', ')} and check this clause again at the next audit.`,
    );
  if (status === 'partly_checked' && unchecked.length > 0 && down.length === 0)
    providerWill.push(`Check what could not be checked: ${unchecked.join('; ')}.`);
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
  const automaticControls = c.controls.filter((id) => look.control(id)?.automation !== 'attestation');
  const mixed = c.attestation !== undefined && automaticControls.length > 0;
  if (c.attestation !== undefined)
    providerWill.push(
      mixed
        ? `Ask the ${c.attestation.who.toLowerCase()} to confirm ${c.attestation.what === undefined ? 'the part no automatic check can see' : `that ${lowerFirst(c.attestation.what)}`} ${c.attestation.every}; we check the rest every night.`
        : `Ask the ${c.attestation.who.toLowerCase()} to confirm this ${c.attestation.every}; no automatic check can see it.`,
    );
  if (status === 'met' && providerWill.length === 0) providerWill.push('Keep checking this every night.');
  if (status === 'not_checked' && findings.length === 0)
    providerWill.push('Add a check or an attestation for this clause; nothing evidences it yet.');
  const open = findings.filter(isOpen);
  const v: ClauseView = {
    id: c.id,
    section: c.section,
    text: c.text,
    status,
    counts,
    safety,
    providerWill: uniq(providerWill),
    issues: dedupe(headIssues(open, p)),
    pupilFindings: open.filter((f) => aboutAccounts(f) && f.personal === 'pupil').length,
    waivers: [...waivers.values()],
    uncovered: findings.length === 0,
    unchecked: status === 'met' ? [] : unchecked,
  };
  const worst = worstOf(open.filter((f) => f.status === 'fail'));
  if (worst !== undefined) v.worst = worst;
  if (c.attestation !== undefined) v.attestation = { ...c.attestation };
  if (mixed && c.attestation !== undefined) {
    const auto = statusOf(automaticControls, byControl, look, false);
    const attested: NonNullable<ClauseView['parts']>['attested'] = {
      who: c.attestation.who,
      every: c.attestation.every,
      controls: c.controls.filter((id) => !automaticControls.includes(id)),
    };
    if (c.attestation.what !== undefined) attested.what = c.attestation.what;
    v.parts = { automatic: { status: auto.status, controls: automaticControls }, attested };
    // The automatic part met and a person still to confirm the rest: the clause awaits attestation.
    if (v.status === 'met') v.status = 'needs_attestation';
  }
  return v;
}

function standardsView(
  run: AuditRun,
  catalog: Catalog,
  byControl: ReadonlyMap<string, RunFinding[]>,
  look: Lookup,
): StandardView[] {
  const out: StandardView[] = [];
  for (const id of run.school.standards) {
    const fw = catalog.frameworks.find((f) => f.id === id);
    if (fw === undefined) continue;
    const counts = emptyStatusCounts();
    const requirements = fw.requirements.map((r): RequirementView => {
      const { status, unchecked } = statusOf(r.controls, byControl, look, false);
      counts[status]++;
      return {
        id: r.id,
        ref: `${fw.refPrefix}${r.id}`,
        title: r.title,
        status,
        controls: [...r.controls],
        unchecked: status === 'met' ? [] : unchecked,
      };
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
  p: Privacy,
  now: Coverage,
): TrendView {
  const history = new Map<string, ScorePoint>();
  for (const s of scores ?? previous.map((r) => ({ runId: r.id, started: r.started, score: r.score })))
    history.set(s.runId, { ...s });
  history.set(run.id, { runId: run.id, started: run.started, score: run.score });
  const points = [...history.values()].sort((a, b) => a.started.localeCompare(b.started));
  const base = previous[0];
  const trend: TrendView = {
    new: [],
    resolved: [],
    unverified: [],
    stillOpen: [],
    comparable: true,
    history: points,
  };
  if (base === undefined) return trend;
  const before = coverageOf(base);
  trend.previous = { id: base.id, started: base.started, score: base.score, coverage: before };
  trend.comparable = !coverageFell(now, before);
  const openNow = new Map(run.findings.filter(isOpen).map((f) => [f.key, f]));
  const openBefore = new Map(base.findings.filter(isOpen).map((f) => [f.key, f]));
  const openSets = previous.map((r) => new Set(r.findings.filter(isOpen).map((f) => f.key)));
  const item = (f: RunFinding): TrendItem => {
    const h = headIssue(f, p);
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
  const r = resolutions(run, base);
  // Said as what is now true: the sentence the finding had when it failed would read as still failing.
  trend.resolved = groupTrend(
    r.resolved.map((f) => ({ ...item(f), text: `${p.look.titleOf(f)}: put right.` })),
  );
  trend.unverified = groupTrend(r.unverified.map(item));
  trend.new = groupTrend(trend.new);
  trend.stillOpen = groupTrend(trend.stillOpen);
  const bySeverity = (a: TrendItem, b: TrendItem): number =>
    severityRank(a.severity) - severityRank(b.severity) || a.checkId.localeCompare(b.checkId);
  trend.new.sort(bySeverity);
  trend.resolved.sort(bySeverity);
  trend.unverified.sort(bySeverity);
  trend.stillOpen.sort((a, b) => (a.since ?? '').localeCompare(b.since ?? '') || bySeverity(a, b));
  return trend;
}

/** Trend lines that read the same (account findings become one line per check) are said once, counted. */
function groupTrend(items: readonly TrendItem[]): TrendItem[] {
  const by = new Map<string, { item: TrendItem; n: number }>();
  for (const i of items) {
    // Per check as well as per sentence: checks of one control can share a sentence, and each keeps its id.
    const k = `${i.checkId}\u0000${i.text}`;
    const hit = by.get(k);
    if (hit === undefined) by.set(k, { item: i, n: 1 });
    else {
      hit.n++;
      if ((i.since ?? '') < (hit.item.since ?? '')) hit.item = { ...hit.item, since: i.since ?? '' };
    }
  }
  return [...by.values()].map(({ item, n }) =>
    n === 1 ? item : { ...item, text: `${item.text} (${n} findings)` },
  );
}

/** The head's first page: open failures gathered by root cause, worst first, each owned and dated. */
function risksOf(run: AuditRun, p: Privacy, settings: ReportSettings | undefined): RiskItem[] {
  const groups = new Map<string, RunFinding[]>();
  for (const f of run.findings) {
    if (f.status !== 'fail') continue;
    const key = aboutAccounts(f) ? `${f.checkId}|accounts` : rootOf(f);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const out: RiskItem[] = [];
  for (const [key, fs] of groups) {
    const first = fs[0];
    if (first === undefined) continue;
    const severity = worstOf(fs) ?? first.severity;
    const area = areaOf(first);
    const accounts = aboutAccounts(first);
    const device = first.evidence[0]?.source ?? '';
    const detail = accounts
      ? `${accountCounts(fs)}`
      : fs.length === 1
        ? safeReason(first, p.look)
        : `${safeReason(first, p.look)} (${fs.length} findings with this one cause on ${scrub(device)})`;
    const safeguarding = fs.some((f) => f.controls.some((c) => SAFEGUARDING_CONTROLS.has(c)));
    out.push({
      key: scrub(key),
      severity,
      area,
      title: p.look.titleOf(first),
      harm: AREA_HARM[area],
      count: fs.length,
      detail,
      owner: ownerOf(area, settings),
      due: dueDate(run.asOf, severity, settings),
      safeguarding,
      clauses: uniq(fs.flatMap((f) => f.clauses)),
    });
  }
  return out.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      Number(b.safeguarding) - Number(a.safeguarding) ||
      b.count - a.count ||
      a.key.localeCompare(b.key),
  );
}

const STATUS_RISK: Record<ClauseStatus, number> = {
  not_met: 0,
  not_checked: 1,
  partly_checked: 2,
  needs_attestation: 3,
  waived: 4,
  met: 5,
};

function byRisk(clauses: readonly ClauseView[]): string[] {
  const order = new Map(clauses.map((c, i) => [c.id, i]));
  return [...clauses]
    .sort(
      (a, b) =>
        STATUS_RISK[a.status] - STATUS_RISK[b.status] ||
        (a.worst === undefined ? 9 : SEVERITY_RANK[a.worst]) -
          (b.worst === undefined ? 9 : SEVERITY_RANK[b.worst]) ||
        b.issues.length - a.issues.length ||
        (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
    )
    .map((c) => c.id);
}

/** The protective marking (UK Government Security Classifications: OFFICIAL, with the SENSITIVE caveat). */
function markingOf(technical: boolean, pseudonyms: boolean): ReportModel['marking'] {
  if (technical)
    return {
      label: 'OFFICIAL-SENSITIVE',
      note: 'Contains personal data (account names) and security detail about the school network. For the school’s IT provider and named staff only; do not forward or attach to e-mail.',
    };
  if (pseudonyms)
    return {
      label: 'OFFICIAL-SENSITIVE',
      note: 'Contains pseudonymised personal data (pupil references). For the named recipients only; do not forward.',
    };
  return {
    label: 'OFFICIAL',
    note: 'Names no person and gives no network addresses. For the school’s leadership and governors.',
  };
}

export function buildReportModel(run: AuditRun, opts: ReportOptions): ReportModel {
  const technical = opts.includeTechnical ?? true;
  const look = new Lookup(opts.catalog);
  const p = new Privacy(run.school.id, opts.settings?.pseudonymKey, look);
  const previous = (opts.previous ?? []).filter((r) => r.id !== run.id && r.school.id === run.school.id);
  const byClause = new Map<string, RunFinding[]>();
  const byControl = new Map<string, RunFinding[]>();
  for (const f of run.findings) {
    for (const c of f.clauses) byClause.set(c, [...(byClause.get(c) ?? []), f]);
    for (const c of f.controls) byControl.set(c, [...(byControl.get(c) ?? []), f]);
  }
  const cm = run.effectivePolicy.clauseMap;
  const clauses = cm.clauses.map((c) => clauseView(c, byClause.get(c.id) ?? [], p, look));
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
    .map((f, i) =>
      findingView(
        f,
        p,
        technical,
        uniq(f.controls.map((id) => look.control(id)?.remediation ?? '')),
        i + 1,
        opts.settings?.remediation ?? {},
      ),
    );
  const policy: ReportModel['policy'] = {
    version: cm.version,
    file: technical ? cm.file : basename(cm.file),
  };
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
  const accounts = { pupil: 0, staff: 0, other: 0 };
  for (const f of run.findings) if (f.status === 'fail' && f.personal !== undefined) accounts[f.personal]++;
  const now = coverageOf(run);
  const trend = trendView(run, previous, opts.scores, p, now);
  const checked: ReportModel['checked'] = { ...now, fell: !trend.comparable };
  if (trend.previous !== undefined) checked.previous = trend.previous.coverage;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    marking: markingOf(
      technical,
      findings.some((f) => f.pseudonym !== undefined),
    ),
    run: r,
    school: {
      id: run.school.id,
      name: run.school.name,
      jurisdiction: run.school.jurisdiction,
      standards: [...run.school.standards],
    },
    policy,
    score: run.score,
    checked,
    areas: areaScores(run.findings),
    risks: risksOf(run, p, opts.settings),
    counts: { ...run.counts },
    clauseCounts,
    clauses,
    clausesByRisk: byRisk(clauses),
    standards: standardsView(run, opts.catalog, byControl, look),
    coverage,
    trend,
    pupils: { findings: pupilFindings.length, open: pupilFindings.filter(isOpen).length },
    accounts,
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

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
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
