/**
 * The clause map (`inventory/schools/<school>/policy.yaml`): the school's own policy clauses bound to
 * control ids and the school's thresholds. Adding a school is data only: this loader checks every
 * cross-reference (controls exist, parameters belong to a check that evidences the clause and validate
 * against its schema, ids are unique and carry the school's prefix) and reports each problem at
 * `file:line:column`, like the declaration loader.
 */
import { LIMITS, readBounded } from './limits.ts';
import { basename, dirname, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import { loadCatalog, type AttestationSpec, type Catalog } from '../checks/catalog/catalog.ts';
import { resolveParams } from '../checks/lib/params.ts';
import { getCheck } from '../checks/registry.ts';
import { compareProblems, formatProblem, type Problem } from './load.ts';
import schema from './schema/policy.schema.json' with { type: 'json' };
import { parseYaml, type ParsedYaml } from './yaml-positions.ts';

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

/** Thrown by `loadPolicy` / `parsePolicy` with every problem the file has. */
export class PolicyFileError extends Error {
  readonly file: string;
  readonly problems: Problem[];
  constructor(file: string, problems: Problem[]) {
    const n = problems.length;
    super(
      `${file}: ${n} problem${n === 1 ? '' : 's'} in the clause map\n${problems.map(formatProblem).join('\n')}`,
    );
    this.name = 'PolicyFileError';
    this.file = file;
    this.problems = problems;
  }
}

interface RawClause {
  id: string;
  section: string;
  text: string;
  controls: string[];
  params?: Record<string, Record<string, unknown>>;
  attestation?: AttestationSpec;
  note?: string;
}

interface RawPolicy {
  school: string;
  version: string;
  title: string;
  clauses: RawClause[];
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile<RawPolicy>(schema);

function schemaMessage(e: ErrorObject): { pointer: string; message: string; key: boolean } {
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      return { pointer: `${e.instancePath}/${key}`, message: `unknown key "${key}"`, key: true };
    }
    case 'required':
      return {
        pointer: e.instancePath,
        message: `missing "${String(e.params.missingProperty)}"`,
        key: false,
      };
    case 'enum':
      return {
        pointer: e.instancePath,
        message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        key: false,
      };
    default:
      return { pointer: e.instancePath, message: e.message ?? e.keyword, key: false };
  }
}

/** `<id>` when the file sits at `.../schools/<id>/policy.yaml`. */
function schoolFromPath(file: string): string | undefined {
  const dir = dirname(resolve(file));
  return basename(dirname(dir)) === 'schools' ? basename(dir) : undefined;
}

function crossReferences(raw: RawPolicy, file: string, parsed: ParsedYaml, catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const at = (pointer: string, message: string, key = false): void => {
    const { line, column } = parsed.locate(pointer, { key });
    problems.push({ file, line, column, pointer, message });
  };
  const expected = schoolFromPath(file);
  if (expected !== undefined && raw.school !== expected) {
    at('/school', `school "${raw.school}" differs from its folder "${expected}"`);
  }
  const seen = new Map<string, number>();
  // The same parameter of the same check bound to different values by two clauses is ambiguous.
  const bound = new Map<string, { value: unknown; clause: number }>();
  raw.clauses.forEach((c, i) => {
    const ptr = `/clauses/${i}`;
    if (!c.id.startsWith(`${raw.school}:`))
      at(`${ptr}/id`, `clause id "${c.id}" must start with "${raw.school}:"`);
    const prev = seen.get(c.id);
    if (prev !== undefined) at(`${ptr}/id`, `duplicate clause id "${c.id}" (also /clauses/${prev})`);
    seen.set(c.id, i);
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

/** Parses and validates a clause map's text; throws PolicyFileError listing every problem. */
export function parsePolicy(text: string, file: string, catalog: Catalog = loadCatalog()): PolicyMap {
  const parsed = parseYaml(text);
  if (parsed.syntaxErrors.length > 0) {
    throw new PolicyFileError(
      file,
      parsed.syntaxErrors.map((e) => ({
        file,
        line: e.line,
        column: e.column,
        pointer: '',
        message: e.message.split('\n')[0] ?? '',
      })),
    );
  }
  const data = parsed.data;
  if (data === null || data === undefined) {
    throw new PolicyFileError(file, [
      { file, line: 1, column: 1, pointer: '', message: 'the file is empty' },
    ]);
  }
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => {
      const m = schemaMessage(e);
      const { line, column } = parsed.locate(m.pointer, { key: m.key });
      return { file, line, column, pointer: m.pointer, message: m.message };
    });
    throw new PolicyFileError(file, problems.sort(compareProblems));
  }
  const problems = crossReferences(data, file, parsed, catalog);
  if (problems.length > 0) throw new PolicyFileError(file, problems.sort(compareProblems));
  return {
    file,
    school: data.school,
    version: data.version,
    title: data.title,
    clauses: data.clauses.map((c, i) => toClause(c, parsed.locate(`/clauses/${i}`).line, catalog)),
  };
}

/** Reads and validates a clause map. A missing file is an error: the declaration named it. */
export async function loadPolicy(file: string): Promise<PolicyMap> {
  let text: string;
  try {
    text = await readBounded(file, LIMITS.clauseMapBytes, 'the clause map');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new PolicyFileError(file, [
      { file, line: 0, column: 0, pointer: '', message: `cannot read the clause map (${code})` },
    ]);
  }
  return parsePolicy(text, file);
}

/** The clause ids of a map that cite any of `controls` (for a finding's `clauses`). */
export function clausesFor(map: PolicyMap, controls: readonly string[]): string[] {
  return map.clauses.filter((c) => c.controls.some((id) => controls.includes(id))).map((c) => c.id);
}

/** The school's parameters for one check, merged across the clauses that bind it. */
export function paramsFor(map: PolicyMap, checkId: string): Record<string, unknown> {
  return Object.assign({}, ...map.clauses.map((c) => c.params[checkId] ?? {})) as Record<string, unknown>;
}
