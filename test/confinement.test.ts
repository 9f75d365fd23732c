/**
 * Files stay inside the school: a declaration reaching outside its folder (by `../`, an absolute path or
 * a symbolic link), secret files readable by others, and a roster pointing at a file of the wrong kind.
 * Real files in a temporary folder; the outside target is a file of our own standing in for /etc/shadow.
 */
import { chmod, cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchool, validateSchoolFile, formatProblem } from '../inventory/load.ts';
import { rosterFacts, RosterError } from '../inventory/roster.ts';
import { resolveSecret, SecretError } from '../inventory/secrets.ts';
import { loadEngineInputs } from '../checks/engine/inputs.ts';
import { schoolRefusal, validatePaths } from '../checks/engine/validate.ts';

const SCHOOL = 'croft-prep';
let root: string;
let dir: string;
let outside: string;
const SHADOW_LINE = 'root:$6$not-a-real-hash:19000:0:99999:7:::';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'schoolnet-confine-'));
  dir = join(root, 'schools', SCHOOL);
  await cp(join('inventory/schools', SCHOOL), dir, { recursive: true });
  outside = join(root, 'shadow');
  await writeFile(outside, `${SHADOW_LINE}\ndaemon:*:19000:0:99999:7:::\n`, { mode: 0o600 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function declare(edit: (yaml: string) => string): Promise<string> {
  const text = await readFile(join('inventory/schools', SCHOOL, 'school.yaml'), 'utf8');
  const file = join(dir, 'school.yaml');
  await writeFile(file, edit(text));
  return file;
}

describe('declared paths stay inside the school folder', () => {
  it('the untouched school is valid (the edits below are what fails)', async () => {
    expect(await validateSchoolFile(await declare((t) => t))).toEqual([]);
  });

  it('a file: secret, the roster, policy, waivers and a register path outside the folder: one problem each, naming the field', async () => {
    const file = await declare((t) =>
      t
        .replace('password: env:CROFT_ROUTER_PASSWORD', 'password: file:../../shadow')
        .replace('file: roster.csv', `file: ${outside}`)
        .replace('policy: { file: policy.yaml', 'policy: { file: ../../policy.yaml')
        .replace('waivers: waivers.yaml', 'waivers: /etc/passwd')
        .replace('assets: assets.csv', 'assets: ../other-school/assets.csv'),
    );
    const problems = await validateSchoolFile(file);
    const byPointer = new Map(problems.map((p) => [p.pointer, p]));
    expect(byPointer.get('/policy/file')?.message).toMatch(/must be a file inside the school's folder/);
    expect(byPointer.get('/waivers')?.message).toMatch(/not \/etc\/passwd/);
    expect(byPointer.get('/lifecycle/roster/file')?.message).toMatch(/inside the school's folder/);
    expect(byPointer.get('/inventory/assets')?.message).toMatch(/other-school\/assets\.csv/);
    const secret = problems.find((p) => p.pointer.endsWith('/credentials/password'));
    expect(secret?.message).toMatch(/secret file must be inside the school's folder or a secrets directory/);
    expect(secret?.line).toBeGreaterThan(0);
    for (const p of problems) expect(formatProblem(p)).not.toContain('not-a-real-hash');
    await expect(loadSchool(file)).rejects.toThrow(/: 5 problems\n/);
  });

  it('SCHOOLNET_SECRETS_DIR allow-lists a secrets folder for file: references (and only those)', async () => {
    const env = { SCHOOLNET_SECRETS_DIR: root };
    expect(await resolveSecret('file:../../shadow', dir, env, { strict: true })).toContain('not-a-real-hash');
    await expect(resolveSecret('file:../../shadow', dir, {}, { strict: true })).rejects.toThrow(SecretError);
  });

  it('a symbolic link inside the folder that leads outside is refused where the file is opened', async () => {
    await symlink(outside, join(dir, 'router-password'));
    const err = await resolveSecret('file:router-password', dir, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).toMatch(
      /leads \(by a symbolic link\) to .*shadow, outside the school's folder/,
    );
    expect((err as Error).message).not.toContain('not-a-real-hash');

    await symlink(outside, join(dir, 'linked-roster.csv'));
    const loaded = await loadSchool(
      await declare((t) => t.replace('file: roster.csv', 'file: linked-roster.csv')),
    );
    const rosterErr = await rosterFacts(loaded).catch((e: unknown) => e);
    expect(rosterErr).toBeInstanceOf(RosterError);
    expect((rosterErr as RosterError).problems[0]?.message).toMatch(/lifecycle\.roster\.file: .* outside/);

    await symlink(outside, join(dir, 'linked-policy.yaml'));
    const withPolicy = await loadSchool(
      await declare((t) => t.replace('policy: { file: policy.yaml', 'policy: { file: linked-policy.yaml')),
    );
    await expect(loadEngineInputs(withPolicy)).rejects.toThrow(/policy\.file: .*symbolic link.*outside/);
  });
});

describe('validation follows links', () => {
  it('a file: secret that is a link out of the folder is a validation problem naming the field, file and folder', async () => {
    await symlink(outside, join(dir, 'linked-password'));
    const file = await declare((t) =>
      t.replace('password: env:CROFT_ROUTER_PASSWORD', 'password: file:linked-password'),
    );
    // Lexically the path is inside the folder: only following the link shows where it leads.
    expect(await validateSchoolFile(file)).toEqual([]);
    for (const target of [file, dir]) {
      const results = await validatePaths([target]);
      const problems = results.flatMap((r) => r.problems);
      expect(problems).toEqual([
        expect.objectContaining({
          pointer: '/devices/0/credentials/password',
          message: expect.stringMatching(
            /^devices\.0\.credentials\.password: .*linked-password leads \(by a symbolic link\) to .*shadow, outside the school's folder/,
          ),
        }),
      ]);
      expect(problems[0]?.line).toBeGreaterThan(1);
      expect(JSON.stringify(results)).not.toContain('not-a-real-hash');
    }
    const loaded = await loadSchool(file);
    expect((await schoolRefusal(loaded)).map((p) => p.pointer)).toEqual(['/devices/0/credentials/password']);
  });
});

describe('secret file modes', () => {
  it('a group- or world-readable secret file is warned about, and refused under strict modes', async () => {
    const secret = join(dir, 'loose-secret');
    await writeFile(secret, 'hunter2\n');
    await chmod(secret, 0o644);
    const warnings: string[] = [];
    expect(
      await resolveSecret('file:loose-secret', dir, {}, { strict: false, warn: (m) => warnings.push(m) }),
    ).toBe('hunter2');
    expect(warnings).toEqual([
      expect.stringMatching(/readable by its group and everyone \(mode 644\); chmod 600 it/),
    ]);
    const err = await resolveSecret('file:loose-secret', dir, {}, { strict: true }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/refused: strict secret file modes/);
    expect((err as Error).message).not.toContain('hunter2');
    await expect(resolveSecret('file:loose-secret', dir, { SCHOOLNET_STRICT_SECRETS: '1' })).rejects.toThrow(
      /refused/,
    );
    await chmod(secret, 0o600);
    expect(await resolveSecret('file:loose-secret', dir, {}, { strict: true })).toBe('hunter2');
  });
});

describe('errors never echo a file of the wrong kind', () => {
  it('a roster path naming a non-roster file inside the folder: the error does not show its first line', async () => {
    await writeFile(join(dir, 'notes.txt'), `${SHADOW_LINE}\nsecond line\n`);
    const loaded = await loadSchool(await declare((t) => t.replace('file: roster.csv', 'file: notes.txt')));
    const err = (await rosterFacts(loaded).catch((e: unknown) => e)) as RosterError;
    expect(err).toBeInstanceOf(RosterError);
    const text = JSON.stringify(err.problems) + err.message;
    expect(text).toMatch(/does not look like the roster export/);
    expect(text).not.toContain('not-a-real-hash');
    expect(text).not.toContain('root');
  });

  it('a clause map or waivers path naming a file of another kind: one problem each, none of its keys or values', async () => {
    for (const f of ['creds.yaml', 'creds2.yaml'])
      await writeFile(join(dir, f), `admin_password: '${SHADOW_LINE}'\nnotes: [a, b]\n`);
    const file = await declare((t) =>
      t
        .replace('policy: { file: policy.yaml', 'policy: { file: creds.yaml')
        .replace('waivers: waivers.yaml', 'waivers: creds2.yaml'),
    );
    const problems = (await validatePaths([dir])).flatMap((r) => r.problems);
    const text = JSON.stringify(problems);
    expect(text).toContain('this does not look like a clause map');
    expect(text).toContain('this does not look like a waivers file');
    for (const leak of ['admin_password', 'not-a-real-hash', 'notes']) expect(text).not.toContain(leak);
    await expect(loadEngineInputs(await loadSchool(file))).rejects.toThrow(/does not look like/);
  });
});
