/**
 * The account-lifecycle provider, its methods called directly (through the provider object) against the
 * testbed's Samba AD DC and slapd. The tests work in their own OU tree and group, named for this run,
 * never in the demo school's OUs that other tests read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirectoryWriter, type DirectoryWriter } from '../devices/ldap/client.ts';
import { childDn } from '../devices/ldap/dn.ts';
import { eq } from '../devices/ldap/filter.ts';
import { text } from '../devices/ldap/values.ts';
import { testbedDirectories, type TestbedDirectory } from '../scripts/testbed/seed-directory.ts';
import type {
  AccountLifecycleInputs,
  AccountLifecycleOutputs,
} from '../stacks/providers/directory-account-ops.ts';
import { directoryAccountLifecycleProvider as provider } from '../stacks/providers/directory-account-lifecycle.ts';
import { addTree, adminConnection, removeTree, scratchTree } from './support/directory-tree.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const dirs = await testbedDirectories(tb);
const RUN = `${process.pid}-${Date.now() % 100000}`;

describe.each([
  ['Samba AD', 'ad' as const],
  ['slapd', 'openldap' as const],
])('account lifecycle on %s', (_name, kind) => {
  const d = dirs[kind] as TestbedDirectory;
  if (!d) throw new Error(`testbed ${kind} is not running`);
  const ad = kind === 'ad';
  const tree = scratchTree(d, `LifecycleTest-${RUN}`);
  const { root, ous } = tree;
  const group = `LT-Pupils-${RUN}`;
  const groupDn = childDn(ad ? 'CN' : 'cn', group, root);
  let w: DirectoryWriter;

  const base: AccountLifecycleInputs = {
    connection: adminConnection(d),
    ous,
    username: 'noor.oconnor',
    givenName: 'Noor',
    surname: "O'Connor",
    mail: 'noor.oconnor@school.test',
    role: 'pupils',
    roleGroup: group,
    leaver: false,
    aupSigned: '2026-09-03',
    requireAup: true,
    leaverAction: 'disable-and-move',
  };

  /** The entry as the directory holds it, found by an escaped filter. */
  async function entry(username: string) {
    const [e] = await w.search({
      base: root,
      filter: eq(ad ? 'sAMAccountName' : 'uid', username),
      attributes: [
        'uSNChanged',
        'entryCSN',
        'userAccountControl',
        'pwdAccountLockedTime',
        'pwdLastSet',
        'userPassword',
      ],
    });
    return e;
  }
  const stamp = async (u: string) => {
    const e = await entry(u);
    return e ? (text(e, 'uSNChanged') ?? text(e, 'entryCSN')) : undefined;
  };

  async function apply(inputs: AccountLifecycleInputs, olds?: AccountLifecycleOutputs) {
    const checked = await provider.check!(olds ?? (undefined as never), inputs);
    expect(checked.failures).toEqual([]);
    const id = `${kind}:${d.baseDn}:${inputs.username}`;
    return olds
      ? ((await provider.update!(id, olds, inputs)).outs as AccountLifecycleOutputs)
      : ((await provider.create!(inputs)).outs as AccountLifecycleOutputs);
  }
  const read = async (o: AccountLifecycleOutputs) =>
    (await provider.read!('id', o)).props as AccountLifecycleOutputs;

  beforeAll(async () => {
    w = await openDirectoryWriter(d.admin);
    await addTree(w, tree);
    if (ad) await w.add(groupDn, { objectClass: ['top', 'group'], sAMAccountName: group });
    // groupOfNames must have a member: the OU itself stands in until people join.
    else await w.add(groupDn, { objectClass: ['groupOfNames'], cn: group, member: root });
  });
  afterAll(async () => {
    await removeTree(w, root);
    await w.close();
  });

  let noor: AccountLifecycleOutputs;

  it('a joiner with the AUP signed is created in the role OU, enabled, in the role group; read equals declared', async () => {
    noor = await apply(base);
    expect(noor).toMatchObject({
      exists: true,
      created: true,
      enabled: true,
      ou: 'pupils',
      inRoleGroup: true,
      passwordSet: true,
    });
    expect(await read(noor)).toEqual(noor);
    const e = await entry('noor.oconnor');
    // A random initial password that must be changed at first logon.
    if (ad) expect(text(e ?? { dn: '' }, 'pwdLastSet')).toBe('0');
    else expect(text(e ?? { dn: '' }, 'userPassword')).toMatch(/^\{SSHA\}/);
  });

  it('applying twice shows no changes and writes nothing', async () => {
    expect((await provider.diff!('id', await read(noor), base)).changes).toBe(false);
    const before = await stamp('noor.oconnor');
    await apply(base, noor);
    expect(await stamp('noor.oconnor')).toBe(before);
  });

  it('a joiner without the AUP date stays disabled, and is enabled once it is recorded', async () => {
    const joiner = {
      ...base,
      username: 'ana.perez',
      givenName: 'Ana',
      surname: 'Pérez',
      aupSigned: undefined,
    };
    let out = await apply(joiner);
    expect(out).toMatchObject({
      exists: true,
      created: true,
      enabled: false,
      ou: 'pupils',
      passwordSet: false,
    });
    out = await apply({ ...joiner, aupSigned: '2026-11-02' }, out);
    expect(out).toMatchObject({ enabled: true, passwordSet: true });
    // Without requireAup the date does not matter.
    const staff = await apply({
      ...base,
      username: 'ren.ito',
      givenName: 'Ren',
      surname: 'Ito',
      role: 'staff',
      requireAup: false,
      aupSigned: undefined,
      roleGroup: undefined,
    });
    expect(staff).toMatchObject({ enabled: true, ou: 'staff', inRoleGroup: false });
  });

  it('a leaver is disabled and moved to the leavers OU; a second apply changes nothing', async () => {
    noor = await apply({ ...base, leaver: true }, noor);
    expect(noor).toMatchObject({ exists: true, enabled: false, ou: 'leavers' });
    expect(await read(noor)).toEqual(noor);
    expect((await provider.diff!('id', noor, { ...base, leaver: true })).changes).toBe(false);
  });

  it('a leaver enabled again by hand shows as drift, and applying puts it right', async () => {
    const e = await entry('noor.oconnor');
    if (!e) throw new Error('noor.oconnor is missing');
    if (ad) await w.modify(e.dn, [{ op: 'replace', attribute: 'userAccountControl', values: ['512'] }]);
    else await w.modify(e.dn, [{ op: 'delete', attribute: 'pwdAccountLockedTime', values: [] }]);
    const drifted = await read(noor);
    expect(drifted.enabled).toBe(true);
    expect((await provider.diff!('id', drifted, { ...base, leaver: true })).changes).toBe(true);
    noor = await apply({ ...base, leaver: true }, drifted);
    expect(noor.enabled).toBe(false);
  });

  it('a leaver who never had an account is left alone (nothing is created)', async () => {
    const out = await apply({ ...base, username: 'gone.already', leaver: true });
    expect(out).toMatchObject({ exists: false, created: false });
    expect(await entry('gone.already')).toBeUndefined();
  });

  it('refuses bad input (an unknown OU, a missing group, a bad name) before anything is written', async () => {
    const unknownOu = await provider.check!(undefined as never, {
      ...base,
      username: 'new.person',
      ous: { ...ous, leavers: childDn(ad ? 'OU' : 'ou', 'Nope', root) },
    });
    expect(unknownOu.failures).toEqual([
      { property: 'ous.leavers', reason: `${childDn(ad ? 'OU' : 'ou', 'Nope', root)} does not exist` },
    ]);
    const noGroup = await provider.check!(undefined as never, {
      ...base,
      username: 'new.person',
      roleGroup: 'No Such Group',
    });
    expect(noGroup.failures?.map((f) => f.property)).toEqual(['roleGroup']);
    const badName = await provider.check!(undefined as never, { ...base, username: 'new*person)(uid=*' });
    expect(badName.failures?.map((f) => f.property)).toEqual(['username']);
    const outside = await provider.check!(undefined as never, {
      ...base,
      ous: { ...ous, staff: 'ou=Staff,dc=elsewhere' },
    });
    expect(outside.failures?.map((f) => f.property)).toEqual(['ous.staff']);
    expect(await entry('new.person')).toBeUndefined();
  });

  it('writes the MIS id to the declared attribute on create and on adopt, and never relabels an account', async () => {
    const idAttribute = ad ? 'employeeID' : 'employeeNumber';
    const idOf = async (u: string) => {
      const [e] = await w.search({
        base: root,
        filter: eq(ad ? 'sAMAccountName' : 'uid', u),
        attributes: [idAttribute],
      });
      return e ? text(e, idAttribute) : undefined;
    };
    // Create: a joiner's account carries its MIS id from the first write.
    const joiner = {
      ...base,
      username: 'ivo.id',
      givenName: 'Ivo',
      surname: 'Id',
      misId: 'A801200000777',
      idAttribute,
    };
    const created = await apply(joiner);
    expect(created.created).toBe(true);
    expect(await idOf('ivo.id')).toBe('A801200000777');
    // Adopt: an account made by hand, without an id, gets it on the first apply (ids with any
    // characters are values, never filters).
    const handDn = childDn(ad ? 'CN' : 'uid', ad ? 'Hand Made' : 'hand.made', ous.pupils);
    await w.add(
      handDn,
      ad
        ? {
            objectClass: ['top', 'person', 'organizationalPerson', 'user'],
            sAMAccountName: 'hand.made',
            userAccountControl: '546',
          }
        : { objectClass: ['inetOrgPerson'], uid: 'hand.made', cn: 'Hand Made', sn: 'Made' },
    );
    const adopted = {
      ...base,
      username: 'hand.made',
      givenName: 'Hand',
      surname: 'Made',
      misId: 'A80*)(uid=*',
      idAttribute,
      leaver: true,
    };
    const out = await apply(adopted);
    expect(out.created).toBe(false);
    expect(await idOf('hand.made')).toBe('A80*)(uid=*');
    expect((await provider.diff!('id', await read(out), adopted)).changes).toBe(false);
    // An account that already holds another id is someone else's: refuse, change nothing.
    const before = await stamp('ivo.id');
    await expect(apply({ ...joiner, misId: 'B999' }, created)).rejects.toThrow(
      /holds employee(ID|Number) A801200000777, but the roster gives ivo\.id the MIS id B999.*nothing was changed/,
    );
    expect(await stamp('ivo.id')).toBe(before);
    expect(await idOf('ivo.id')).toBe('A801200000777');
  });

  it('deleting the resource forgets the account; only deleteAccounts: true removes it', async () => {
    await provider.delete!('id', noor);
    expect(await entry('noor.oconnor')).toBeDefined();
    await provider.delete!('id', { ...noor, deleteAccounts: true });
    expect(await entry('noor.oconnor')).toBeUndefined();
  });
});
