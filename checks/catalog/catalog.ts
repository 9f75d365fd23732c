/**
 * The control catalogue and the external frameworks, loaded from data and validated against their
 * JSON Schemas (draft 2020-12) at load. Controls say what a school should have; frameworks say which
 * controls evidence each of their requirements. The mapping is stored once, in the framework files.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { AttestationSpec } from '../../inventory/policy.ts';
import type { FrameworkId } from '../../inventory/types.ts';
import type { Severity } from '../types.ts';
import controlsData from './controls.json' with { type: 'json' };
import controlsSchema from './controls.schema.json' with { type: 'json' };
import crosswalkData from './crosswalk.json' with { type: 'json' };
import crosswalkSchema from './crosswalk.schema.json' with { type: 'json' };
import frameworkSchema from './framework.schema.json' with { type: 'json' };
import cyberEssentials from './frameworks/cyber-essentials.json' with { type: 'json' };
import dfe from './frameworks/dfe.json' with { type: 'json' };
import kcsie from './frameworks/kcsie.json' with { type: 'json' };
import uksic from './frameworks/uksic.json' with { type: 'json' };
import walesKls from './frameworks/wales-kls.json' with { type: 'json' };

export interface Control {
  id: string;
  title: string;
  statement: string;
  rationale: string;
  remediation: string;
  severity: Severity;
  safeguarding: string;
  automation: 'automatic' | 'attestation';
  attestation?: AttestationSpec;
  /** Cross-walk rows (crosswalk.json) this control covers. */
  crosswalk: string[];
  note?: string;
}

export interface FrameworkRequirement {
  id: string;
  title: string;
  controls: string[];
  unconfirmed?: boolean;
}

export interface Framework {
  id: FrameworkId;
  title: string;
  publisher: string;
  version?: string;
  url?: string;
  refPrefix: string;
  note?: string;
  requirements: FrameworkRequirement[];
}

export interface CrosswalkRow {
  id: string;
  requirement: string;
  standards: string[];
  schools: { school: string; section: string }[];
}

export interface Catalog {
  version: string;
  controls: ReadonlyMap<string, Control>;
  frameworks: readonly Framework[];
  crosswalk: readonly CrosswalkRow[];
}

export class CatalogError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid control catalogue:\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);

function problems(file: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${file}${e.instancePath === '' ? '' : `:${e.instancePath}`}: ${e.message ?? e.keyword}`,
  );
}

/** Validates raw catalogue data; exported so tests can prove a broken catalogue is refused. */
export function buildCatalog(raw: {
  controls: unknown;
  crosswalk: unknown;
  frameworks: Record<string, unknown>;
}): Catalog {
  const found: string[] = [];
  const vControls = ajv.compile(controlsSchema);
  if (!vControls(raw.controls)) found.push(...problems('controls.json', vControls.errors));
  const vCrosswalk = ajv.compile(crosswalkSchema);
  if (!vCrosswalk(raw.crosswalk)) found.push(...problems('crosswalk.json', vCrosswalk.errors));
  const vFramework = ajv.compile(frameworkSchema);
  for (const [name, f] of Object.entries(raw.frameworks)) {
    if (!vFramework(f)) found.push(...problems(`frameworks/${name}.json`, vFramework.errors));
  }
  if (found.length > 0) throw new CatalogError(found);

  const data = raw.controls as { version: string; controls: Control[] };
  const crosswalk = (raw.crosswalk as { rows: CrosswalkRow[] }).rows;
  const frameworks = Object.values(raw.frameworks) as Framework[];
  const controls = new Map<string, Control>();
  for (const c of data.controls) {
    if (controls.has(c.id)) found.push(`controls.json: control ${c.id} is defined twice`);
    controls.set(c.id, c);
  }
  const rows = new Set(crosswalk.map((r) => r.id));
  for (const c of data.controls) {
    for (const r of c.crosswalk) {
      if (!rows.has(r))
        found.push(`controls.json: ${c.id} names cross-walk row ${r}, which crosswalk.json does not have`);
    }
  }
  for (const [name, f] of Object.entries(raw.frameworks)) {
    if (f !== undefined && (f as Framework).id !== name) {
      found.push(`frameworks/${name}.json: id "${(f as Framework).id}" differs from the file name`);
    }
  }
  for (const f of frameworks) {
    for (const r of f.requirements) {
      for (const id of r.controls) {
        if (!controls.has(id)) found.push(`frameworks/${f.id}.json: ${r.id} names unknown control ${id}`);
      }
    }
  }
  if (found.length > 0) throw new CatalogError(found);
  return { version: data.version, controls, frameworks, crosswalk };
}

let cached: Catalog | undefined;

/** The shipped catalogue (validated once per process). */
export function loadCatalog(): Catalog {
  cached ??= buildCatalog({
    controls: controlsData,
    crosswalk: crosswalkData,
    frameworks: {
      dfe,
      'cyber-essentials': cyberEssentials,
      kcsie,
      uksic,
      'wales-kls': walesKls,
    },
  });
  return cached;
}

/**
 * External references for a set of controls, limited to the frameworks a school is judged against
 * (all when `standards` is omitted), e.g. `DfE:CS-4`, `CE-UAC`, `KCSIE-141`.
 */
export function referencesFor(
  catalog: Catalog,
  controlIds: readonly string[],
  standards?: readonly FrameworkId[],
): string[] {
  const want = new Set(controlIds);
  const refs: string[] = [];
  for (const f of catalog.frameworks) {
    if (standards !== undefined && !standards.includes(f.id)) continue;
    for (const r of f.requirements) {
      if (r.controls.some((c) => want.has(c))) refs.push(`${f.refPrefix}${r.id}`);
    }
  }
  return refs;
}
