/**
 * The audit engine's front door: `auditSchool` loads what a school is judged against and runs one
 * audit; the rest is exported for the CLI, the nightly runner and the reports.
 */
import { CatalogError } from '../catalog/catalog.ts';
import { PolicyFileError } from '../../inventory/policy.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import { WaiverFileError } from '../../inventory/waivers.ts';
import { loadEngineInputs } from './inputs.ts';
import type { EngineInputs } from './run.ts';
import { runAudit } from './run.ts';
import type { AuditOptions } from './run.ts';
import { ConfigError } from './select.ts';
import type { AuditRun } from './types.ts';

export type { AuditRun, RunFinding, Attestation, DeviceStatus, EffectivePolicy, Waiver } from './types.ts';
export type { AuditOptions, EngineInputs } from './run.ts';
export type { ResultsStore, RunSummary } from './store.ts';
export { runAudit, exitCodeOf } from './run.ts';
export { openStore, defaultStorePath } from './store.ts';
export { ConfigError } from './select.ts';
export { loadEngineInputs } from './inputs.ts';

/** Loads the school's clause map, waivers and the catalogue, then audits it. */
export async function auditSchool(
  loaded: LoadedSchool,
  opts: AuditOptions & { inputs?: Partial<Pick<EngineInputs, 'collectors' | 'checks'>> } = {},
): Promise<AuditRun> {
  const inputs = await loadEngineInputs(loaded, opts.inputs);
  return runAudit(loaded, inputs, opts);
}

/** A problem with what the school declared (exit 3), as opposed to a failure while auditing (exit 2). */
export function isConfigError(e: unknown): boolean {
  return (
    e instanceof ConfigError ||
    e instanceof WaiverFileError ||
    e instanceof PolicyFileError ||
    e instanceof CatalogError
  );
}
