/**
 * A check's parameters: its defaults, overridden by a clause's values, validated against the check's
 * own JSON Schema (ESLint's rule options). The engine, the clause-map loader and the tests all go
 * through here, so a threshold a school binds is checked the same way everywhere.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Check } from '../types.ts';

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
const compiled = new WeakMap<Check, ValidateFunction>();

function validatorFor(check: Check): ValidateFunction {
  let v = compiled.get(check);
  if (v === undefined) {
    v = ajv.compile(check.meta.params);
    compiled.set(check, v);
  }
  return v;
}

export type ParamsResult = { ok: true; params: Record<string, unknown> } | { ok: false; errors: string[] };

/** Defaults, then each layer of overrides in order; the result is validated. */
export function resolveParams(
  check: Check,
  ...layers: (Record<string, unknown> | undefined)[]
): ParamsResult {
  const params: Record<string, unknown> = structuredClone(check.meta.defaults);
  for (const layer of layers) Object.assign(params, layer ?? {});
  const v = validatorFor(check);
  if (v(params)) return { ok: true, params };
  return {
    ok: false,
    errors: (v.errors ?? []).map((e) => {
      const where = e.instancePath === '' ? '' : `${e.instancePath.slice(1).replace(/\//g, '.')} `;
      const extra = e.keyword === 'additionalProperties' ? ` "${String(e.params.additionalProperty)}"` : '';
      return `${check.meta.id}: ${where}${e.message ?? e.keyword}${extra}`;
    }),
  };
}
