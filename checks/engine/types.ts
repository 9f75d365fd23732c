/**
 * What one audit run is, as the engine produces it, the store keeps it and the reports render it.
 * `docs/audit-result.schema.json` documents the same shape for `schoolnet audit --format json`;
 * a test validates real runs against it, so the two cannot drift apart.
 */
import type { CollectError } from '../../devices/facts.ts';
import type { FrameworkId, Jurisdiction } from '../../inventory/types.ts';
import type { Waiver } from '../../inventory/waivers.ts';
import type { Finding, Status } from '../types.ts';

/** A waiver as declared in `inventory/schools/<school>/waivers.yaml` (parsed by inventory/waivers.ts). */
export type { Waiver, WaiverScope } from '../../inventory/waivers.ts';

/** A finding as the engine hands it on: the check's result with everything the report needs. */
export interface RunFinding extends Finding {
  /** For a waived finding, what the check found before the waiver applied. */
  waivedStatus?: Exclude<Status, 'waived'>;
}

/** A clause no check can evidence: a person attests to it, on a cycle. */
export interface Attestation {
  clause: string;
  /** Who attests (a role), e.g. "Designated safeguarding lead". */
  who: string;
  /** How often, e.g. "termly", "yearly". */
  every: string;
  /** The part attested, for a clause whose other controls are checked automatically. */
  what?: string;
  /** True for a mixed clause: automatic checks judge the rest of it. */
  partial?: boolean;
}

/** Something a person should look at that is not a finding (a waiver matching nothing, say). */
export interface RunWarning {
  code: 'waiver-unused' | 'waiver-only-passing' | 'check-unknown-control';
  message: string;
  /** The waiver id, check id or clause id the warning is about. */
  subject: string;
}

export interface DeviceStatus {
  /** Device name from the declaration, or `directory` / `roster` / `register` for those sources. */
  name: string;
  kind: 'router' | 'switch' | 'switch-cli' | 'directory' | 'roster' | 'register' | 'probes';
  ok: boolean;
  error?: CollectError;
  /** ISO time the facts were collected (when ok). */
  collectedAt?: string;
  /** Wall-clock milliseconds the collection took. */
  ms?: number;
}

/** One clause of the school's clause map (`inventory/schools/<school>/policy.yaml`). */
export interface EffectiveClause {
  id: string;
  section: string;
  text: string;
  controls: string[];
  params?: Record<string, Record<string, unknown>>;
  /** Who attests and how often: the whole clause (no control is checked automatically), or, for a
   * mixed clause, `what` part of it no system shows. */
  attestation?: { who: string; every: string; what?: string };
}

/**
 * Everything the run was judged against, kept with the run so a past report can be re-rendered exactly
 * even after the clause map, thresholds or waivers change.
 */
export interface EffectivePolicy {
  clauseMap: {
    file: string;
    /** The clause map's own version string when it has one, else a content hash (`sha256:...`). */
    version: string;
    /** The school's policy document name and review date, where the map records them. */
    title?: string;
    reviewed?: string;
    clauses: EffectiveClause[];
  };
  /** The checks selected for this school and the parameters each ran with (defaults + clause overrides). */
  params: Record<string, Record<string, unknown>>;
  /**
   * Clause id -> check id -> the parameters that check ran with for that clause (defaults, then what
   * the declaration states, then the clause's own values). Absent in runs stored before per-clause limits.
   */
  clauseParams?: Record<string, Record<string, Record<string, unknown>>>;
  waivers: Waiver[];
}

export type RunStatus = 'complete' | 'incomplete';

export interface RunCounts {
  pass: number;
  fail: number;
  error: number;
  not_applicable: number;
  waived: number;
}

export interface RunSchool {
  id: string;
  name: string;
  jurisdiction: Jurisdiction;
  standards: FrameworkId[];
  /** The declaration file audited. */
  file: string;
}

export interface AuditRun {
  /** Unique; sortable by start time. */
  id: string;
  school: RunSchool;
  /** Wall-clock ISO times. */
  started: string;
  finished?: string;
  /** The run's notion of "now" that checks judged against (ISO); equals `started` unless injected. */
  asOf: string;
  /** `incomplete` while running, and forever if the run never finished (crash, shutdown); device
   * failures do not make a run incomplete: they are `error` findings. */
  status: RunStatus;
  counts: RunCounts;
  /** passes / (passes + fails), 0..1; waived, error and not-applicable findings are excluded. Null when nothing scored. */
  score: number | null;
  findings: RunFinding[];
  attestations: Attestation[];
  warnings: RunWarning[];
  effectivePolicy: EffectivePolicy;
  devices: DeviceStatus[];
  toolVersion: string;
}
