/**
 * The path `pulumi up` really takes: each provider serialized the way `@pulumi/pulumi/dynamic` does it
 * (`runtime.serializeFunction(() => provider, { allowSecrets: true })`), handed to the SDK's own provider
 * host (`@pulumi/pulumi/cmd/dynamic-provider`, spawned as the engine spawns it) and driven over gRPC
 * with Check / Diff / Create / Read / Update / Delete against the RouterOS API test server, and for the
 * directory providers against the testbed's slapd (in entries named for this run). A provider that
 * cannot be serialized, or whose text cannot run outside this process, fails here.
 * The host's module paths are internal to the SDK: @pulumi/pulumi is pinned (3.248.0) in package.json.
 */
import * as pulumi from '@pulumi/pulumi';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openDirectoryWriter, type DirectoryWriter } from '../devices/ldap/client.ts';
import { childDn } from '../devices/ldap/dn.ts';
import { eq } from '../devices/ldap/filter.ts';
import { text as attr } from '../devices/ldap/values.ts';
import { loadSchool } from '../inventory/load.ts';
import { testbedDirectories, type TestbedDirectory } from '../scripts/testbed/seed-directory.ts';
import type { TestbedInfo } from '../scripts/testbed/types.ts';
import { directoryAccountLifecycleProvider } from '../stacks/providers/directory-account-lifecycle.ts';
import type { AccountLifecycleInputs } from '../stacks/providers/directory-account-ops.ts';
import type { DirectoryConnectionInputs } from '../stacks/providers/directory-connection.ts';
import { directoryPasswordPolicyProvider } from '../stacks/providers/directory-password-policy.ts';
import type { PasswordPolicyInputs } from '../stacks/providers/directory-policy-ops.ts';
import { planRouter, routerDevices } from '../intent/router.ts';
import type { DesiredObject, RouterPlan } from '../intent/types.ts';
import { routerOsFirewallProvider } from '../stacks/providers/routeros-firewall.dynamic.ts';
import { routerOsObjectProvider } from '../stacks/providers/routeros-object.dynamic.ts';
import type { RouterConnection } from '../stacks/providers/routeros-ops.ts';
import {
  addTree,
  adminConnection,
  removeTree,
  scratchTree,
  type ScratchTree,
} from './support/directory-tree.ts';
import { DEFAULT_USERS, startRouterOsServer, type RouterOsServer } from './support/routeros/server.ts';

const require = createRequire(import.meta.url);
const SDK = require.resolve('@pulumi/pulumi/package.json').replace(/package\.json$/, '');
const HOST = `${SDK}cmd/dynamic-provider/index.js`;

// The SDK's generated gRPC code is CommonJS without usable types here: the few calls used are typed below.
interface Struct {
  toJavaScript(): Record<string, unknown>;
}
interface Message {
  [setter: string]: unknown;
}
/** The getters of the replies used here (each reply has a subset). */
interface Reply {
  getFailuresList(): unknown[];
  getInputs(): Struct;
  getId(): string;
  getProperties(): Struct;
  getChanges(): number;
}
type Callback = (err: Error | null, resp: Reply) => void;
type Client = Record<string, (req: Message, cb: Callback) => void> & { close(): void };
const grpc = require('@grpc/grpc-js') as { credentials: { createInsecure(): unknown } };
const services = require(`${SDK}proto/provider_grpc_pb.js`) as {
  ResourceProviderClient: new (addr: string, creds: unknown) => Client;
};
const messages = require(`${SDK}proto/provider_pb.js`) as Record<string, new () => Message> & {
  DiffResponse: { DiffChanges: Record<string, number> };
};
const structs = require('google-protobuf/google/protobuf/struct_pb.js') as {
  Struct: { fromJavaScript(v: unknown): Struct };
};

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

const WRITER = DEFAULT_USERS.find((u) => u.group === 'full')!;
let server: RouterOsServer;
let host: ChildProcess;
let client: Client;
let hostErrors = '';
let plan: RouterPlan;

function call(method: string, type: string, fields: Record<string, unknown>): Promise<Reply> {
  const req = new messages[type]!();
  for (const [k, v] of Object.entries(fields)) {
    const setter = req[`set${k}`] as (x: unknown) => void;
    setter.call(req, typeof v === 'object' && v !== null ? structs.Struct.fromJavaScript(v) : v);
  }
  return new Promise((resolve, reject) =>
    client[method]!(req, (err, resp) =>
      err ? reject(new Error(`${method}: ${err.message}\n${hostErrors}`)) : resolve(resp),
    ),
  );
}

const js = (s: unknown): Record<string, unknown> => (s as Struct).toJavaScript();

function inputsOf(o: DesiredObject, connection: RouterConnection): Record<string, unknown> {
  const props = Object.fromEntries(
    Object.entries(o.props).map(([k, v]) => [k, v.replace(/\{\{secret:[^}]+\}\}/g, 'test-secret-value')]),
  );
  return {
    connection,
    menu: o.menu,
    mode: o.mode,
    key: o.key,
    props,
    ...(o.secretProps ? { secretProps: o.secretProps } : {}),
    ...(o.atLeast ? { atLeast: o.atLeast } : {}),
  };
}

beforeAll(async () => {
  server = await startRouterOsServer({ host: '127.0.0.1', port: 0, fixture: 'blank' });
  const { decl } = await loadSchool(
    new URL('../inventory/schools/demo/school.yaml', import.meta.url).pathname,
  );
  plan = planRouter(decl, routerDevices(decl)[0]!);
  // As the engine starts it: the host prints the port it listens on.
  host = spawn(process.execPath, [HOST, '127.0.0.1:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  host.stderr?.on('data', (b: Buffer) => (hostErrors += b.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: host.stdout! }).once('line', resolve);
    host.once('exit', (code) => reject(new Error(`provider host exited (${code}): ${hostErrors}`)));
  });
  client = new services.ResourceProviderClient(`127.0.0.1:${port.trim()}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  if (host && host.exitCode === null) {
    const exited = new Promise((r) => host.once('exit', r));
    host.kill('SIGTERM');
    await exited;
  }
  await server?.close();
});

describe("the providers, serialized, in the SDK's own provider host", () => {
  test('the menu-object provider: Check, Create, Read, Diff, Update, Delete over gRPC', async () => {
    const text = (
      await pulumi.runtime.serializeFunction(() => routerOsObjectProvider, { allowSecrets: true })
    ).text;
    const connection: RouterConnection = {
      device: 'core-router',
      host: '127.0.0.1',
      port: server.port,
      user: WRITER.name,
      password: WRITER.password,
      timeoutMs: 5000,
    };
    const urn = (role: string) =>
      `urn:pulumi:demo::schoolnet::pulumi-nodejs:dynamic/routeros:MenuObject::demo-core-router-${role}`;
    const created = new Map<string, { id: string; props: Record<string, unknown> }>();
    for (const role of ['bridge', 'vlan-STAFF-interface']) {
      const o = plan.objects.find((x) => x.role === role)!;
      const news = { ...inputsOf(o, connection), __provider: text };
      const checked = await call('check', 'CheckRequest', { Urn: urn(role), Olds: {}, News: news });
      expect(checked.getFailuresList()).toEqual([]);
      const inputs = js(checked.getInputs());
      expect(inputs.__provider).toBe(text);
      const made = await call('create', 'CreateRequest', { Urn: urn(role), Properties: inputs });
      created.set(role, { id: made.getId(), props: js(made.getProperties()) });
    }
    expect(server.config.menus['/interface/vlan']?.find((r) => r.name === 'STAFF')?.['vlan-id']).toBe('10');

    const vlan = created.get('vlan-STAFF-interface')!;
    const read = await call('read', 'ReadRequest', {
      Id: vlan.id,
      Urn: urn('vlan-STAFF-interface'),
      Properties: vlan.props,
    });
    expect(read.getId()).toBe(vlan.id);
    const state = js(read.getProperties());
    const o = plan.objects.find((x) => x.role === 'vlan-STAFF-interface')!;
    const news = { ...inputsOf(o, connection), __provider: text };
    const same = await call('diff', 'DiffRequest', {
      Id: vlan.id,
      Urn: urn('vlan-STAFF-interface'),
      Olds: state,
      News: news,
    });
    expect(same.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_NONE);

    const changed = {
      ...news,
      props: { ...(inputsOf(o, connection).props as Record<string, string>), 'vlan-id': '12' },
    };
    const differs = await call('diff', 'DiffRequest', {
      Id: vlan.id,
      Urn: urn('vlan-STAFF-interface'),
      Olds: state,
      News: changed,
    });
    expect(differs.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_SOME);
    await call('update', 'UpdateRequest', {
      Id: vlan.id,
      Urn: urn('vlan-STAFF-interface'),
      Olds: state,
      News: changed,
    });
    expect(server.config.menus['/interface/vlan']?.find((r) => r.name === 'STAFF')?.['vlan-id']).toBe('12');

    for (const role of ['vlan-STAFF-interface', 'bridge']) {
      const c = created.get(role)!;
      await call('delete', 'DeleteRequest', { Id: c.id, Urn: urn(role), Properties: c.props });
    }
    expect(server.config.menus['/interface/vlan']).toEqual([]);
    expect(server.config.menus['/interface/bridge']).toEqual([]);
  });

  test('the firewall-rules provider: Check, Create, Read, Diff, Delete over gRPC', async () => {
    const text = (
      await pulumi.runtime.serializeFunction(() => routerOsFirewallProvider, { allowSecrets: true })
    ).text;
    const connection: RouterConnection = {
      device: 'core-router',
      host: '127.0.0.1',
      port: server.port,
      user: WRITER.name,
      password: WRITER.password,
      timeoutMs: 5000,
    };
    const urn =
      'urn:pulumi:demo::schoolnet::pulumi-nodejs:dynamic/routeros:FirewallRules::demo-core-router-firewall';
    // Rules that name no VLAN interface (the blank router has none): state tracking, the WAN, the drops.
    const rules = plan.firewall.filter((r) =>
      [r.props['in-interface'], r.props['out-interface']].every((i) => i === undefined || i === 'ether1'),
    );
    expect(rules.length).toBeGreaterThanOrEqual(6);
    const news = { connection, rules, __provider: text };
    const checked = await call('check', 'CheckRequest', { Urn: urn, Olds: {}, News: news });
    expect(checked.getFailuresList()).toEqual([]);
    const made = await call('create', 'CreateRequest', { Urn: urn, Properties: js(checked.getInputs()) });
    expect(server.config.menus['/ip/firewall/filter']?.map((r) => r.comment)).toEqual(
      rules.map((r) => r.comment),
    );

    const read = await call('read', 'ReadRequest', {
      Id: made.getId(),
      Urn: urn,
      Properties: js(made.getProperties()),
    });
    const diff = await call('diff', 'DiffRequest', {
      Id: made.getId(),
      Urn: urn,
      Olds: js(read.getProperties()),
      News: news,
    });
    expect(diff.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_NONE);
    await call('delete', 'DeleteRequest', {
      Id: made.getId(),
      Urn: urn,
      Properties: js(read.getProperties()),
    });
    expect(server.config.menus['/ip/firewall/filter']).toEqual([]);
  });
});

describe("the directory providers, serialized, in the SDK's own provider host (slapd)", () => {
  const RUN = `${process.pid}-${Date.now() % 100000}`;
  let d: TestbedDirectory;
  let connection: DirectoryConnectionInputs;
  let w: DirectoryWriter;
  let root: string;
  let ous: ScratchTree['ous'];
  beforeAll(async () => {
    const tb = inject('testbed');
    if (!tb) throw new Error('no testbed was provided: run through vitest with test/support/global-setup.ts');
    const found = (await testbedDirectories(tb)).openldap;
    if (!found) throw new Error('the testbed slapd is not running');
    d = found;
    connection = adminConnection(d);
    w = await openDirectoryWriter(d.admin);
    const tree = scratchTree(d, `ProviderHost-${RUN}`);
    root = tree.root;
    ous = tree.ous;
    await addTree(w, tree);
  });
  afterAll(async () => {
    if (!w) return;
    await removeTree(w, root);
    await w.close();
  });

  const exists = async (dn: string): Promise<boolean> => {
    try {
      return (await w.search({ base: dn, scope: 'base', attributes: ['1.1'], pageSize: 0 })).length > 0;
    } catch (e) {
      if ((e as { code?: string }).code === 'E-NOTFOUND') return false;
      throw e;
    }
  };

  test('the password-policy provider: Check, Create, Read, Diff, Update, Delete over gRPC', async () => {
    const text = (
      await pulumi.runtime.serializeFunction(() => directoryPasswordPolicyProvider, { allowSecrets: true })
    ).text;
    const urn =
      'urn:pulumi:demo::schoolnet::pulumi-nodejs:dynamic/schoolnet:DirectoryPasswordPolicy::demo-directory-policy-host';
    const dn = childDn('cn', 'host-policy', root);
    const inputs: PasswordPolicyInputs = {
      connection,
      target: 'ppolicy',
      dn,
      policy: {
        minLength: 12,
        complexity: true,
        historyLength: 10,
        maxAgeDays: 0,
        minAgeDays: 1,
        lockoutThreshold: 8,
        lockoutDurationMinutes: 15,
        lockoutWindowMinutes: 5,
      },
    };
    const news = { ...inputs, __provider: text };
    const bad = await call('check', 'CheckRequest', {
      Urn: urn,
      Olds: {},
      News: { ...news, policy: { ...inputs.policy, minLength: 0 } },
    });
    expect(bad.getFailuresList()).toHaveLength(1);
    const checked = await call('check', 'CheckRequest', { Urn: urn, Olds: {}, News: news });
    expect(checked.getFailuresList()).toEqual([]);
    const made = await call('create', 'CreateRequest', { Urn: urn, Properties: js(checked.getInputs()) });
    expect(made.getId()).toBe(`ppolicy:${dn}`);
    const [entry] = await w.search({ base: dn, scope: 'base', attributes: ['pwdMinLength'], pageSize: 0 });
    expect(entry && attr(entry, 'pwdMinLength')).toBe('12');

    const read = await call('read', 'ReadRequest', {
      Id: made.getId(),
      Urn: urn,
      Properties: js(made.getProperties()),
    });
    expect(js(read.getProperties())).toMatchObject({ policy: inputs.policy, created: true });
    const same = await call('diff', 'DiffRequest', {
      Id: made.getId(),
      Urn: urn,
      Olds: js(read.getProperties()),
      News: news,
    });
    expect(same.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_NONE);
    const changed = { ...news, policy: { ...inputs.policy, minLength: 14 } };
    const differs = await call('diff', 'DiffRequest', {
      Id: made.getId(),
      Urn: urn,
      Olds: js(read.getProperties()),
      News: changed,
    });
    expect(differs.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_SOME);
    const updated = await call('update', 'UpdateRequest', {
      Id: made.getId(),
      Urn: urn,
      Olds: js(read.getProperties()),
      News: changed,
    });
    const [after] = await w.search({ base: dn, scope: 'base', attributes: ['pwdMinLength'], pageSize: 0 });
    expect(after && attr(after, 'pwdMinLength')).toBe('14');
    // schoolnet created the entry, so deleting the resource removes it.
    await call('delete', 'DeleteRequest', {
      Id: made.getId(),
      Urn: urn,
      Properties: js(updated.getProperties()),
    });
    expect(await exists(dn)).toBe(false);
  });

  test('the account-lifecycle provider: Check, Create, Read, Diff, Update (leaver), Delete over gRPC', async () => {
    const text = (
      await pulumi.runtime.serializeFunction(() => directoryAccountLifecycleProvider, { allowSecrets: true })
    ).text;
    const urn =
      'urn:pulumi:demo::schoolnet::pulumi-nodejs:dynamic/schoolnet:DirectoryAccountLifecycle::demo-directory-account-ivy.host';
    const inputs: AccountLifecycleInputs = {
      connection,
      ous,
      username: 'ivy.host',
      givenName: 'Ivy',
      surname: 'Host',
      mail: 'ivy.host@school.test',
      role: 'pupils',
      leaver: false,
      aupSigned: '2026-09-03',
      requireAup: true,
      leaverAction: 'disable-and-move',
    };
    const news = { ...inputs, __provider: text };
    const lookup = async () =>
      (
        await w.search({
          base: root,
          filter: eq('uid', 'ivy.host'),
          attributes: ['pwdAccountLockedTime'],
        })
      )[0];

    const checked = await call('check', 'CheckRequest', { Urn: urn, Olds: {}, News: news });
    expect(checked.getFailuresList()).toEqual([]);
    const made = await call('create', 'CreateRequest', { Urn: urn, Properties: js(checked.getInputs()) });
    expect(js(made.getProperties())).toMatchObject({
      exists: true,
      created: true,
      enabled: true,
      ou: 'pupils',
    });
    expect((await lookup())?.dn).toBe(childDn('uid', 'ivy.host', inputs.ous.pupils));

    const read = await call('read', 'ReadRequest', {
      Id: made.getId(),
      Urn: urn,
      Properties: js(made.getProperties()),
    });
    const same = await call('diff', 'DiffRequest', {
      Id: made.getId(),
      Urn: urn,
      Olds: js(read.getProperties()),
      News: news,
    });
    expect(same.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_NONE);

    const leaving = { ...news, leaver: true };
    const differs = await call('diff', 'DiffRequest', {
      Id: made.getId(),
      Urn: urn,
      Olds: js(read.getProperties()),
      News: leaving,
    });
    expect(differs.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_SOME);
    const updated = await call('update', 'UpdateRequest', {
      Id: made.getId(),
      Urn: urn,
      Olds: js(read.getProperties()),
      News: leaving,
    });
    expect(js(updated.getProperties())).toMatchObject({ enabled: false, ou: 'leavers' });
    const gone = await lookup();
    expect(gone?.dn).toBe(childDn('uid', 'ivy.host', inputs.ous.leavers));
    expect(gone && attr(gone, 'pwdAccountLockedTime')).toBeDefined();

    // Deleting the resource only forgets the account: it stays, disabled, in the leavers OU.
    await call('delete', 'DeleteRequest', {
      Id: made.getId(),
      Urn: urn,
      Properties: js(updated.getProperties()),
    });
    expect((await lookup())?.dn).toBe(childDn('uid', 'ivy.host', inputs.ous.leavers));
  });
});
