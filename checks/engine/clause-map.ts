/**
 * The clause map resolved against the audit's own references: every control exists in the catalogue,
 * every parameter belongs to a check that evidences the clause and validates against its schema, one
 * threshold is not bound two ways, and attestation-only clauses take who and how often from their
 * controls. inventory/policy.ts parses and schema-checks the file; the problems of both are reported
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
  /** Who attests and how often, for the clause's attestation controls (the clause's, else the control's). */
  attestation?: AttestationSpec;
  note?: string;
  /** Where the clause starts in the file. */
  line: number;
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
  // The same parameter of the same check bound to different values by two clauses is ambiguous.
  const bound = new Map<string, { value: unknown; clause: number }>();
  raw.clauses.forEach((c, i) => {
    const ptr = `/clauses/${i}`;
    c.controls.forEach((id, j) => {
      if (!catalog.controls.has(id))
        at(`${ptr}/controls/${j}`, `unknown control "${id}" (see checks/catalog/controls.json)`);
    });
    const known = c.controls.map((id) => catalog.controls.get(id)).filter((x) => x !== undefined);
    if (
      c.attestation !== undefined &&
      known.length === c.controls.length &&
      known.every((k) => k.automation === 'automatic')
    ) {
      at(
        `${ptr}/attestation`,
        'attestation given, but every control of this clause is checked automatically',
        true,
      );
    }
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
      for (const [name, value] of Object.entries(values)) {
        const k = `${checkId}.${name}`;
        const other = bound.get(k);
        if (other !== undefined && JSON.stringify(other.value) !== JSON.stringify(value)) {
          at(
            `${p}/${name}`,
            `${k} is ${JSON.stringify(value)} here but ${JSON.stringify(other.value)} in /clauses/${other.clause}`,
          );
        }
        bound.set(k, { value, clause: i });
      }
    }
  });
  return problems;
}

function toClause(c: RawClause, line: number, catalog: Catalog): PolicyClause {
  const controls = c.controls.map((id) => catalog.controls.get(id));
  const attesting = controls.filter((k) => k?.automation === 'attestation');
  const clause: PolicyClause = {
    id: c.id,
    section: c.section,
    text: c.text,
    controls: c.controls,
    params: c.params ?? {},
    needsAttestation: attesting.length === controls.length,
    line,
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
    clauses: data.clauses.map((c, i) => toClause(c, pf.locate(`/clauses/${i}`).line, catalog)),
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

/** The school's parameters for one check, merged across the clauses that bind it. */
export function paramsFor(map: PolicyMap, checkId: string): Record<string, unknown> {
  return Object.assign({}, ...map.clauses.map((c) => c.params[checkId] ?? {})) as Record<string, unknown>;
}
