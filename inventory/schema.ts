/**
 * The declaration's JSON Schema, compiled once, and ajv's errors turned into sentences a technician
 * can act on, each with the JSON pointer of the offending (or missing) value.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import schema from './schema/school.schema.json' with { type: 'json' };
import { escapePointerSegment } from './yaml-positions.ts';

export { schema };

export interface SchemaProblem {
  pointer: string;
  message: string;
  /** True when the problem is about a key itself (an unknown key), not its value. */
  atKey: boolean;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    // verbose: errors carry their parentSchema, where our `errorMessage` annotations live.
    // strictRequired is off: `if`/`then` blocks require properties declared beside them, not inside.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    addFormats.default(ajv);
    ajv.addKeyword('errorMessage');
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Validate plain data against the schema; an empty list means it conforms. */
export function schemaProblems(data: unknown): SchemaProblem[] {
  const validate = validator();
  if (validate(data)) return [];
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of validate.errors ?? []) {
    // `if` reports "must match then schema" next to the real error raised inside `then`.
    if (e.keyword === 'if') continue;
    const p = describe(e);
    const key = `${p.pointer}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

function customMessage(e: ErrorObject): string | undefined {
  const parent: unknown = e.parentSchema;
  if (parent && typeof parent === 'object' && 'errorMessage' in parent) {
    const m = (parent as { errorMessage: unknown }).errorMessage;
    if (typeof m === 'string') return m;
  }
  return undefined;
}

function found(data: unknown): string {
  if (data === null) return 'nothing (null)';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a mapping';
  return JSON.stringify(data);
}

function describe(e: ErrorObject): SchemaProblem {
  const custom = customMessage(e);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = closest(key, allowed);
      const hint = guess
        ? ` (did you mean "${guess}"?)`
        : allowed.length
          ? ` (allowed here: ${allowed.join(', ')})`
          : '';
      return {
        pointer: `${e.instancePath}/${escapePointerSegment(key)}`,
        message: `unknown key "${key}"${hint}`,
        atKey: true,
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return {
        pointer: `${e.instancePath}/${escapePointerSegment(key)}`,
        message: custom ?? `missing required key "${key}"`,
        atKey: false,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v)).join(', ');
      return {
        pointer: e.instancePath,
        message: custom ?? `must be one of ${allowed}; found ${found(e.data)}`,
        atKey: false,
      };
    }
    case 'const':
      return {
        pointer: e.instancePath,
        message: custom ?? `must be ${JSON.stringify(params.allowedValue)}; found ${found(e.data)}`,
        atKey: false,
      };
    case 'type':
      return {
        pointer: e.instancePath,
        message: custom ?? `must be ${String(params.type)}; found ${found(e.data)}`,
        atKey: false,
      };
    case 'format':
      return {
        pointer: e.instancePath,
        message: custom ?? `must be a valid ${String(params.format)}`,
        atKey: false,
      };
    case 'not': {
      // `not: { required: [key] }` forbids a key: point at that key, not at its parent.
      const forbidden = (e.schema as { required?: unknown } | undefined)?.required;
      const key = Array.isArray(forbidden) && forbidden.length === 1 ? String(forbidden[0]) : undefined;
      return {
        pointer: key === undefined ? e.instancePath : `${e.instancePath}/${escapePointerSegment(key)}`,
        message: custom ?? (key === undefined ? 'is not allowed here' : `"${key}" is not allowed here`),
        atKey: key !== undefined,
      };
    }
    default:
      return { pointer: e.instancePath, message: custom ?? e.message ?? `fails ${e.keyword}`, atKey: false };
  }
}

/** The allowed key nearest to a misspelt one (at most two edits away), for a "did you mean" hint. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
