/**
 * The Pulumi program's resource graph for every example school, built with Pulumi's mocks (no engine,
 * no router: Pulumi's own test double for the engine, the only way to run a program without a CLI).
 * The mocks are set before the program is imported. Expected counts are worked out here from the
 * declaration itself, not from the planners.
 */
import * as pulumi from '@pulumi/pulumi';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { loadSchool } from '../inventory/load.ts';
import { rosterFacts } from '../inventory/roster.ts';
import type { SchoolDeclaration } from '../inventory/types.ts';
import { planRouter, routerDevices } from '../intent/router.ts';
import type { DesiredFilterRule } from '../intent/types.ts';
import { directoryAccountLifecycleProvider } from '../stacks/providers/directory-account-lifecycle.ts';
import type { AccountLifecycleInputs } from '../stacks/providers/directory-account-ops.ts';
import type { DirectoryConnectionInputs } from '../stacks/providers/directory-connection.ts';
import { directoryPasswordPolicyProvider } from '../stacks/providers/directory-password-policy.ts';
import type { PasswordPolicyInputs } from '../stacks/providers/directory-policy-ops.ts';
import { testbedDirectories } from '../scripts/testbed/seed-directory.ts';
import type { TestbedInfo } from '../scripts/testbed/types.ts';
import { adminConnection } from './support/directory-tree.ts';
import { demoDeclarationText } from './support/testbed.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

const ROOT = new URL('..', import.meta.url).pathname;
const schools = readdirSync(join(ROOT, 'inventory/schools'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const OBJECT = 'pulumi-nodejs:dynamic/routeros:MenuObject';

/** How Pulumi marks a secret value on the wire (its `specialSigKey` / `specialSecretSig`). */
function isSecret(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as Record<string, unknown>)['4dabf18193072939515e22adb298388d'] === '1b47061264138c4ac30d75fd1eb44270'
  );
}
const FIREWALL = 'pulumi-nodejs:dynamic/routeros:FirewallRules';
const POLICY = 'pulumi-nodejs:dynamic/schoolnet:DirectoryPasswordPolicy';
const ACCOUNT = 'pulumi-nodejs:dynamic/schoolnet:DirectoryAccountLifecycle';
/** Stand-in for the directory's CA (no example school ships its CA file). */
const CA = '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n';

/** Today at the school (UK), as the program decides leavers. */
function ukToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
}

/** Run the program for one stack under mocks; every registration is recorded. */
async function runStack(
  stack: string,
  config: Record<string, string>,
): Promise<{ registered: Registered[]; outputs?: unknown; error?: Error }> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: args.custom ? `${args.name}-id` : undefined, state: { ...args.inputs } };
      },
      call: (args) => args.inputs,
    },
    'schoolnet',
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`schoolnet:${k}`, v])),
    ['schoolnet:routerPassword', 'schoolnet:secrets', 'schoolnet:directoryPassword'],
  );
  const { default: main } = await import('../stacks/index.ts');
  try {
    const outputs = await main();
    await pulumi.runtime.disconnect();
    return { registered, outputs };
  } catch (e) {
    await pulumi.runtime.disconnect();
    return { registered, error: e as Error };
  }
}

/** Every secret reference the school's routers need, with a stand-in value. */
function secretsFor(decl: SchoolDeclaration): Record<string, string> {
  const refs = routerDevices(decl).flatMap((d) => planRouter(decl, d).secrets.map((s) => s.ref));
  return Object.fromEntries(refs.map((r, i) => [r, `stand-in-secret-${i}`]));
}

/** How many router objects the declaration implies, counted from the declaration alone. */
function expectedObjectCount(decl: SchoolDeclaration, device: SchoolDeclaration['devices'][number]): number {
  const legacy = device.wifiPackage === 'wireless';
  const tls = device.tls?.enabled === true;
  const networks = decl.networks.length * 3 + decl.networks.filter((n) => n.dhcp).length * 3;
  const wifi = decl.wifi.length * (legacy ? 3 : 2);
  const services = tls ? 4 + 4 : 3 + 5;
  const snmp = 2 + (device.snmp?.version === '3' ? 1 : 0);
  // The bridge, then (last) its VLAN filtering and its frame types: three objects on one bridge.
  const bridge = 3;
  return (
    bridge + networks + wifi + (device.ports?.length ?? 0) + (decl.radius?.length ?? 0) + services + snmp + 1
  );
}

describe('the Pulumi program under mocks', () => {
  test.each(schools)('%s: builds the SchoolNetwork with the expected resources', async (school) => {
    const loaded = await loadSchool(join(ROOT, `inventory/schools/${school}/school.yaml`));
    const { decl } = loaded;
    const { registered, error, outputs } = await runStack(school, {
      declaration: `inventory/schools/${school}/school.yaml`,
      routerUser: 'schoolnet-provisioner',
      routerPassword: 'stand-in-router-password',
      secrets: JSON.stringify(secretsFor(decl)),
      directoryPassword: 'stand-in-directory-password',
      directoryCa: CA,
    });
    expect(error).toBeUndefined();
    const byType = (t: string) => registered.filter((r) => r.type === t);
    const id = decl.school.id;
    const routers = routerDevices(decl);

    expect(byType('schoolnet:network:SchoolNetwork').map((r) => r.name)).toEqual([id]);
    expect(
      byType('schoolnet:network:Router')
        .map((r) => r.name)
        .sort(),
    ).toEqual(routers.map((d) => `${id}-${d.name}`).sort());
    expect(byType('schoolnet:network:Vlan')).toHaveLength(decl.networks.length * routers.length);
    expect(byType('schoolnet:network:Wifi')).toHaveLength(decl.wifi.length * routers.length);
    expect(byType('schoolnet:network:Hardening')).toHaveLength(routers.length);
    expect(byType(FIREWALL)).toHaveLength(routers.length);
    const objects = byType(OBJECT);
    expect(objects).toHaveLength(routers.reduce((n, d) => n + expectedObjectCount(decl, d), 0));
    expect(
      registered.filter(
        (r) =>
          ![OBJECT, FIREWALL, POLICY, ACCOUNT, 'schoolnet:directory:SchoolDirectory'].includes(r.type) &&
          !r.type.startsWith('schoolnet:network:'),
      ),
    ).toEqual([]);

    for (const device of routers) {
      const prefix = `${id}-${device.name}`;
      const named = (role: string) => objects.find((o) => o.name === `${prefix}-${role}`);
      // Every dynamic resource carries its provider, serialized: the engine's provider host runs that text.
      for (const o of [...objects, ...byType(FIREWALL)])
        expect(String(o.inputs.__provider)).toContain('exports.handler');
      // The router password travels only as a secret; so do properties holding a RADIUS secret or a passphrase.
      for (const o of [...objects, ...byType(FIREWALL)])
        expect(isSecret(o.inputs.connection), o.name).toBe(true);
      for (const o of objects)
        expect(isSecret(o.inputs.props), o.name).toBe(o.inputs.secretProps !== undefined);
      expect(objects.filter((o) => o.inputs.menu === '/radius').every((o) => isSecret(o.inputs.props))).toBe(
        true,
      );
      expect(named('bridge')?.inputs).toMatchObject({
        menu: '/interface/bridge',
        key: { name: device.bridge ?? 'bridge1' },
      });
      for (const n of decl.networks) {
        expect(named(`vlan-${n.name}-interface`)?.inputs).toMatchObject({
          menu: '/interface/vlan',
          mode: 'owned',
          key: { name: n.name },
          props: { 'vlan-id': String(n.vlan) },
        });
        expect(named(`vlan-${n.name}-bridge`)?.inputs).toMatchObject({
          menu: '/interface/bridge/vlan',
          key: { 'vlan-ids': String(n.vlan) },
        });
        if (n.dhcp)
          expect(named(`vlan-${n.name}-dhcp-network`)?.inputs).toMatchObject({
            key: { address: n.subnet },
            props: { 'dns-server': n.dns.join(',') },
          });
      }
      expect(named('user-admin')?.inputs).toMatchObject({
        menu: '/user',
        mode: 'absent',
        key: { name: 'admin' },
      });
      expect(named('service-telnet')?.inputs).toMatchObject({
        menu: '/ip/service',
        mode: 'existing',
        props: { disabled: 'yes' },
      });
      const wifiMenu = device.wifiPackage === 'wireless' ? '/interface/wireless' : '/interface/wifi';
      expect(objects.filter((o) => o.name.startsWith(prefix) && o.inputs.menu === wifiMenu)).toHaveLength(
        decl.wifi.length,
      );

      const fw = byType(FIREWALL).find((f) => f.name === `${prefix}-firewall`)!;
      const rules = fw.inputs.rules as DesiredFilterRule[];
      expect(rules[0]).toMatchObject({
        chain: 'forward',
        action: 'accept',
        props: { 'connection-state': 'established,related' },
      });
      expect(rules.slice(-2).map((r) => r.id)).toEqual(['fwd-default-drop', 'in-default-drop']);
      for (const r of rules) expect(r.comment.startsWith(`schoolnet:${r.id}`)).toBe(true);
      // Each declared allow shows up as at least one accept from that zone's interface.
      for (const zr of decl.zones.rules) {
        const froms = decl.networks.filter((n) => n.role === zr.from).map((n) => n.name);
        expect(
          rules.some(
            (r) =>
              r.action === (zr.action === 'allow' ? 'accept' : 'drop') &&
              froms.includes(r.props['in-interface'] ?? ''),
          ),
        ).toBe(true);
      }
    }
    expect(outputs).toMatchObject({ school: id });

    // The directory: the default policy, each fine-grained one, and one account per roster person.
    const dir = decl.directory;
    expect(byType('schoolnet:directory:SchoolDirectory').map((r) => r.name)).toEqual(
      dir ? [`${id}-directory`] : [],
    );
    if (!dir) return;
    const policies = byType(POLICY);
    const fgpp = dir.fineGrainedPolicies ?? [];
    expect(policies).toHaveLength(1 + fgpp.length);
    const dflt = policies.find((p) => p.name === `${id}-directory-policy-default`);
    expect(dflt?.inputs).toMatchObject(
      dir.kind === 'ad'
        ? { target: 'ad-domain', policy: { minLength: dir.passwordPolicy.minLength } }
        : { target: 'ppolicy', dn: `cn=default,ou=policies,${dir.baseDn}` },
    );
    for (const f of fgpp)
      expect(
        policies.find(
          (p) => p.inputs.name === f.name || p.inputs.dn === `cn=${f.name},ou=policies,${dir.baseDn}`,
        )?.inputs,
      ).toMatchObject({
        target: dir.kind === 'ad' ? 'ad-fgpp' : 'ppolicy',
        policy: { minLength: f.minLength, lockoutThreshold: f.lockoutThreshold },
        ...(dir.kind === 'ad' ? { precedence: f.precedence, appliesTo: f.appliesTo } : {}),
      });

    const accounts = byType(ACCOUNT);
    const life = decl.lifecycle;
    const people = life ? (await rosterFacts(loaded)).people : [];
    // Only a row with no account is left to the audit (the demo's deliberate row without one).
    const named = people.filter((p) => (p.account ?? '').trim() !== '');
    expect(accounts).toHaveLength(named.length);
    const today = ukToday();
    for (const p of named) {
      const username = p.account!.split('@')[0]!;
      const a = accounts.find((x) => x.name === `${id}-directory-account-${username.toLowerCase()}`);
      expect(a?.inputs, `roster line ${p.line}`).toMatchObject({
        username,
        givenName: p.givenName,
        surname: p.surname,
        role: /pupil/i.test(p.role) ? 'pupils' : 'staff',
        leaver: p.leavingDate !== undefined && p.leavingDate <= today,
        requireAup: life?.requireAup,
        leaverAction: life?.leavers.action,
        ous: { staff: dir.ous.staff, pupils: dir.ous.pupils, leavers: dir.ous.leavers },
      });
    }
    // The bind password travels only inside the secret connection; the provider goes with each resource.
    for (const r of [...policies, ...accounts]) {
      expect(isSecret(r.inputs.connection), r.name).toBe(true);
      expect(String(r.inputs.__provider)).toContain('exports.handler');
      expect(JSON.stringify(r.inputs)).toContain('stand-in-directory-password');
    }
    expect(JSON.stringify(outputs)).not.toContain('stand-in-directory-password');
    expect(outputs).toMatchObject({
      directory: {
        asOf: today,
        managed: {
          policies: 1 + fgpp.length,
          accounts: named.length,
          leavers: named.filter((p) => p.leavingDate !== undefined && p.leavingDate <= today).length,
        },
      },
    });
    const bindDn = (outputs as { directory: { bindDn: pulumi.Output<string> } }).directory.bindDn;
    expect(await pulumi.isSecret(bindDn)).toBe(true);
  });

  test('refuses an invalid declaration before declaring any resource', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sn-stack-'));
    const text = (await readFile(join(ROOT, 'inventory/schools/demo/school.yaml'), 'utf8')).replace(
      'vlan: 20',
      'vlan: 5000',
    );
    await writeFile(join(dir, 'school.yaml'), text);
    const { registered, error } = await runStack('broken', {
      declaration: join(dir, 'school.yaml'),
      routerUser: 'provisioner',
      routerPassword: 'x',
    });
    expect(error?.message).toMatch(/school\.yaml:\d+:\d+: \/networks\/1\/vlan/);
    expect(registered).toEqual([]);
  });

  test('refuses to run when a secret the plan needs cannot be resolved, before any resource', async () => {
    const { decl } = await loadSchool(join(ROOT, 'inventory/schools/croft-prep/school.yaml'));
    const envRefs = Object.keys(secretsFor(decl)).filter((r) => r.startsWith('env:'));
    expect(envRefs.length).toBeGreaterThan(0);
    for (const r of envRefs) delete process.env[r.slice(4)];
    const { registered, error } = await runStack('croft-prep', {
      declaration: 'inventory/schools/croft-prep/school.yaml',
      routerUser: 'schoolnet-provisioner',
      routerPassword: 'x',
    });
    for (const r of envRefs) expect(error?.message).toContain(r);
    expect(registered).toEqual([]);
  });

  test('refuses to log in as the default admin user it would remove', async () => {
    const { decl } = await loadSchool(join(ROOT, 'inventory/schools/demo/school.yaml'));
    const { registered, error } = await runStack('demo', {
      declaration: 'inventory/schools/demo/school.yaml',
      routerUser: 'admin',
      routerPassword: 'x',
      secrets: JSON.stringify(secretsFor(decl)),
    });
    expect(error?.message).toMatch(/cannot log in as admin/);
    expect(registered).toEqual([]);
  });
});

describe('the Pulumi program and the directory', () => {
  const HEADER = '\uFEFFSchool Email,Legal Forename,Legal Surname,Role,Date of Leaving,Start Date,AUP Signed';

  /** The demo school in a scratch folder, with its roster replaced by `rows`. */
  async function demoWith(rows: string[]): Promise<{ file: string; config: Record<string, string> }> {
    const dir = await mkdtemp(join(tmpdir(), 'sn-stack-dir-'));
    await cp(join(ROOT, 'inventory/schools/demo'), dir, { recursive: true });
    await writeFile(join(dir, 'roster.csv'), [HEADER, ...rows].join('\r\n') + '\r\n');
    const file = join(dir, 'school.yaml');
    await writeFile(file, await demoDeclarationText());
    const { decl } = await loadSchool(file);
    return {
      file,
      config: {
        declaration: file,
        routerUser: 'provisioner',
        routerPassword: 'x',
        secrets: JSON.stringify(secretsFor(decl)),
        directoryBindDn: 'CN=schoolnet-writer,CN=Users,DC=school,DC=test',
        directoryPassword: 'stand-in-directory-password',
        directoryCa: CA,
      },
    };
  }

  const shift = (days: number): string => {
    const [y, m, d] = ukToday().split('-').map(Number) as [number, number, number];
    return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
  };

  test('a leaver is whoever left on or before the run date; the bind DN from config is used', async () => {
    const { config } = await demoWith([
      `ada.left@school.test,Ada,Left,Staff,${shift(-1)},2019-09-01,2025-09-01`,
      `bea.today@school.test,Bea,Today,Pupil,${shift(0)},2019-09-01,2025-09-01`,
      `cal.later@school.test,Cal,Later,Pupil,${shift(1)},2019-09-01,2025-09-01`,
      `dee.stays@school.test,Dee,Stays,Staff,,2019-09-01,`,
    ]);
    const { registered, error } = await runStack('demo', config);
    expect(error).toBeUndefined();
    const leaver = (u: string) =>
      registered.find((r) => r.type === ACCOUNT && r.name === `demo-directory-account-${u}`)?.inputs.leaver;
    expect([leaver('ada.left'), leaver('bea.today'), leaver('cal.later'), leaver('dee.stays')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    const dee = registered.find((r) => r.name === 'demo-directory-account-dee.stays')!;
    expect(dee.inputs).toMatchObject({ role: 'staff', mail: 'dee.stays@school.test' });
    expect(dee.inputs.aupSigned).toBeUndefined();
    expect(JSON.stringify(dee.inputs.connection)).toContain('CN=schoolnet-writer,CN=Users,DC=school,DC=test');
  });

  test('a roster that cannot be read stops the run before any resource, naming each bad line', async () => {
    const { config, file } = await demoWith([
      'ada.one@school.test,Ada,One,Staff,31/02/2026,2019-09-01,2025-09-01',
      'bea.two@school.test,Bea,Two,Pupil,,2019-09-01,2025-09-01',
      'cal.three@school.test,Cal,Three,Pupil,,3/4/25,2025-09-01',
    ]);
    const { registered, error } = await runStack('demo', config);
    expect(error?.message).toContain(file);
    expect(error?.message).toMatch(/roster\.csv:2: Date of Leaving: .*31\/02\/2026/);
    expect(error?.message).toMatch(/roster\.csv:4: Start Date: .*3\/4\/25/);
    expect(registered).toEqual([]);
  });

  test('the 802.1X canaries are two managed accounts: staff enabled, leaver kept disabled, passwords secret', async () => {
    const { config, file } = await demoWith([`dee.stays@school.test,Dee,Stays,Staff,,2019-09-01,`]);
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        '  staleAfterDays: 90\n',
        '  staleAfterDays: 90\n  canaries:\n    staff: { account: wifi.canary, password: file:canary-staff }\n    leaver: { account: wifi.canary.left, password: file:canary-leaver }\n',
      ),
    );
    const secrets = {
      ...JSON.parse(config.secrets!),
      'file:canary-staff': 'stand-in-canary-staff',
      'file:canary-leaver': 'stand-in-canary-leaver',
    };
    const { registered, outputs, error } = await runStack('demo', {
      ...config,
      secrets: JSON.stringify(secrets),
    });
    expect(error).toBeUndefined();
    const canary = (k: string) =>
      registered.find((r) => r.type === ACCOUNT && r.name === `demo-directory-canary-${k}`);
    expect(canary('staff')?.inputs).toMatchObject({
      username: 'wifi.canary',
      role: 'staff',
      leaver: false,
      requireAup: false,
    });
    expect(canary('leaver')?.inputs).toMatchObject({
      username: 'wifi.canary.left',
      role: 'staff',
      leaver: true,
      leaverAction: 'disable-and-move',
    });
    for (const k of ['staff', 'leaver']) {
      expect(isSecret(canary(k)?.inputs.canaryPassword), k).toBe(true);
      expect(JSON.stringify(canary(k)?.inputs.canaryPassword)).toContain(`stand-in-canary-${k}`);
    }
    expect(JSON.stringify(outputs)).not.toMatch(/stand-in-canary/);
    // Without the passwords the run stops before any resource, naming the reference.
    const missing = await runStack('demo', config);
    expect(missing.error?.message).toMatch(/lifecycle\.canaries\.staff\.password \(file:canary-staff\)/);
    expect(missing.registered).toEqual([]);
  });

  test('rows that name no usable account (a shared name, a bad e-mail) stop the run before any resource', async () => {
    const { config } = await demoWith([
      'ada.one@school.test,Ada,One,Staff,,2019-09-01,2025-09-01',
      'ADA.ONE@staff.school.test,Ada,One,Staff,,2019-09-01,2025-09-01',
      'bea@two@school.test,Bea,Two,Pupil,,2019-09-01,2025-09-01',
      'a.name.far.too.long.for.ad@school.test,Cal,Three,Pupil,,2019-09-01,2025-09-01',
    ]);
    const { registered, error } = await runStack('demo', config);
    expect(error?.message).toContain('roster.csv:3: account ADA.ONE is also on line 2');
    expect(error?.message).toContain(
      'roster.csv:4: "bea@two@school.test" is not an e-mail address or userPrincipalName',
    );
    expect(error?.message).toContain('roster.csv:5: account name "a.name.far.too.long.for.ad" is not valid');
    expect(registered).toEqual([]);
  });

  test('a bind DN without its password, or a CA file that is missing, stops the run before any resource', async () => {
    const { config } = await demoWith(['ada.one@school.test,Ada,One,Staff,,2019-09-01,2025-09-01']);
    const { directoryPassword: _p, directoryCa: _c, ...rest } = config;
    const { registered, error } = await runStack('demo', {
      ...rest,
      // The scratch copy's relative CA path points nowhere.
    });
    expect(error?.message).toContain(
      'no password for CN=schoolnet-writer,CN=Users,DC=school,DC=test: run `pulumi config set --secret schoolnet:directoryPassword <password>`',
    );
    expect(error?.message).toMatch(/directory\.tls\.ca: cannot read .*ca\.pem \(ENOENT\)/);
    expect(registered).toEqual([]);
  });

  test("the demo's declared directory resources pass the providers' checks against the testbed's Samba", async () => {
    const tb = inject('testbed');
    if (!tb) throw new Error('no testbed was provided: run through vitest with test/support/global-setup.ts');
    const samba = (await testbedDirectories(tb)).ad;
    if (!samba) throw new Error('the testbed Samba is not running');
    const { decl } = await loadSchool(join(ROOT, 'inventory/schools/demo/school.yaml'));
    const { registered, error } = await runStack('demo', {
      declaration: 'inventory/schools/demo/school.yaml',
      routerUser: 'provisioner',
      routerPassword: 'x',
      secrets: JSON.stringify(secretsFor(decl)),
      directoryPassword: 'stand-in-directory-password',
      directoryCa: CA,
    });
    expect(error).toBeUndefined();
    // The same directory, reached on this run's address: only the connection differs from what was declared.
    const connection: DirectoryConnectionInputs = adminConnection(samba);
    const plain = (r: Registered) => {
      const { connection: _c, __provider: _p, ...rest } = r.inputs;
      return { ...rest, connection };
    };
    const policy = registered.find((r) => r.type === POLICY)!;
    const checked = await directoryPasswordPolicyProvider.check!(
      undefined as never,
      plain(policy) as unknown as PasswordPolicyInputs,
    );
    expect(checked.failures).toEqual([]);
    const accounts = registered.filter((r) => r.type === ACCOUNT);
    // One staff member, one pupil, one leaver: the OUs, role and leaver inputs as the provider wants them.
    const sample = [
      accounts.find((a) => a.inputs.role === 'staff' && a.inputs.leaver === false),
      accounts.find((a) => a.inputs.role === 'pupils' && a.inputs.leaver === false),
      accounts.find((a) => a.inputs.leaver === true),
    ];
    for (const a of sample) {
      expect(a).toBeDefined();
      const r = await directoryAccountLifecycleProvider.check!(
        undefined as never,
        plain(a!) as unknown as AccountLifecycleInputs,
      );
      expect(r.failures, a!.name).toEqual([]);
    }
  });
});
