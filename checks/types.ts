/**
 * The check contract, after ESLint's `{ meta, create }`: metadata that can be listed without scanning
 * anything, a JSON Schema for the parameters (thresholds are parameters, never names), and a pure
 * `evaluate(facts, params, ctx)` that returns findings. Checks import fact types only.
 */
import type { SchoolFacts } from '../devices/facts.ts';
import type { FrameworkId, SchoolDeclaration } from '../inventory/types.ts';

export type Status = 'pass' | 'fail' | 'error' | 'not_applicable' | 'waived';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Which fact sets a check reads; the engine collects only what the selected checks need. */
export type FactNeed =
  | 'router'
  | 'switch'
  | 'switch-cli'
  | 'directory'
  | 'roster'
  | 'register'
  | 'declaration'
  /** Active probes from inside the school's networks (devices/probes/, `schoolnet probe`). */
  | 'probes';

export interface Evidence {
  /** Device or data source: `core-router`, `directory`, `register`, `roster`. */
  source: string;
  /** The object judged: a rule id, an SSID, an account, a VLAN, a serial. */
  object?: string;
  expected?: string;
  actual?: string;
}

/** What a check returns; the engine adds clause ids, references, waivers and the run id. */
export interface CheckResult {
  status: Exclude<Status, 'waived'>;
  /** One sentence a technician can read without the code. */
  reason: string;
  evidence: Evidence[];
  /** For account findings: the person is a pupil (the report shows counts, not names, to heads). */
  personal?: 'pupil' | 'staff' | 'other';
  /**
   * Set on a `not_applicable` result when a device could not be judged for a reason that is no fault
   * (it does not publish what the check reads): the run carries it as a warning for that device, not
   * an error every night. The engine moves it to the run's warnings; findings never keep it.
   */
  warning?: string;
}

export interface CheckMeta {
  /** kebab-case `<domain>-<subject>-<assertion>`; equals the folder / file stem. */
  id: string;
  title: string;
  /** Control ids from `checks/catalog/controls.json` this check evidences. */
  controls: string[];
  needs: FactNeed[];
  /** JSON Schema of the parameters; defaults live here, schools override them through clauses. */
  params: {
    type: 'object';
    properties: Record<string, unknown>;
    additionalProperties: false;
    required?: string[];
  };
  defaults: Record<string, unknown>;
  /**
   * Set on a check that judges a framework's own number (Cyber Essentials' 12 characters), not the
   * school's: its findings count for that framework's requirements and for no clause of the school,
   * which is judged by its own numbers. A clause that binds this check's params opts in, and is judged
   * by them.
   */
  framework?: FrameworkId;
}

export interface CheckContext {
  decl: SchoolDeclaration;
  /** The run's notion of "now" (ISO); checks never read the clock. */
  now: string;
}

export interface Check<P extends Record<string, unknown> = Record<string, unknown>> {
  meta: CheckMeta;
  evaluate(facts: SchoolFacts, params: P, ctx: CheckContext): CheckResult[];
}

/** A finding as stored and reported. */
export interface Finding extends Omit<CheckResult, 'status'> {
  checkId: string;
  /** Stable across runs for trends: checkId + source + object. */
  key: string;
  status: Status;
  severity: Severity;
  controls: string[];
  /** That school's clause ids (`<school>:<section>`). */
  clauses: string[];
  /** External references, e.g. `CE-UAC`, `DfE:CS-4`, `KCSIE:141`. */
  references: string[];
  params: Record<string, unknown>;
  /**
   * The clause whose limits `params` are (the first of `clauses`): a check cited by clauses with
   * different limits is judged once per set of limits, each finding naming the clause it was judged
   * against. Absent for a check no clause cites (run for every school).
   */
  judgedAgainst?: string;
  waiver?: {
    id: string;
    reason: string;
    approver: string;
    granted: string;
    expires: string;
  };
}
