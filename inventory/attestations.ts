/**
 * Attestation records (`inventory/schools/<school>/attestations.yaml`): who confirmed a clause's
 * attested part, and when. The clause map says who must attest and how often; these records say when it
 * last happened, so the audit can show an attestation as overdue once its cadence has passed (termly
 * cadences by the school's terms, checks/lib/calendar). A malformed file is an error naming
 * file:line:column, never a silently shorter list.
 *
 *   apiVersion: schoolnet/v1
 *   attestations:
 *     - clause: croft-prep:filtering-unblock
 *       by: Online safety coordinator     # a role, never a person's name
 *       date: '2026-10-05'
 *       note: Unblock log reviewed with the bursar
 */
import { Ajv } from 'ajv';
import { LIMITS, readBounded } from './limits.ts';
import { compareProblems, type Problem } from './load.ts';
import { parseYaml } from './yaml-positions.ts';

export interface AttestationRecord {
  clause: string;
  /** The role that confirmed it. */
  by: string;
  /** ISO date it was confirmed. */
  date: string;
  note?: string;
  line?: number;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'attestations'],
  properties: {
    apiVersion: { const: 'schoolnet/v1' },
    attestations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['clause', 'by', 'date'],
        properties: {
          clause: { type: 'string', minLength: 1, maxLength: 200 },
          by: { type: 'string', minLength: 1, maxLength: 200 },
          date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          note: { type: 'string', maxLength: 2000 },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

const realDate = (d: string): boolean => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
};

/** Parses attestation records; problems (with positions) instead of a throw. `clauses`: the clause map's ids, when known. */
export function parseAttestations(
  text: string,
  file: string,
  opts: { clauses?: ReadonlySet<string>; today?: string } = {},
): { records: AttestationRecord[]; problems: Problem[] } {
  const parsed = parseYaml(text);
  const problems: Problem[] = [];
  const at = (pointer: string, message: string, key = false): void => {
    problems.push({ file, ...parsed.locate(pointer, { key }), pointer, message });
  };
  if (parsed.syntaxErrors.length > 0) {
    for (const e of parsed.syntaxErrors)
      problems.push({
        file,
        line: e.line,
        column: e.column,
        pointer: '',
        message: e.message.split('\n')[0] ?? '',
      });
    return { records: [], problems };
  }
  if (!validate(parsed.data)) {
    for (const e of validate.errors ?? []) {
      if (e.keyword === 'additionalProperties') {
        const k = String(e.params.additionalProperty);
        at(`${e.instancePath}/${k}`, `unknown key "${k}"`, true);
      } else if (e.keyword === 'required')
        at(e.instancePath, `missing "${String(e.params.missingProperty)}"`);
      else if (e.keyword === 'pattern') at(e.instancePath, 'must be a date written YYYY-MM-DD');
      else at(e.instancePath, e.message ?? e.keyword);
    }
    return { records: [], problems: problems.sort(compareProblems) };
  }
  const raw = (parsed.data as { attestations: Omit<AttestationRecord, 'line'>[] }).attestations;
  const records: AttestationRecord[] = [];
  raw.forEach((r, i) => {
    const ptr = `/attestations/${i}`;
    if (!realDate(r.date)) at(`${ptr}/date`, `not a real date: ${r.date}`);
    else if (opts.today !== undefined && r.date > opts.today)
      at(`${ptr}/date`, `${r.date} is in the future: record an attestation once it is given`);
    if (opts.clauses !== undefined && !opts.clauses.has(r.clause))
      at(`${ptr}/clause`, `no clause "${r.clause}" in the clause map`);
    records.push({ ...r, line: parsed.locate(ptr).line });
  });
  return { records, problems: problems.sort(compareProblems) };
}

/** Reads attestation records (see `parseAttestations`). */
export async function readAttestations(
  file: string,
  opts: { clauses?: ReadonlySet<string>; today?: string } = {},
): Promise<{ records: AttestationRecord[]; problems: Problem[] }> {
  let text: string;
  try {
    text = await readBounded(file, LIMITS.clauseMapBytes, 'the attestations file');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return {
      records: [],
      problems: [
        { file, line: 0, column: 0, pointer: '', message: `cannot read the attestations file (${code})` },
      ],
    };
  }
  return parseAttestations(text, file, opts);
}
