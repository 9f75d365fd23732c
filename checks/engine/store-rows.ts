/**
 * Rows of the store's tables (schema.sql) and how they become an `AuditRun`: shared by the SQLite and
 * PostgreSQL stores, so both hand back exactly the same objects.
 */
import type { Evidence, Severity, Status } from '../types.ts';
import type {
  Attestation,
  AuditRun,
  DeviceStatus,
  EffectivePolicy,
  RunFinding,
  RunWarning,
} from './types.ts';
import type { RunSummary } from './store.ts';

export interface RunRow {
  id: string;
  seq: number;
  school_json: string;
  started: string;
  finished: string | null;
  as_of: string;
  status: string;
  score: number | null;
  pass_count: number;
  fail_count: number;
  error_count: number;
  na_count: number;
  waived_count: number;
  attestations_json: string;
  warnings_json: string;
  tool_version: string;
}

export interface FindingRow {
  seq: number;
  finding_key: string;
  check_id: string;
  status: string;
  waived_status: string | null;
  severity: string;
  reason: string;
  personal: string | null;
  controls_json: string;
  clauses_json: string;
  refs_json: string;
  params_json: string;
  waiver_json: string | null;
  /** NULL in runs stored before schema 3. */
  judged_against?: string | null;
}

export interface EvidenceRow {
  finding_seq: number;
  source: string;
  object: string | null;
  expected: string | null;
  actual: string | null;
}

export interface DeviceRow {
  name: string;
  kind: string;
  ok: number;
  error_code: string | null;
  error_message: string | null;
  error_hint: string | null;
  collected_at: string | null;
  ms: number | null;
}

export function summaryOf(r: RunRow): RunSummary {
  const s: RunSummary = {
    id: r.id,
    school: JSON.parse(r.school_json) as RunSummary['school'],
    started: r.started,
    asOf: r.as_of,
    status: r.status === 'complete' ? 'complete' : 'incomplete',
    score: r.score,
    counts: {
      pass: r.pass_count,
      fail: r.fail_count,
      error: r.error_count,
      not_applicable: r.na_count,
      waived: r.waived_count,
    },
    toolVersion: r.tool_version,
  };
  if (r.finished !== null) s.finished = r.finished;
  return s;
}

export function assembleRun(
  r: RunRow,
  findingRows: FindingRow[],
  evidenceRows: EvidenceRow[],
  deviceRows: DeviceRow[],
  policyJson: string | undefined,
): AuditRun {
  const evidence = new Map<number, Evidence[]>();
  for (const e of evidenceRows) {
    const ev: Evidence = { source: e.source };
    if (e.object !== null) ev.object = e.object;
    if (e.expected !== null) ev.expected = e.expected;
    if (e.actual !== null) ev.actual = e.actual;
    const list = evidence.get(e.finding_seq) ?? [];
    list.push(ev);
    evidence.set(e.finding_seq, list);
  }
  const findings = findingRows.map((f) => {
    const out: RunFinding = {
      checkId: f.check_id,
      key: f.finding_key,
      status: f.status as Status,
      severity: f.severity as Severity,
      reason: f.reason,
      evidence: evidence.get(f.seq) ?? [],
      controls: JSON.parse(f.controls_json) as string[],
      clauses: JSON.parse(f.clauses_json) as string[],
      references: JSON.parse(f.refs_json) as string[],
      params: JSON.parse(f.params_json) as Record<string, unknown>,
    };
    if (f.waived_status !== null) out.waivedStatus = f.waived_status as Exclude<Status, 'waived'>;
    if (f.personal !== null) out.personal = f.personal as NonNullable<RunFinding['personal']>;
    if (f.waiver_json !== null) out.waiver = JSON.parse(f.waiver_json) as NonNullable<RunFinding['waiver']>;
    if (f.judged_against !== undefined && f.judged_against !== null) out.judgedAgainst = f.judged_against;
    return out;
  });
  const devices = deviceRows.map((d) => {
    const out: DeviceStatus = { name: d.name, kind: d.kind as DeviceStatus['kind'], ok: d.ok === 1 };
    if (d.error_code !== null) {
      out.error = { code: d.error_code, message: d.error_message ?? '' };
      if (d.error_hint !== null) out.error.hint = d.error_hint;
    }
    if (d.collected_at !== null) out.collectedAt = d.collected_at;
    if (d.ms !== null) out.ms = d.ms;
    return out;
  });
  return {
    ...summaryOf(r),
    findings,
    attestations: JSON.parse(r.attestations_json) as Attestation[],
    warnings: JSON.parse(r.warnings_json) as RunWarning[],
    effectivePolicy:
      policyJson === undefined
        ? { clauseMap: { file: '', version: '', clauses: [] }, params: {}, waivers: [] }
        : (JSON.parse(policyJson) as EffectivePolicy),
    devices,
  };
}

/** `undefined` as SQL NULL. */
export const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/**
 * What `finishRun` writes to the run's own row, column by column in one order, so the SQLite and
 * PostgreSQL stores set the same columns from the same values (each with its own placeholders).
 */
export function finishedRunColumns(run: AuditRun): [column: string, value: string | number | null][] {
  const c = run.counts;
  return [
    ['finished', orNull(run.finished)],
    ['status', run.status],
    ['score', run.score],
    ['pass_count', c.pass],
    ['fail_count', c.fail],
    ['error_count', c.error],
    ['na_count', c.not_applicable],
    ['waived_count', c.waived],
    ['attestations_json', JSON.stringify(run.attestations)],
    ['warnings_json', JSON.stringify(run.warnings)],
    ['school_json', JSON.stringify(run.school)],
    ['as_of', run.asOf],
  ];
}

/** The child rows of a run as JSON arrays whose keys are the columns (for bulk inserts). */
export function childRows(run: AuditRun): {
  findings: Record<string, unknown>[];
  evidence: Record<string, unknown>[];
  devices: Record<string, unknown>[];
} {
  const n = orNull;
  const findings: Record<string, unknown>[] = [];
  const evidence: Record<string, unknown>[] = [];
  run.findings.forEach((f, i) => {
    findings.push({
      run_id: run.id,
      seq: i,
      finding_key: f.key,
      check_id: f.checkId,
      status: f.status,
      waived_status: n(f.waivedStatus),
      severity: f.severity,
      reason: f.reason,
      personal: n(f.personal),
      controls_json: JSON.stringify(f.controls),
      clauses_json: JSON.stringify(f.clauses),
      refs_json: JSON.stringify(f.references),
      params_json: JSON.stringify(f.params),
      waiver_json: f.waiver === undefined ? null : JSON.stringify(f.waiver),
      judged_against: n(f.judgedAgainst),
    });
    f.evidence.forEach((e, j) =>
      evidence.push({
        run_id: run.id,
        finding_seq: i,
        seq: j,
        source: e.source,
        object: n(e.object),
        expected: n(e.expected),
        actual: n(e.actual),
      }),
    );
  });
  const devices = run.devices.map((d, i) => ({
    run_id: run.id,
    seq: i,
    name: d.name,
    kind: d.kind,
    ok: d.ok ? 1 : 0,
    error_code: n(d.error?.code),
    error_message: n(d.error?.message),
    error_hint: n(d.error?.hint),
    collected_at: n(d.collectedAt),
    ms: d.ms === undefined ? null : Math.round(d.ms),
  }));
  return { findings, evidence, devices };
}
