/**
 * Everything the engine reads besides the declaration, gathered in one place: the check registry, the
 * control catalogue and frameworks, the school's clause map and waivers, and the collectors. The
 * engine itself (`run.ts`) sees only the `EngineInputs` shape, so tests and benchmarks can swap parts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseYaml } from '../../inventory/yaml-positions.ts';
import { contradictionMessage, declaredParams, findContradictions } from './declared-params.ts';
import { ConfigError } from './select.ts';
import { resolve } from 'node:path';
import { readAttestations } from '../../inventory/attestations.ts';
import { formatProblem } from '../../inventory/load.ts';
import { confinedFile } from '../../inventory/confine.ts';
import { DeviceError } from '../../devices/errors.ts';
import { collectDirectoryFacts } from '../../devices/ldap/collect.ts';
import { collectRouterFacts } from '../../devices/routeros/collect.ts';
import { collectSwitchFacts } from '../../devices/snmp/collect.ts';
import { collectSwitchManagement } from '../../devices/ssh/collect.ts';
import { runProbes } from '../../devices/probes/run.ts';
import { loadPolicy } from './clause-map.ts';
import type { PolicyMap } from './clause-map.ts';
import { RegisterError, formatRegisterProblem, loadRegister } from '../../inventory/register/index.ts';
import { RosterError, auditRosterFacts, formatRosterProblem } from '../../inventory/roster.ts';
import type { FrameworkId, LoadedSchool } from '../../inventory/types.ts';
import { secretResolver } from '../../inventory/secrets.ts';
import { loadWaivers } from '../../inventory/waivers.ts';
import { loadCatalog, referencesFor } from '../catalog/catalog.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { allChecks } from '../registry.ts';
import { severityRank } from '../severity.ts';
import type { Check, Severity } from '../types.ts';
import type { Collectors } from './collect.ts';
import type { CatalogueView } from './evaluate.ts';
import type { EngineInputs } from './run.ts';
import type { EffectiveClause, EffectivePolicy } from './types.ts';

/**
 * Controls whose checks run for every school whatever its clause map says: whether the school's own
 * policy is overdue for review, and whether the live estate still matches its declaration.
 */
export const ALWAYS_ON_CONTROLS: ReadonlySet<string> = new Set(['GOV-POLICY-REVIEW', 'CFG-DRIFT']);

export function catalogueView(catalog: Catalog, standards: readonly FrameworkId[]): CatalogueView {
  return {
    severityOf(controls) {
      let best: Severity | undefined;
      for (const id of controls) {
        const s = catalog.controls.get(id)?.severity;
        if (s !== undefined && (best === undefined || severityRank(s) < severityRank(best))) best = s;
      }
      return best ?? 'medium';
    },
    referencesOf: (controls) => referencesFor(catalog, controls, standards),
  };
}

/** The clause map as the run keeps it: only what a report needs, no file positions. */
export function effectiveClauseMap(map: PolicyMap): EffectivePolicy['clauseMap'] {
  return {
    file: map.file,
    version: map.version,
    title: map.title,
    clauses: map.clauses.map((c) => {
      const out: EffectiveClause = { id: c.id, section: c.section, text: c.text, controls: [...c.controls] };
      if (Object.keys(c.params).length > 0) out.params = c.params;
      if ((c.needsAttestation || c.mixed) && c.attestation !== undefined) {
        out.attestation = { who: c.attestation.who, every: c.attestation.every };
        if (c.attestation.what !== undefined) out.attestation.what = c.attestation.what;
      }
      return out;
    }),
  };
}

/** The real collectors; the roster's own problems become an E-CONFIG error naming its lines. */
export const defaultCollectors: Collectors = {
  router: collectRouterFacts,
  switch: collectSwitchFacts,
  switchCli: collectSwitchManagement,
  directory: collectDirectoryFacts,
  async roster(loaded) {
    try {
      return await auditRosterFacts(loaded);
    } catch (e) {
      if (e instanceof RosterError)
        throw new DeviceError(
          'E-CONFIG',
          'roster',
          e.problems.slice(0, 5).map(formatRosterProblem).join('; '),
          {
            hint: 'fix the roster export (see the lines named) and audit again',
          },
        );
      throw e;
    }
  },
  // The 802.1X canary's passwords and the agent's RADIUS secret are read on the agent, never stored.
  probes: (loaded) => runProbes(loaded, { resolveSecret: secretResolver(loaded.dir) }),
  async register(loaded) {
    try {
      return await loadRegister(loaded);
    } catch (e) {
      if (e instanceof RegisterError)
        throw new DeviceError(
          'E-CONFIG',
          'register',
          e.problems.slice(0, 5).map(formatRegisterProblem).join('; '),
          {
            hint: 'fix the register spreadsheet (see the rows named) and audit again',
          },
        );
      throw e;
    }
  },
};

/** A file the declaration names, inside the school's folder with links followed (inventory/confine.ts). */
function schoolFile(loaded: LoadedSchool, rel: string, field: string): Promise<string> {
  return confinedFile(resolve(loaded.dir, rel), [loaded.dir], field);
}

/**
 * A clause binding a threshold weaker than the declaration states (which `pulumi up` applies) is a
 * configuration error naming both places: apply and audit must not use different numbers.
 */
export async function refuseContradictions(loaded: LoadedSchool, policy: PolicyMap): Promise<void> {
  const declared = declaredParams(loaded.decl);
  if (!policy.clauses.some((c) => declared.some((d) => c.params[d.checkId]?.[d.param] !== undefined))) return;
  const parsed = parseYaml(await readFile(loaded.file, 'utf8'));
  const found = findContradictions(
    policy.clauses,
    declared,
    { clauseMap: policy.file, declaration: loaded.file },
    (pointer) => parsed.locate(pointer).line,
  );
  if (found.length > 0)
    throw new ConfigError(
      `clause map ${policy.file} contradicts the declaration ${loaded.file}`,
      found.map(contradictionMessage),
    );
}

/**
 * Active Directory shows no banned-password list over LDAP, so a clause citing PW-DENYLIST for an AD
 * school must say who attests it and how often; otherwise the audit would silently judge nothing.
 */
export function refuseUnattestedDenyList(loaded: LoadedSchool, policy: PolicyMap): void {
  if (loaded.decl.directory?.kind !== 'ad') return;
  const problems = policy.clauses
    .filter((c) => c.controls.includes('PW-DENYLIST') && c.attestation === undefined)
    .map(
      (c) =>
        `${policy.file}:${c.line}: clause ${c.id} cites PW-DENYLIST, but Active Directory shows no deny list to an audit (${loaded.file}: directory.kind ad): add attestation: { who, every, what } for it`,
    );
  if (problems.length > 0)
    throw new ConfigError(`clause map ${policy.file} asks for what no check can see`, problems);
}

/**
 * A clause citing a control whose number only the school can state, with the number stated nowhere
 * (neither the declaration nor the clause): the audit would say "not applicable" every night for a
 * clause the school wrote. Refused, naming the clause and where the number belongs.
 */
export function refuseUnstatedNumbers(loaded: LoadedSchool, policy: PolicyMap): void {
  const removed = 'directory-account-leavers-removed';
  const declared = loaded.decl.lifecycle?.leavers.removeAfterDays;
  const problems = policy.clauses
    .filter(
      (c) =>
        c.controls.includes('ACC-LEAVERS-REMOVED') &&
        c.attestation === undefined &&
        declared === undefined &&
        c.params[removed]?.['afterDays'] === undefined,
    )
    .map(
      (c) =>
        `${policy.file}:${c.line}: clause ${c.id} cites ACC-LEAVERS-REMOVED, but no period after which leavers' accounts are deleted is stated: declare lifecycle.leavers.removeAfterDays in ${loaded.file} (pulumi up and the audit share it), or set params: { ${removed}: { afterDays: N } } on the clause`,
    );
  if (problems.length > 0)
    throw new ConfigError(`clause map ${policy.file} cites a number it never states`, problems);
}

/** Loads what a school's audit is judged against; any problem here is a configuration error (exit 3). */
export async function loadEngineInputs(
  loaded: LoadedSchool,
  overrides: Partial<Pick<EngineInputs, 'collectors' | 'checks'>> = {},
): Promise<EngineInputs> {
  const { decl } = loaded;
  const catalog = loadCatalog();
  const policy = await loadPolicy(await schoolFile(loaded, decl.policy.file, 'policy.file'));
  await refuseContradictions(loaded, policy);
  refuseUnattestedDenyList(loaded, policy);
  refuseUnstatedNumbers(loaded, policy);
  // The declaration may name its waivers file; otherwise a waivers.yaml beside it is used when present.
  const named = decl.waivers !== undefined ? await schoolFile(loaded, decl.waivers, 'waivers') : undefined;
  const beside = resolve(loaded.dir, 'waivers.yaml');
  const waiversFile = named ?? (existsSync(beside) ? beside : undefined);
  const waivers = waiversFile === undefined ? [] : await loadWaivers(waiversFile);
  const inputs: EngineInputs = {
    checks: overrides.checks ?? allChecks,
    isAlwaysOn: (c: Check) => c.meta.controls.some((k) => ALWAYS_ON_CONTROLS.has(k)),
    clauseMap: effectiveClauseMap(policy),
    waivers,
    catalogue: catalogueView(catalog, decl.school.standards),
    controlIds: new Set(catalog.controls.keys()),
    collectors: overrides.collectors ?? defaultCollectors,
  };
  if (waiversFile !== undefined) inputs.waiversFile = waiversFile;
  // Attestation records: the file the declaration names, else attestations.yaml beside it when present.
  const attNamed =
    decl.attestations !== undefined ? await schoolFile(loaded, decl.attestations, 'attestations') : undefined;
  const attBeside = resolve(loaded.dir, 'attestations.yaml');
  const attFile = attNamed ?? (existsSync(attBeside) ? attBeside : undefined);
  if (attFile !== undefined) {
    const { records, problems } = await readAttestations(attFile, {
      clauses: new Set(policy.clauses.map((c) => c.id)),
    });
    if (problems.length > 0)
      throw new ConfigError(`attestations file ${attFile} has problems`, problems.map(formatProblem));
    inputs.attestationRecords = records;
  } else inputs.attestationRecords = [];
  return inputs;
}
