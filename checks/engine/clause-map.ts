/**
 * The clause map resolved against the audit's own references: every control exists in the catalogue,
 * every parameter belongs to a check that evidences the clause and validates against its schema, and
 * clauses needing attestation take who and how often from their controls. Two clauses may bind one
 * check's threshold differently: the check is judged once per set of limits (select.ts). A clause may
 * mix automatically checked controls with an attestation for the part no system shows. inventory/policy.ts parses and schema-checks the file; the problems of both are reported
 * together, sorted, at `file:line:column`.
 */
import {
  loadPolicyFile,
  parsePolicyFile,
  PolicyFileError,
  type PolicyFile,
  type RawClause,
} from '../../inventory/policy.ts';
import { compareProblems, type Problem } from '../../inventory/load.ts';
import type { AttestationSpec } from '../../inventory/policy.ts';
import { loadCatalog, type Catalog } from '../catalog/catalog.ts';
import { resolveParams } from '../lib/params.ts';
import { getCheck } from '../registry.ts';

export interface PolicyClause {
  /** `<school>:<section-slug>`. */
  id: string;
  /** The heading as the school names it. */
  section: string;
  /** One-line paraphrase. */
  text: string;
  controls: string[];
  /** Check id -> the school's parameter values (overrides of the check's defaults). */
  params: Record<string, Record<string, unknown>>;
  /** Every control is attestation-only: no check can evidence this clause, a person attests. */
  needsAttestation: boolean;
  /** Some controls are checked automatically and a person attests the rest (`attestation` says who). */
  mixed: boolean;
  /** Who attests and how often, for the clause's attestation controls (the clause's, else the control's). */
  attestation?: AttestationSpec;
  note?: string;
  /** Where the clause starts in the file. */
  line: number;
  /** `check.param` -> the line that binds it, for messages naming the clause's value. */
  paramLines: Record<string, number>;
}

export interface PolicyMap {
  file: string;
  school: string;
  version: string;
  title: string;
  clauses: PolicyClause[];
}

function references(pf: PolicyFile, catalog: Catalog): Problem[] {
  const { file, data: raw } = pf;
  const problems: Problem[] = [];
  const at = (pointer: string, message: string, key = false): void => {
    const { line, column } = pf.locate(pointer, { key });
    problems.push({ file, line, column, pointer, message });
  };
  raw.clauses.forEach((c, i) => {
    const ptr = `/clauses/${i}`;
    c.controls.forEach((id, j) => {
      if (!catalog.controls.has(id))
        at(`${ptr}/controls/${j}`, `unknown control "${id}" (see checks/catalog/controls.json)`);
    });
    for (const [checkId, values] of Object.entries(c.params ?? {})) {
      const p = `${ptr}/params/${checkId}`;
      const check = getCheck(checkId);
      if (check === undefined) {
        at(p, `unknown check "${checkId}"`, true);
        continue;
      }
      if (!check.meta.controls.some((x) => c.controls.includes(x))) {
        at(
          p,
          `check "${checkId}" evidences ${check.meta.controls.join(', ')}, none of which this clause lists`,
          true,
        );
      }
      const r = resolveParams(check, values);
      if (!r.ok) for (const msg of r.errors) at(p, msg);
    }
  });
  return problems;
}

function toClause(c: RawClause, i: number, pf: PolicyFile, catalog: Catalog): PolicyClause {
  const controls = c.controls.map((id) => catalog.controls.get(id));
  const attesting = controls.filter((k) => k?.automation === 'attestation');
  const paramLines: Record<string, number> = {};
  for (const [checkId, values] of Object.entries(c.params ?? {}))
    for (const name of Object.keys(values))
      paramLines[`${checkId}.${name}`] = pf.locate(`/clauses/${i}/params/${checkId}/${name}`).line;
  const needsAttestation = attesting.length === controls.length;
  const clause: PolicyClause = {
    id: c.id,
    section: c.section,
    text: c.text,
    controls: c.controls,
    params: c.params ?? {},
    needsAttestation,
    mixed: !needsAttestation && (c.attestation !== undefined || attesting.length > 0),
    line: pf.locate(`/clauses/${i}`).line,
    paramLines,
  };
  const attestation = c.attestation ?? attesting[0]?.attestation;
  if (attestation !== undefined) clause.attestation = attestation;
  if (c.note !== undefined) clause.note = c.note;
  return clause;
}

/** Resolves a parsed clause map; throws PolicyFileError listing every problem of the file and its references. */
export function resolvePolicy(pf: PolicyFile, catalog: Catalog = loadCatalog()): PolicyMap {
  const { file, data } = pf;
  const problems = [...pf.problems, ...references(pf, catalog)];
  if (problems.length > 0) throw new PolicyFileError(file, problems.sort(compareProblems));
  return {
    file,
    school: data.school,
    version: data.version,
    title: data.title,
    clauses: data.clauses.map((c, i) => toClause(c, i, pf, catalog)),
  };
}

/** Parses, validates and resolves a clause map's text; throws PolicyFileError listing every problem. */
export function parsePolicy(text: string, file: string, catalog: Catalog = loadCatalog()): PolicyMap {
  return resolvePolicy(parsePolicyFile(text, file), catalog);
}

/** Reads, validates and resolves a clause map. A missing file is an error: the declaration named it. */
export async function loadPolicy(file: string): Promise<PolicyMap> {
  return resolvePolicy(await loadPolicyFile(file));
}

/** The clause ids of a map that cite any of `controls` (for a finding's `clauses`). */
export function clausesFor(map: PolicyMap, controls: readonly string[]): string[] {
  return map.clauses.filter((c) => c.controls.some((id) => controls.includes(id))).map((c) => c.id);
}

/** The parameter values one clause binds to one check (its own, without defaults). */
export function paramsFor(map: PolicyMap, clauseId: string, checkId: string): Record<string, unknown> {
  return { ...(map.clauses.find((c) => c.id === clauseId)?.params[checkId] ?? {}) };
}
