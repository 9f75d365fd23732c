import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { TESTBED_DIR } from '../../inventory/confine.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../devices/errors.ts';
import { loadSchool } from '../../inventory/load.ts';
import { declaredLayer, declaredParams } from './declared-params.ts';
import { defaultCollectors, loadEngineInputs } from './inputs.ts';
import { ConfigError, selectChecks } from './select.ts';

const SCHOOLS = resolve(import.meta.dirname, '../../inventory/schools');

describe('the register collector', () => {
  it('turns a register with a bad row into E-CONFIG naming the file and row', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'register-engine-')), 'demo');
    await cp(join(SCHOOLS, 'demo'), dir, { recursive: true });
    // The demo's testbed references are relative to its folder: absolute, so the copy keeps them.
    const decl = join(dir, 'school.yaml');
    await writeFile(
      decl,
      (await readFile(decl, 'utf8')).replaceAll('../../../.schoolnet/testbed/', `${TESTBED_DIR}/`),
    );
    await writeFile(join(dir, 'licences.csv'), 'Title,Kind,Seats\nOffice,per-device,twenty\n');
    const loaded = await loadSchool(join(dir, 'school.yaml'));
    const viaEngine = await defaultCollectors.register!(loaded).catch((x: unknown) => x);
    expect(viaEngine).toBeInstanceOf(DeviceError);
    expect(viaEngine).toMatchObject({
      code: 'E-CONFIG',
      message: expect.stringContaining('licences.csv:row 2'),
    });
  });
});

describe('one source for each number', () => {
  async function croftWith(change: (policy: string) => string): Promise<string> {
    const dir = join(await mkdtemp(join(tmpdir(), 'one-source-')), 'schools', 'croft-prep');
    await cp(join(SCHOOLS, 'croft-prep'), dir, { recursive: true });
    const policy = join(dir, 'policy.yaml');
    await writeFile(policy, change(await readFile(policy, 'utf8')));
    return dir;
  }
  const CLAUSE = '    controls: [PW-LENGTH, PW-LOCKOUT]\n';

  it('judges croft-prep with the 14 characters it declares', async () => {
    const loaded = await loadSchool(join(SCHOOLS, 'croft-prep', 'school.yaml'));
    const inputs = await loadEngineInputs(loaded);
    const selected = selectChecks(
      inputs.checks,
      inputs.clauseMap.clauses,
      inputs.isAlwaysOn,
      inputs.clauseMap.file,
      declaredLayer(declaredParams(loaded.decl)),
    );
    const length = selected.filter((s) => s.check.meta.id === 'directory-password-min-length');
    expect(length.map((s) => s.params)).toEqual([{ minLength: 14 }]);
    const duration = selected.filter((s) => s.check.meta.id === 'directory-password-lockout-duration');
    expect(duration.map((s) => s.params)).toEqual([{ minMinutes: 30 }]);
  });

  it('refuses a clause weaker than the declaration, naming both files and lines', async () => {
    const dir = await croftWith((t) =>
      t.replace(CLAUSE, `${CLAUSE}    params:\n      directory-password-min-length: { minLength: 12 }\n`),
    );
    const loaded = await loadSchool(join(dir, 'school.yaml'));
    const err = await loadEngineInputs(loaded).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.join('\n');
    const declLine =
      (await readFile(join(dir, 'school.yaml'), 'utf8'))
        .split('\n')
        .findIndex((l) => /^ {4}minLength: 14/.test(l)) + 1;
    const policyLine =
      (await readFile(join(dir, 'policy.yaml'), 'utf8'))
        .split('\n')
        .findIndex((l) => /minLength: 12/.test(l)) + 1;
    expect(text).toContain(
      `${join(dir, 'policy.yaml')}:${policyLine}: clause croft-prep:coordinator-passwords sets directory-password-min-length.minLength to 12, weaker than 14 declared at ${join(dir, 'school.yaml')}:${declLine}`,
    );
  });

  it('accepts a clause deliberately stricter than the declaration', async () => {
    const dir = await croftWith((t) =>
      t.replace(CLAUSE, `${CLAUSE}    params:\n      directory-password-min-length: { minLength: 16 }\n`),
    );
    await expect(loadEngineInputs(await loadSchool(join(dir, 'school.yaml')))).resolves.toBeDefined();
  });

  it('asks an AD school citing the deny list for an attestation, at the clause line', async () => {
    const bare = await croftWith((t) =>
      t.replace(CLAUSE, '    controls: [PW-LENGTH, PW-LOCKOUT, PW-DENYLIST]\n'),
    );
    const err = await loadEngineInputs(await loadSchool(join(bare, 'school.yaml'))).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toMatch(
      /policy\.yaml:\d+: clause croft-prep:coordinator-passwords cites PW-DENYLIST, but Active Directory shows no deny list/,
    );
    const attested = await croftWith((t) =>
      t.replace(
        CLAUSE,
        '    controls: [PW-LENGTH, PW-LOCKOUT, PW-DENYLIST]\n    attestation: { who: IT provider, every: termly, what: The banned-password list is on }\n',
      ),
    );
    const inputs = await loadEngineInputs(await loadSchool(join(attested, 'school.yaml')));
    expect(
      inputs.clauseMap.clauses.find((c) => c.id === 'croft-prep:coordinator-passwords')?.attestation,
    ).toEqual({
      who: 'IT provider',
      every: 'termly',
      what: 'The banned-password list is on',
    });
  });

  it('refuses a clause citing leaver deletion with the period stated nowhere, and takes it from the clause or the declaration', async () => {
    // croft-prep declares no removeAfterDays: the audit would say "not applicable" every night.
    const CITES = '    controls: [PW-LENGTH, PW-LOCKOUT, ACC-UNIQUE, ACC-LEAVERS]\n';
    const bare = await croftWith((t) =>
      t.replace(CITES, CITES.replace('ACC-LEAVERS]', 'ACC-LEAVERS, ACC-LEAVERS-REMOVED]')),
    );
    const err = await loadEngineInputs(await loadSchool(join(bare, 'school.yaml'))).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toMatch(
      /policy\.yaml:\d+: clause croft-prep:password-security cites ACC-LEAVERS-REMOVED, but no period after which leavers' accounts are deleted is stated: declare lifecycle\.leavers\.removeAfterDays/,
    );
    const stated = await croftWith((t) =>
      t.replace(
        CITES,
        `${CITES.replace('ACC-LEAVERS]', 'ACC-LEAVERS, ACC-LEAVERS-REMOVED]')}    params:\n      directory-account-leavers-removed: { afterDays: 90 }\n`,
      ),
    );
    const inputs = await loadEngineInputs(await loadSchool(join(stated, 'school.yaml')));
    expect(inputs.clauseMap.clauses.find((c) => c.id === 'croft-prep:password-security')?.params).toEqual({
      'directory-account-leavers-removed': { afterDays: 90 },
    });
  });
});
