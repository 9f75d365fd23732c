/**
 * The password-policy provider, its methods called directly against the testbed's Samba AD DC and slapd
 * (through the provider object, so the by-path loading the Pulumi engine relies on is exercised too).
 * Where tests write they use their own entries (a PSO and a pwdPolicy entry named for this run), never
 * the demo policies other tests read; the domain head is only applied with the values it already holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirectoryWriter, type DirectoryWriter } from '../devices/ldap/client.ts';
import { childDn } from '../devices/ldap/dn.ts';
import type { PolicyValues } from '../devices/ldap/policy.ts';
import { psoContainer } from '../devices/ldap/policy.ts';
import { text } from '../devices/ldap/values.ts';
import {
  loadDemoDirectory,
  testbedDirectories,
  type TestbedDirectory,
} from '../scripts/testbed/seed-directory.ts';
import { directoryPasswordPolicyProvider as provider } from '../stacks/providers/directory-password-policy.ts';
import {
  changedFields,
  type PasswordPolicyInputs,
  type PasswordPolicyOutputs,
} from '../stacks/providers/directory-policy-ops.ts';
import { adminConnection } from './support/directory-tree.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const dirs = await testbedDirectories(tb);
const data = await loadDemoDirectory();
const RUN = `${process.pid}-${Date.now() % 100000}`;

function need(d: TestbedDirectory | undefined): TestbedDirectory {
  if (!d) throw new Error('the testbed directory is not running');
  return d;
}
const ad = need(dirs.ad);
const ldap = need(dirs.openldap);

const connection = adminConnection;

const STRICT: PolicyValues = {
  minLength: 14,
  complexity: true,
  historyLength: 12,
  maxAgeDays: 365,
  minAgeDays: 1,
  lockoutThreshold: 6,
  lockoutDurationMinutes: 20,
  lockoutWindowMinutes: 10,
};

/** A stamp that changes on every write to an entry (AD uSNChanged, OpenLDAP entryCSN). */
async function stamp(w: DirectoryWriter, dn: string): Promise<string | undefined> {
  const [e] = await w.search({
    base: dn,
    scope: 'base',
    attributes: ['uSNChanged', 'entryCSN'],
    pageSize: 0,
  });
  return e ? (text(e, 'uSNChanged') ?? text(e, 'entryCSN')) : undefined;
}

async function absent(w: DirectoryWriter, dn: string): Promise<boolean> {
  try {
    return (await w.search({ base: dn, scope: 'base', attributes: ['1.1'], pageSize: 0 })).length === 0;
  } catch (e) {
    return (e as { code?: string }).code === 'E-NOTFOUND';
  }
}

/** Create, then run what `pulumi up` would run again: check, diff (expected: nothing). */
async function applyTwice(inputs: PasswordPolicyInputs) {
  const checked = await provider.check!(undefined as never, inputs);
  expect(checked.failures).toEqual([]);
  const created = await provider.create!(inputs);
  const again = await provider.diff!(created.id, created.outs as PasswordPolicyOutputs, inputs);
  return { created, again };
}

describe('AD domain policy (the domain head)', () => {
  const inputs: PasswordPolicyInputs = {
    connection: connection(ad),
    target: 'ad-domain',
    policy: data.ad.passwordPolicy,
  };
  let w: DirectoryWriter;
  beforeAll(async () => {
    w = await openDirectoryWriter(ad.admin);
  });
  afterAll(() => w.close());

  it('applied with the values it holds: nothing is written, read equals declared, a second apply changes nothing', async () => {
    const before = await stamp(w, ad.baseDn);
    const { created, again } = await applyTwice(inputs);
    expect(created.id).toBe(`ad-domain:${ad.baseDn}`);
    expect((created.outs as PasswordPolicyOutputs).policy).toEqual(data.ad.passwordPolicy);
    expect(again.changes).toBe(false);
    const read = await provider.read!(created.id, created.outs as PasswordPolicyOutputs);
    expect(read.props?.policy).toEqual(data.ad.passwordPolicy);
    expect(await stamp(w, ad.baseDn)).toBe(before);
  });

  it('refuses a minimum length of 0 and a lockout window longer than the lockout, before writing', async () => {
    const before = await stamp(w, ad.baseDn);
    const bad = await provider.check!(undefined as never, {
      ...inputs,
      policy: { ...data.ad.passwordPolicy, minLength: 0, lockoutWindowMinutes: 60 },
    });
    expect(bad.failures?.map((f) => f.reason)).toEqual([
      'policy.minLength must be a whole number from 1 to 255 (got 0)',
      'policy.lockoutWindowMinutes must not exceed lockoutDurationMinutes (AD refuses it)',
    ]);
    expect(await stamp(w, ad.baseDn)).toBe(before);
  });

  it('delete forgets the domain policy: the domain head is untouched', async () => {
    const before = await stamp(w, ad.baseDn);
    await provider.delete!(`ad-domain:${ad.baseDn}`, { ...inputs, entryDn: ad.baseDn, created: false });
    expect(await stamp(w, ad.baseDn)).toBe(before);
  });
});

describe('AD fine-grained policy (its own PSO)', () => {
  const name = `ProvTest-PSO-${RUN}`;
  const dn = childDn('CN', name, psoContainer(ad.baseDn));
  const inputs: PasswordPolicyInputs = {
    connection: connection(ad),
    target: 'ad-fgpp',
    name,
    precedence: 50,
    appliesTo: [data.groups.staff],
    policy: STRICT,
  };
  let w: DirectoryWriter;
  let outs: PasswordPolicyOutputs;
  beforeAll(async () => {
    w = await openDirectoryWriter(ad.admin);
  });
  afterAll(async () => {
    if (!(await absent(w, dn))) await w.remove(dn);
    await w.close();
  });

  it('create then read equals declared, and a second apply writes nothing', async () => {
    const { created, again } = await applyTwice(inputs);
    outs = created.outs as PasswordPolicyOutputs;
    expect(outs.created).toBe(true);
    expect(outs.entryDn).toBe(dn);
    const read = await provider.read!(created.id, outs);
    expect(read.props).toMatchObject({ policy: STRICT, precedence: 50, appliesTo: [data.groups.staff] });
    expect(again.changes).toBe(false);
    const before = await stamp(w, dn);
    const update = await provider.update!(created.id, outs, inputs);
    expect(update.outs?.policy).toEqual(STRICT);
    expect(await stamp(w, dn)).toBe(before);
  });

  it('a change made by hand shows as drift, and applying again puts it back', async () => {
    await w.modify(dn, [{ op: 'replace', attribute: 'msDS-MinimumPasswordLength', values: ['6'] }]);
    const read = await provider.read!(`ad-fgpp:${dn}`, outs);
    const props = read.props as PasswordPolicyOutputs;
    expect(props.policy.minLength).toBe(6);
    const diff = await provider.diff!(`ad-fgpp:${dn}`, props, inputs);
    expect(diff.changes).toBe(true);
    expect(changedFields(props, inputs)).toEqual(['policy.minLength']);
    await provider.update!(`ad-fgpp:${dn}`, props, inputs);
    expect((await provider.read!(`ad-fgpp:${dn}`, outs)).props?.policy).toEqual(STRICT);
  });

  it('refuses bad input before anything is written', async () => {
    const other = childDn('CN', `${name}-bad`, psoContainer(ad.baseDn));
    const bad = await provider.check!(undefined as never, {
      ...inputs,
      name: `${name}-bad`,
      precedence: 0,
      appliesTo: ['No Such Group'],
      policy: { ...STRICT, minLength: 0 },
    });
    expect(bad.failures?.map((f) => f.property).sort()).toEqual(['policy', 'precedence']);
    const unknownGroup = await provider.check!(undefined as never, {
      ...inputs,
      name: `${name}-bad`,
      appliesTo: ['No Such Group'],
    });
    expect(unknownGroup.failures).toEqual([
      { property: 'appliesTo[0]', reason: `group No Such Group not found under ${ad.baseDn}` },
    ]);
    expect(await absent(w, other)).toBe(true);
  });

  it('delete removes the PSO schoolnet created', async () => {
    await provider.delete!(`ad-fgpp:${dn}`, outs);
    expect(await absent(w, dn)).toBe(true);
  });
});

describe('OpenLDAP ppolicy entry', () => {
  const dn = `cn=provtest-${RUN},ou=policies,${ldap.baseDn}`;
  const inputs: PasswordPolicyInputs = {
    connection: connection(ldap),
    target: 'ppolicy',
    dn,
    policy: STRICT,
  };
  let w: DirectoryWriter;
  let outs: PasswordPolicyOutputs;
  beforeAll(async () => {
    w = await openDirectoryWriter(ldap.admin);
  });
  afterAll(async () => {
    if (!(await absent(w, dn))) await w.remove(dn);
    await w.close();
  });

  it('create then read equals declared, and a second apply writes nothing', async () => {
    const { created, again } = await applyTwice(inputs);
    outs = created.outs as PasswordPolicyOutputs;
    expect(outs.created).toBe(true);
    expect((await provider.read!(created.id, outs)).props?.policy).toEqual(STRICT);
    expect(again.changes).toBe(false);
    const before = await stamp(w, dn);
    await provider.update!(created.id, outs, inputs);
    expect(await stamp(w, dn)).toBe(before);
  });

  it('a change made by hand shows as drift, and applying again puts it back', async () => {
    await w.modify(dn, [
      { op: 'replace', attribute: 'pwdLockout', values: ['FALSE'] },
      { op: 'replace', attribute: 'pwdInHistory', values: ['0'] },
    ]);
    const props = (await provider.read!(`ppolicy:${dn}`, outs)).props as PasswordPolicyOutputs;
    expect(props.policy).toEqual({ ...STRICT, lockoutThreshold: 0, historyLength: 0 });
    expect((await provider.diff!(`ppolicy:${dn}`, props, inputs)).changes).toBe(true);
    expect(changedFields(props, inputs)).toEqual(['policy.historyLength', 'policy.lockoutThreshold']);
    await provider.update!(`ppolicy:${dn}`, props, inputs);
    expect((await provider.read!(`ppolicy:${dn}`, outs)).props?.policy).toEqual(STRICT);
  });

  it('refuses bad input (an entry outside the base, a missing parent, min length 0, an AD target) before writing', async () => {
    const outside = await provider.check!(undefined as never, { ...inputs, dn: 'cn=x,dc=elsewhere,dc=test' });
    expect(outside.failures?.map((f) => f.property)).toEqual(['dn']);
    const orphan = `cn=x,ou=nowhere-${RUN},${ldap.baseDn}`;
    const noParent = await provider.check!(undefined as never, { ...inputs, dn: orphan });
    expect(noParent.failures).toEqual([{ property: 'dn', reason: `the parent of ${orphan} does not exist` }]);
    const zeroDn = `cn=provtest-${RUN}-zero,ou=policies,${ldap.baseDn}`;
    const zero = await provider.check!(undefined as never, {
      ...inputs,
      dn: zeroDn,
      policy: { ...STRICT, minLength: 0 },
    });
    expect(zero.failures?.map((f) => f.property)).toEqual(['policy']);
    const wrongKind = await provider.check!(undefined as never, { ...inputs, target: 'ad-domain' });
    expect(wrongKind.failures?.map((f) => f.reason)).toEqual([
      'ad-domain needs a ad directory, not openldap',
    ]);
    expect(await absent(w, orphan)).toBe(true);
    expect(await absent(w, zeroDn)).toBe(true);
  });

  it('delete removes the entry schoolnet created', async () => {
    await provider.delete!(`ppolicy:${dn}`, outs);
    expect(await absent(w, dn)).toBe(true);
  });

  it('the existing default policy is adopted as it is (no write) and only forgotten on delete', async () => {
    const policyDn = data.openldap.policyDn as string;
    const before = await stamp(w, policyDn);
    const adopt: PasswordPolicyInputs = { ...inputs, dn: policyDn, policy: data.openldap.passwordPolicy };
    const { created, again } = await applyTwice(adopt);
    expect((created.outs as PasswordPolicyOutputs).created).toBe(false);
    expect(again.changes).toBe(false);
    await provider.delete!(created.id, created.outs as PasswordPolicyOutputs);
    expect(await stamp(w, policyDn)).toBe(before);
  });
});
