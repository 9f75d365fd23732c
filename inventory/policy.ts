/**
 * The clause map (`inventory/schools/<school>/policy.yaml`) as a file: YAML syntax, the JSON Schema, and
 * what the file alone can get wrong (the school matches its folder, clause ids are unique and carry the
 * school's prefix), each problem at `file:line:column` like the declaration loader. What the clauses
 * refer to (controls in the catalogue, checks and their parameters) is resolved by the audit engine
 * (checks/engine/clause-map.ts), which reports those problems together with these: inventory/ knows
 * nothing of the check registry.
 */
import { LIMITS, readBounded } from './limits.ts';
import { basename, dirname, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import { compareProblems, formatProblem, type Problem } from './load.ts';
import schema from './schema/policy.schema.json' with { type: 'json' };
import { parseYaml, type ParsedYaml } from './yaml-positions.ts';

export type AttestationPeriod = 'daily' | 'weekly' | 'monthly' | 'termly' | 'yearly';

/** Who attests and how often, as a clause or the control catalogue (checks/catalog/) writes it. */
export interface AttestationSpec {
  /** A role, never a person's name. */
  who: string;
  every: AttestationPeriod;
  /** The part of the clause the person attests, when its other parts are checked automatically. */
  what?: string;
}

/** One clause as the file writes it. */
export interface RawClause {
  id: string;
  section: string;
  text: string;
  controls: string[];
  params?: Record<string, Record<string, unknown>>;
  attestation?: AttestationSpec;
  note?: string;
}

export interface RawPolicy {
  school: string;
  version: string;
  title: string;
  clauses: RawClause[];
}

/** A clause map that passed its syntax and schema: its data, where each part is, and its own problems. */
export interface PolicyFile {
  file: string;
  data: RawPolicy;
  /** Where a JSON pointer into the data sits in the file. */
  locate: ParsedYaml['locate'];
  /** Problems the file has on its own (not yet thrown: the engine adds its references' problems). */
  problems: Problem[];
}

/** Thrown with every problem a clause map has (here, or by the engine when resolving it). */
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

function fileProblems(raw: RawPolicy, file: string, parsed: ParsedYaml): Problem[] {
  const problems: Problem[] = [];
  const at = (pointer: string, message: string): void => {
    const { line, column } = parsed.locate(pointer);
    problems.push({ file, line, column, pointer, message });
  };
  const expected = schoolFromPath(file);
  if (expected !== undefined && raw.school !== expected) {
    at('/school', `school "${raw.school}" differs from its folder "${expected}"`);
  }
  const seen = new Map<string, number>();
  raw.clauses.forEach((c, i) => {
    const ptr = `/clauses/${i}`;
    if (!c.id.startsWith(`${raw.school}:`))
      at(`${ptr}/id`, `clause id "${c.id}" must start with "${raw.school}:"`);
    const prev = seen.get(c.id);
    if (prev !== undefined) at(`${ptr}/id`, `duplicate clause id "${c.id}" (also /clauses/${prev})`);
    seen.set(c.id, i);
  });
  return problems;
}

/**
 * Parses a clause map's text: a syntax or schema problem throws PolicyFileError listing every one;
 * otherwise the data comes back with the file's own problems for the engine to report with its own.
 */
export function parsePolicyFile(text: string, file: string): PolicyFile {
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
  // Not recognisably a clause map (no top-level `clauses`): one problem, and none of its keys or values
  // shown (the path may name a file of another kind).
  if (typeof data !== 'object' || Array.isArray(data) || !('clauses' in data))
    throw new PolicyFileError(file, [
      {
        file,
        line: 1,
        column: 1,
        pointer: '',
        message: 'this does not look like a clause map (no "clauses:" list; its content is not shown)',
      },
    ]);
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => {
      const m = schemaMessage(e);
      const { line, column } = parsed.locate(m.pointer, { key: m.key });
      return { file, line, column, pointer: m.pointer, message: m.message };
    });
    throw new PolicyFileError(file, problems.sort(compareProblems));
  }
  return { file, data, locate: parsed.locate, problems: fileProblems(data, file, parsed) };
}

/** Reads and parses a clause map (see `parsePolicyFile`). A missing file is an error: the declaration named it. */
export async function loadPolicyFile(file: string): Promise<PolicyFile> {
  let text: string;
  try {
    text = await readBounded(file, LIMITS.clauseMapBytes, 'the clause map');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new PolicyFileError(file, [
      { file, line: 0, column: 0, pointer: '', message: `cannot read the clause map (${code})` },
    ]);
  }
  return parsePolicyFile(text, file);
}
