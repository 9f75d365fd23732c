/**
 * The waivers file (`inventory/schools/<school>/waivers.yaml`): accepted exceptions with a reason, an
 * approver and an expiry. A malformed file is an error naming file:line, never a silently shorter
 * report: the caller stops the audit (exit 3) rather than run without the waivers.
 */
import { LIMITS, readBounded } from './limits.ts';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { parseYaml } from './yaml-positions.ts';
import schema from './schema/waivers.schema.json' with { type: 'json' };

/** A waiver as declared in the file. */
export interface Waiver {
  id: string;
  /** Exactly one of `check` or `control` names what is waived. */
  check?: string;
  control?: string;
  /** Narrows the waiver to one device, account or object; absent = every finding of the check. */
  scope?: WaiverScope;
  reason: string;
  /** A role title ("Business manager"), never a real person's name from a seed policy. */
  approver: string;
  /** ISO dates (YYYY-MM-DD). */
  granted: string;
  expires: string;
  /** Where it was declared, for error messages. */
  line?: number;
}

export type WaiverScope = { device: string } | { account: string } | { object: string };

export class WaiverFileError extends Error {
  readonly file: string;
  /** Each `file:line:column: /pointer: message`. */
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`invalid waivers file ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'WaiverFileError';
    this.file = file;
    this.problems = problems;
  }
}

// strictRequired off: the oneOf branches name properties declared one level up, which is the point.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(schema);

interface RawWaiver {
  id: string;
  check?: string;
  control?: string;
  scope?: Record<string, string>;
  reason: string;
  approver: string;
  granted: string;
  expires: string;
}

function describe(e: ErrorObject): { pointer: string; message: string } {
  const pointer = e.instancePath === '' ? '/' : e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties':
      return {
        pointer: `${e.instancePath}/${String(e.params.additionalProperty)}`,
        message: `unknown key "${String(e.params.additionalProperty)}"`,
      };
    case 'required':
      return { pointer, message: `missing "${String(e.params.missingProperty)}"` };
    case 'oneOf':
      return { pointer, message: 'give exactly one of "check" or "control"' };
    case 'pattern':
      return /(granted|expires)$/.test(pointer)
        ? { pointer, message: 'must be a date YYYY-MM-DD' }
        : { pointer, message: `${e.message ?? 'does not match'}` };
    case 'minProperties':
    case 'maxProperties':
      return { pointer, message: 'scope takes exactly one of device, account or object' };
    default:
      return { pointer, message: e.message ?? e.keyword };
  }
}

/** The pattern lets 2025-02-30 through; a round trip through Date does not. */
function realDate(d: string): boolean {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
}

/** Parses and validates the text of a waivers file; throws WaiverFileError listing every problem. */
export function parseWaivers(text: string, file: string): Waiver[] {
  const parsed = parseYaml(text);
  if (parsed.syntaxErrors.length > 0)
    throw new WaiverFileError(
      file,
      parsed.syntaxErrors.map((e) => `${file}:${e.line}:${e.column}: ${e.message.split('\n')[0] ?? ''}`),
    );
  const data = parsed.data;
  if (data === null || data === undefined)
    throw new WaiverFileError(file, [
      `${file}:1:1: /: the file is empty; write "apiVersion: schoolnet/v1" and "waivers: []"`,
    ]);
  // Not recognisably a waivers file (no top-level `waivers`): one problem, and none of its keys or
  // values shown (the path may name a file of another kind, such as a list of passwords).
  if (typeof data !== 'object' || Array.isArray(data) || !('waivers' in data))
    throw new WaiverFileError(file, [
      `${file}:1:1: /: this does not look like a waivers file (no "waivers:" list; its content is not shown)`,
    ]);
  const problems: string[] = [];
  const at = (pointer: string, message: string) => {
    const { line, column } = parsed.locate(pointer, { key: /unknown key/.test(message) });
    problems.push(`${file}:${line}:${column}: ${pointer}: ${message}`);
  };
  if (!validate(data)) {
    // oneOf reports each branch's `required` too; the oneOf message alone says it better.
    const errs = validate.errors ?? [];
    const oneOfAt = new Set(errs.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
    const seen = new Set<string>();
    for (const e of errs) {
      if (
        e.keyword === 'required' &&
        oneOfAt.has(e.instancePath) &&
        /^(check|control)$/.test(String(e.params.missingProperty))
      )
        continue;
      const d = describe(e);
      const k = `${d.pointer}|${d.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      at(d.pointer, d.message);
    }
    throw new WaiverFileError(file, problems);
  }
  const raw = (data as { waivers: RawWaiver[] }).waivers;
  const ids = new Map<string, number>();
  const out: Waiver[] = [];
  raw.forEach((w, i) => {
    const ptr = `/waivers/${i}`;
    const prev = ids.get(w.id);
    if (prev !== undefined) at(`${ptr}/id`, `duplicate waiver id "${w.id}" (also /waivers/${prev})`);
    ids.set(w.id, i);
    if (!realDate(w.granted)) at(`${ptr}/granted`, `not a real date: ${w.granted}`);
    if (!realDate(w.expires)) at(`${ptr}/expires`, `not a real date: ${w.expires}`);
    if (w.expires < w.granted)
      at(`${ptr}/expires`, `expires (${w.expires}) is before granted (${w.granted})`);
    const waiver: Waiver = {
      id: w.id,
      reason: w.reason,
      approver: w.approver,
      granted: w.granted,
      expires: w.expires,
      line: parsed.locate(ptr).line,
    };
    if (w.check !== undefined) waiver.check = w.check;
    if (w.control !== undefined) waiver.control = w.control;
    if (w.scope !== undefined) waiver.scope = w.scope as WaiverScope;
    out.push(waiver);
  });
  if (problems.length > 0) throw new WaiverFileError(file, problems);
  return out;
}

/** Reads a waivers file. A missing file is an error too: the declaration named it. */
export async function loadWaivers(file: string): Promise<Waiver[]> {
  let text: string;
  try {
    text = await readBounded(file, LIMITS.clauseMapBytes, 'the waivers file');
  } catch (e) {
    throw new WaiverFileError(file, [
      `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    ]);
  }
  return parseWaivers(text, file);
}
