/**
 * Dynamic providers most often break under `pulumi up` by failing to serialize, or by serializing into
 * text that cannot run outside the process that made it. Each directory provider is serialized exactly
 * as `@pulumi/pulumi/dynamic` does (`runtime.serializeFunction(() => provider, { allowSecrets: true })`),
 * and the text is loaded in a fresh Node process, where `check` must reach the testbed directory and
 * refuse an unknown OU / a bad policy, and `read` must report live state.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testbedDirectories, type TestbedDirectory } from '../scripts/testbed/seed-directory.ts';
import { directoryAccountLifecycleProvider } from '../stacks/providers/directory-account-lifecycle.ts';
import type { DirectoryConnectionInputs } from '../stacks/providers/directory-connection.ts';
import { directoryPasswordPolicyProvider } from '../stacks/providers/directory-password-policy.ts';
import { adminConnection } from './support/directory-tree.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const dirs = await testbedDirectories(tb);
const d = (dirs.openldap ?? dirs.ad) as TestbedDirectory;

const connection: DirectoryConnectionInputs = adminConnection(d);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'schoolnet-dynprov-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Serialize as the SDK does, then run `method(...args)` on the result in a fresh Node process. */
async function runSerialized(
  provider: object,
  name: string,
  method: string,
  args: unknown[],
): Promise<unknown> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  const file = join(scratch, `${name}.cjs`);
  await writeFile(file, serialized.text);
  const script = `
    const provider = require(${JSON.stringify(file)}).${serialized.exportName}();
    provider[${JSON.stringify(method)}](...${JSON.stringify(args)})
      .then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

describe('directory providers survive serialization', () => {
  it('the password-policy provider, serialized, checks against the live directory', async () => {
    const target = d.kind === 'ad' ? 'ad-fgpp' : 'ppolicy';
    const inputs = {
      connection,
      target,
      name: 'Serialized-PSO',
      precedence: 5,
      dn: `cn=serialized,ou=nowhere,${d.baseDn}`,
      appliesTo: ['No Such Group'],
      policy: {
        minLength: 0,
        complexity: true,
        historyLength: 0,
        maxAgeDays: 0,
        minAgeDays: 0,
        lockoutThreshold: 0,
        lockoutDurationMinutes: 0,
        lockoutWindowMinutes: 0,
      },
    };
    const bad = (await runSerialized(directoryPasswordPolicyProvider, 'policy', 'check', [
      undefined,
      inputs,
    ])) as {
      failures: { property: string }[];
    };
    expect(bad.failures.map((f) => f.property)).toEqual(['policy']);
    const good = (await runSerialized(directoryPasswordPolicyProvider, 'policy', 'check', [
      undefined,
      { ...inputs, policy: { ...inputs.policy, minLength: 12 } },
    ])) as { failures: { property: string; reason: string }[] };
    // Reaching the directory is what finds these: the serialized code really talks LDAP.
    expect(good.failures.map((f) => f.property)).toEqual([d.kind === 'ad' ? 'appliesTo[0]' : 'dn']);
  });

  it('the account-lifecycle provider, serialized, refuses an unknown OU and reads a live account', async () => {
    const ouType = d.kind === 'ad' ? 'OU' : 'ou';
    const inputs = {
      connection,
      ous: {
        staff: `${ouType}=Staff,${d.baseDn}`,
        pupils: `${ouType}=Pupils,${d.baseDn}`,
        leavers: `${ouType}=Gone-Nowhere,${d.baseDn}`,
      },
      username: 'ellie.marsh',
      givenName: 'Ellie',
      surname: 'Marsh',
      role: 'pupils',
      leaver: true,
      requireAup: true,
      leaverAction: 'disable-and-move',
    };
    const checked = (await runSerialized(directoryAccountLifecycleProvider, 'account', 'check', [
      undefined,
      inputs,
    ])) as {
      failures: { property: string }[];
    };
    expect(checked.failures.map((f) => f.property)).toEqual(['ous.leavers']);
    const olds = {
      ...inputs,
      exists: true,
      dn: '',
      enabled: false,
      ou: 'other',
      inRoleGroup: false,
      created: false,
      passwordSet: false,
    };
    const read = (await runSerialized(directoryAccountLifecycleProvider, 'account', 'read', [
      'id',
      olds,
    ])) as {
      props: { exists: boolean; enabled: boolean; ou: string };
    };
    // The demo's deliberate fault: Ellie left but is still enabled in Pupils.
    expect(read.props).toMatchObject({ exists: true, enabled: true, ou: 'pupils' });
  });
});
