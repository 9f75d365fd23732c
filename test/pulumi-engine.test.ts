/**
 * The demo school's stack under the REAL Pulumi engine (scripts/pulumi/engine.sh: the CLI built from
 * github.com/pulumi/pulumi/pkg/v3 at the pinned SDK's version, or an installed one of that version), on a
 * file backend in a private PULUMI_HOME, with the passphrase secrets provider, as a user runs it:
 * `stack init`, `config set --secret`, `preview`, `up`, `refresh`, `destroy`.
 *
 * The router is the RouterOS API test server (test/support/routeros, the one the testbed runs, proven
 * against python3-librouteros), started here on a free port from the `blank` fixture (RouterOS 7.16.2,
 * so the Wi-Fi menus exist) plus a bridge made by hand (adopted) and a firewall rule made by hand
 * (unmanaged), so its log of writes can be counted. The project is copied into a temporary checkout
 * (compiled program in dist/, the demo declaration pointed at that server), and later moved to another
 * folder with the first one removed: refresh and destroy must still work from the state it wrote.
 *
 * The directory part (the domain password policy, a fine-grained policy added for this test, and one
 * account per roster person, two joiners added to the roster copy) is applied to a PRIVATE Samba AD DC
 * started here (scripts/testbed with only `samba`: a copy of the cached provision, seeded with the demo
 * school's directory), so the shared testbed's directory other tests read is never rewritten. The demo
 * declares an Active Directory, so the private directory is Samba, not slapd. What the engine wrote is
 * read back with ldapsearch (OpenLDAP's client, not ours); the directory's highestCommittedUSN (it
 * grows with every write, and binds and searches leave it alone) counts its writes.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import type { FleetPreview } from '../scripts/pulumi/fleet.ts';
import { startTestbed, type Testbed } from '../scripts/testbed/index.ts';
import { engineEnvironment, ROOT, runPulumi, type EngineRun } from './support/pulumi-engine.ts';
import {
  loadRouterFixture,
  startRouterOsServer,
  type RouterOsServer,
  type Row,
} from './support/routeros/server.ts';
import { ldapSearch, ldapModify, type LdifEntry } from './support/ldap-cli.ts';

const ROUTER_PASSWORD = 'provisioner-test-password';
// Test-only secrets; none may appear in plain text in the state or the engine's output.
const RADIUS_SECRET = 'engine-e2e-radius-5f1c0b';
const GUEST_PSK = 'engine-e2e-guest-psk-9a77d2';
const RADIUS_REF = 'file:../../../.schoolnet/testbed/secrets/radius-secret';
const PSK_REF = 'file:../../../.schoolnet/testbed/secrets/guest-psk';
const HAND_RULE = 'made by hand: ping from the office';
const BASE_DN = 'DC=school,DC=test';
// Joiners added to the roster copy (fictional): one with the acceptable-use date, one without it.
const JOINERS = [
  'wren.fairbairn@school.test,Wren,Fairbairn,Pupil,,01/09/2026,03/09/2026',
  'ossian.quell@school.test,Ossian,Quell,Staff,,01/12/2026,',
];
const FGPP = 'Staff accounts';

let samba: Testbed;
let directory: { url: string; ca: string; bindDn: string; password: string; passwordFile: string };

let server: RouterOsServer;
let base: string;
let checkout: string;
let env: Record<string, string>;
const outputs: string[] = [];

/** `pulumi <args>` on the demo stack, named on every command (the fleet preview selects other stacks). */
async function pulumi(args: string[], cwd = checkout): Promise<EngineRun> {
  const onStack =
    ['preview', 'up', 'refresh', 'destroy', 'config'].includes(args[0]!) || args[1] === 'export';
  const run = await runPulumi(onStack ? [...args, '--stack', 'demo'] : args, cwd, env);
  outputs.push(run.stdout, run.stderr);
  return run;
}

/** The schoolnet CLI, run as a user runs it, with this test's engine environment. */
function schoolnet(args: string[]): Promise<EngineRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'scripts/cli.ts'), ...args],
      {
        cwd: ROOT,
        // The checkout's demo keeps its testbed secrets in its own project folder: allow-listed as an
        // operator allow-lists a secrets directory (inventory/confine.ts), since this CLI is another checkout's.
        env: {
          ...process.env,
          ...env,
          SCHOOLNET_SECRETS_DIR: [
            process.env['SCHOOLNET_SECRETS_DIR'],
            join(checkout, '.schoolnet', 'testbed'),
          ]
            .filter(Boolean)
            .join(':'),
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 600_000,
      },
      (err, stdout, stderr) => {
        outputs.push(stdout, stderr);
        done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

function ok(run: EngineRun): EngineRun {
  if (run.code !== 0) throw new Error(`pulumi exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** ldapsearch on this run's private directory, as its Administrator. */
function search(base: string, filter: string, attrs: string[], scope = 'sub'): LdifEntry[] {
  return ldapSearch(directory, base, filter, attrs, scope);
}

/** The directory's write counter. */
function usn(): number {
  return Number(
    search('', '(objectClass=*)', ['highestCommittedUSN'], 'base')[0]?.attrs['highestCommittedUSN']?.[0],
  );
}

function account(username: string): LdifEntry | undefined {
  return search(BASE_DN, `(sAMAccountName=${username})`, ['userAccountControl', 'memberOf', 'employeeID'])[0];
}

const disabled = (e: LdifEntry | undefined): boolean =>
  (Number(e?.attrs['userAccountControl']?.[0]) & 2) === 2;

function domainPolicy(): Record<string, string[]> {
  return search(
    BASE_DN,
    '(objectClass=*)',
    [
      'minPwdLength',
      'pwdHistoryLength',
      'lockoutThreshold',
      'pwdProperties',
      'minPwdAge',
      'maxPwdAge',
      'lockoutDuration',
      'lockOutObservationWindow',
    ],
    'base',
  )[0]!.attrs;
}

function pso(): LdifEntry | undefined {
  return search(`CN=Password Settings Container,CN=System,${BASE_DN}`, `(cn=${FGPP})`, [
    'msDS-MinimumPasswordLength',
    'msDS-PasswordSettingsPrecedence',
    'msDS-PSOAppliesTo',
  ])[0];
}

/** Every user object: where it is, whether it is enabled, its groups. */
function users(): string[] {
  return search(BASE_DN, '(&(objectCategory=person)(objectClass=user))', [
    'userAccountControl',
    'memberOf',
    'employeeID',
  ])
    .map(
      (e) =>
        `${e.dn} ${e.attrs['userAccountControl']?.[0]} ${(e.attrs['memberOf'] ?? []).sort().join('|')} ${e.attrs['employeeID']?.[0] ?? ''}`,
    )
    .sort();
}

/** The engine's recorded outputs of one of the stack's resources, by its name. */
async function recorded(name: string, cwd = checkout): Promise<Record<string, unknown> | undefined> {
  const exported = ok(await pulumi(['stack', 'export'], cwd));
  const res =
    (
      JSON.parse(exported.stdout) as {
        deployment: { resources?: { urn: string; outputs?: Record<string, unknown> }[] };
      }
    ).deployment.resources ?? [];
  return res.find((r) => r.urn.endsWith(`::${name}`))?.outputs;
}

function rows(menu: string): Row[] {
  return server.config.menus[menu] ?? [];
}

/** The demo declaration, pointed at this run's router; `edit` changes it further. */
function writeDeclaration(dir: string, edit?: (doc: ReturnType<typeof parseDocument>) => void): void {
  const src = readFileSync(resolve(ROOT, 'inventory/schools/demo/school.yaml'), 'utf8');
  const doc = parseDocument(src);
  doc.setIn(['directory', 'url'], directory.url);
  doc.setIn(['directory', 'tls', 'ca'], 'directory-ca.pem');
  doc.setIn(
    ['directory', 'fineGrainedPolicies'],
    doc.createNode([
      {
        name: FGPP,
        precedence: 10,
        appliesTo: ['Staff'],
        minLength: 14,
        complexity: true,
        historyLength: 24,
        maxAgeDays: 0,
        lockoutThreshold: 5,
        lockoutDurationMinutes: 30,
      },
    ]),
  );
  const devices = doc.get('devices') as {
    items: { get(k: string): unknown; set(k: string, v: unknown): void }[];
  };
  const router = devices.items.find((d) => d.get('name') === 'core-router')!;
  router.set('port', server.port);
  edit?.(doc);
  writeFileSync(join(dir, 'inventory/schools/demo/school.yaml'), doc.toString());
}

/** Counts of the engine's planned steps from `preview --json`. */
function planned(run: EngineRun): Record<string, number> {
  const plan = JSON.parse(run.stdout) as { changeSummary?: Record<string, number> };
  return plan.changeSummary ?? {};
}

beforeAll(async () => {
  env = engineEnvironment();
  const fixture = loadRouterFixture('blank').config;
  fixture.menus['/interface/bridge'] = [
    { name: 'bridge1', 'vlan-filtering': 'false', disabled: 'false', comment: 'made by hand' },
  ];
  fixture.menus['/ip/firewall/filter'] = [
    { chain: 'input', action: 'accept', protocol: 'icmp', comment: HAND_RULE, disabled: 'false' },
  ];
  server = await startRouterOsServer({ host: '127.0.0.1', port: 0, fixture });
  // The private directory starts while the program compiles.
  const started = startTestbed({ mode: 'dynamic', services: ['samba'] });

  base = realpathSync(mkdtempSync(join(tmpdir(), 'schoolnet-engine-')));
  checkout = join(base, 'first', 'schoolnet');
  mkdirSync(join(checkout, 'inventory/schools'), { recursive: true });
  // The project as a checkout has it: every school's stack file and declaration.
  for (const f of readdirSync(ROOT).filter((f) => /^Pulumi\..*yaml$|^package\.json$/.test(f)))
    cpSync(join(ROOT, f), join(checkout, f));
  cpSync(join(ROOT, 'inventory/schools'), join(checkout, 'inventory/schools'), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(checkout, 'node_modules'));
  // The compiled program, as `npm run build` makes it (Pulumi.yaml: main: dist/stacks/index.js).
  await promisify(execFile)(process.execPath, [
    resolve(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    resolve(ROOT, 'tsconfig.build.json'),
    '--outDir',
    join(checkout, 'dist'),
  ]);
  samba = await started;
  const dc = samba.info.services.samba!;
  directory = {
    url: `ldaps://${dc.host}:636`,
    ca: dc.ca!,
    bindDn: `CN=Administrator,CN=Users,${BASE_DN}`,
    password: dc.password!,
    passwordFile: join(base, 'directory-password'),
  };
  // ldapsearch -y reads the whole file: no newline.
  writeFileSync(directory.passwordFile, directory.password, { mode: 0o600 });
  const school = join(checkout, 'inventory/schools/demo');
  cpSync(directory.ca, join(school, 'directory-ca.pem'));
  const roster = readFileSync(join(school, 'roster.csv'), 'utf8');
  writeFileSync(join(school, 'roster.csv'), `${roster}${JOINERS.join('\r\n')}\r\n`);
  writeDeclaration(checkout);

  env = {
    ...env,
    PULUMI_HOME: join(base, 'pulumi-home'),
    PULUMI_BACKEND_URL: `file://${join(base, 'state')}`,
    PULUMI_CONFIG_PASSPHRASE: 'engine-e2e-passphrase',
  };
  mkdirSync(join(base, 'state'));
}, 45 * 60_000);

afterAll(async () => {
  await server?.close();
  await samba?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe.sequential('the demo stack under the real engine', { timeout: 600_000 }, () => {
  test('the engine is the pinned version', async () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const run = ok(await pulumi(['version']));
    expect(run.stdout.trim()).toBe(`v${pkg.dependencies['@pulumi/pulumi']}`);
  });

  test('stack init and config set --secret keep the secrets encrypted in Pulumi.demo.yaml', async () => {
    ok(await pulumi(['stack', 'init', 'demo', '--non-interactive']));
    ok(await pulumi(['config', 'set', '--secret', 'schoolnet:routerPassword', ROUTER_PASSWORD]));
    ok(await pulumi(['config', 'set', '--secret', 'schoolnet:directoryPassword', directory.password]));
    ok(
      await pulumi([
        'config',
        'set',
        '--secret',
        '--path',
        `schoolnet:secrets["${RADIUS_REF}"]`,
        RADIUS_SECRET,
      ]),
    );
    ok(await pulumi(['config', 'set', '--secret', '--path', `schoolnet:secrets["${PSK_REF}"]`, GUEST_PSK]));
    // The values only: the file's comments name the testbed's fixed test password on purpose.
    const stackFile = readFileSync(join(checkout, 'Pulumi.demo.yaml'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    expect(stackFile).toContain('secure:');
    for (const s of [ROUTER_PASSWORD, directory.password, RADIUS_SECRET, GUEST_PSK])
      expect(stackFile).not.toContain(s);
  });

  test('a bad declaration fails preview and up with file:line and creates nothing', async () => {
    const writes = usn();
    writeDeclaration(checkout, (doc) => doc.setIn(['networks', 0, 'vlan'], 5000));
    const line =
      readFileSync(join(checkout, 'inventory/schools/demo/school.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => /vlan: 5000/.test(l)) + 1;
    const preview = await pulumi(['preview', '--non-interactive']);
    expect(preview.code).not.toBe(0);
    expect(preview.stdout + preview.stderr).toMatch(
      new RegExp(`school\\.yaml:${line}:\\d+: /networks/0/vlan`),
    );
    const up = await pulumi(['up', '--yes', '--non-interactive', '--skip-preview']);
    expect(up.code).not.toBe(0);
    expect(server.writes).toEqual([]);
    expect(usn()).toBe(writes);
    writeDeclaration(checkout);
  });

  test('a missing secret fails preview naming it and creates nothing', async () => {
    const writes = usn();
    ok(await pulumi(['config', 'rm', '--path', `schoolnet:secrets["${PSK_REF}"]`]));
    const preview = await pulumi(['preview', '--non-interactive']);
    expect(preview.code).not.toBe(0);
    expect(preview.stdout + preview.stderr).toContain('school.yaml: cannot apply');
    expect(preview.stdout + preview.stderr).toContain(PSK_REF);
    expect(server.writes).toEqual([]);
    expect(usn()).toBe(writes);
    ok(await pulumi(['config', 'set', '--secret', '--path', `schoolnet:secrets["${PSK_REF}"]`, GUEST_PSK]));
  });

  test('preview shows the plan and writes nothing', async () => {
    const writes = usn();
    const run = ok(await pulumi(['preview', '--json', '--non-interactive']));
    expect(planned(run)['create']).toBeGreaterThan(20);
    expect(server.writes).toEqual([]);
    expect(usn()).toBe(writes);
  });

  test('up creates it: the router holds what the declaration says', async () => {
    ok(await pulumi(['up', '--yes', '--non-interactive', '--skip-preview']));
    const vlans = rows('/interface/vlan')
      .map((r) => `${r['name']}:${r['vlan-id']}`)
      .sort();
    expect(vlans).toEqual(['GUEST:30', 'MGMT:99', 'PUPILS:20', 'SERVERS:40', 'STAFF:10']);
    expect(
      rows('/ip/address')
        .map((r) => r['address'])
        .sort(),
    ).toEqual(
      expect.arrayContaining([
        '10.10.0.1/24',
        '10.20.0.1/22',
        '10.30.0.1/24',
        '10.40.0.1/24',
        '10.99.0.1/24',
      ]),
    );
    expect(rows('/interface/wifi').map((r) => r['configuration.ssid'] ?? r['ssid'] ?? r['name'])).toEqual(
      expect.arrayContaining([expect.stringMatching(/Demo-Staff/)]),
    );
    const filter = rows('/ip/firewall/filter');
    const tagged = filter.filter((r) => (r['comment'] ?? '').startsWith('schoolnet:'));
    expect(tagged.length).toBeGreaterThan(5);
    // schoolnet's rules sit above the hand-made one, which stays.
    const hand = filter.findIndex((r) => r['comment'] === HAND_RULE);
    const lastTagged = filter.map((r) => (r['comment'] ?? '').startsWith('schoolnet:')).lastIndexOf(true);
    expect(hand).toBeGreaterThan(lastTagged);
    expect(rows('/interface/bridge').find((r) => r['name'] === 'bridge1')?.['vlan-filtering']).toBe('true');
    expect(rows('/user').map((r) => r['name'])).not.toContain('admin');
  });

  test("up creates it: the directory holds the declared policies and the roster's accounts (ldapsearch)", async () => {
    // The domain policy, as AD stores it: lengths and counts as numbers, durations in -100 ns units.
    const domain = domainPolicy();
    expect(domain['minPwdLength']).toEqual(['12']);
    expect(domain['pwdHistoryLength']).toEqual(['24']);
    expect(domain['lockoutThreshold']).toEqual(['10']);
    expect(Number(domain['pwdProperties']?.[0]) & 1).toBe(1);
    expect(domain['minPwdAge']).toEqual([String(-1 * 24 * 3600 * 1e7)]);
    expect(domain['lockoutDuration']).toEqual([String(-15 * 60 * 1e7)]);
    // The fine-grained policy: created, applying to the Staff group.
    const made = pso();
    expect(made?.attrs['msDS-MinimumPasswordLength']).toEqual(['14']);
    expect(made?.attrs['msDS-PasswordSettingsPrecedence']).toEqual(['10']);
    expect(made?.attrs['msDS-PSOAppliesTo']).toEqual([expect.stringMatching(/^CN=Staff,/i)]);
    // Joiners: created in their role's OU; enabled only with the acceptable-use date.
    const wren = account('wren.fairbairn');
    expect(wren?.dn).toMatch(/,OU=Pupils,DC=school,DC=test$/i);
    expect(disabled(wren)).toBe(false);
    const ossian = account('ossian.quell');
    expect(ossian?.dn).toMatch(/,OU=Staff,DC=school,DC=test$/i);
    expect(disabled(ossian)).toBe(true);
    // A leaver the seeded directory still had enabled in Pupils: disabled and moved to Leavers.
    const liam = account('liam.darcy');
    expect(liam?.dn).toMatch(/,OU=Leavers,DC=school,DC=test$/i);
    expect(disabled(liam)).toBe(true);
    // Someone staying: enabled where they were.
    const theo = account('theo.adams');
    expect(theo?.dn).toMatch(/,OU=Pupils,DC=school,DC=test$/i);
    expect(disabled(theo)).toBe(false);
    // Every account the state records is where, and as enabled as, the state says.
    const exported = ok(await pulumi(['stack', 'export']));
    const accounts = (
      JSON.parse(exported.stdout) as {
        deployment: { resources: { urn: string; outputs?: Record<string, unknown> }[] };
      }
    ).deployment.resources.filter((r) => /::demo-directory-account-/.test(r.urn));
    // One per roster row naming an account (the demo's row without one is warned about), joiners included.
    expect(accounts.length).toBe(41 + JOINERS.length);
    for (const r of accounts) {
      const o = r.outputs as { username: string; exists: boolean; dn: string; enabled: boolean };
      const live = account(o.username);
      expect(live !== undefined, o.username).toBe(o.exists);
      if (!live) continue;
      expect(live.dn.toLowerCase(), o.username).toBe(o.dn.toLowerCase());
      expect(!disabled(live), o.username).toBe(o.enabled);
    }
  });

  test("a second up changes nothing: the router records zero writes, the directory's USN stays", async () => {
    const before = server.writes.length;
    const writes = usn();
    const preview = ok(await pulumi(['preview', '--json', '--non-interactive']));
    const counts = planned(preview);
    expect(Object.keys(counts).filter((k) => k !== 'same')).toEqual([]);
    ok(await pulumi(['up', '--yes', '--non-interactive', '--skip-preview']));
    expect(server.writes.slice(before)).toEqual([]);
    expect(usn()).toBe(writes);
  });

  test('schoolnet preview --all: demo in sync, the schools whose devices are not here are errors with their cause', async () => {
    const others = readdirSync(checkout)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined && s !== 'demo');
    expect(others.length).toBeGreaterThan(0);
    for (const s of others) ok(await pulumi(['stack', 'init', s, '--non-interactive']));
    const before = server.writes.length;
    const selected = ok(await pulumi(['stack', '--show-name'])).stdout.trim();
    const run = await schoolnet(['preview', '--all', checkout, '--json']);
    expect(run.code, run.stderr).toBe(2);
    const result = JSON.parse(run.stdout) as FleetPreview;
    expect(result.schools.map((s) => s.school)).toEqual(['demo', ...others].sort());
    expect(result.schools.find((s) => s.school === 'demo')).toEqual({
      school: 'demo',
      status: 'in-sync',
      changes: { create: 0, update: 0, delete: 0, replace: 0 },
    });
    for (const s of result.schools.filter((s) => s.school !== 'demo')) {
      expect(s.status).toBe('error');
      expect(s.error).toMatch(
        /cannot apply|no password|not set|cannot be found|ENOENT|unreachable|ECONNREFUSED/,
      );
    }
    expect(result.summary).toEqual({ inSync: 1, changes: 0, errors: others.length });
    expect(server.writes.slice(before)).toEqual([]);
    // The fleet preview leaves the selected stack as it was.
    expect(ok(await pulumi(['stack', '--show-name'])).stdout.trim()).toBe(selected);
    const table = await schoolnet(['preview', '--all', checkout]);
    expect(table.stdout).toMatch(/^demo\s+0\s+0\s+0\s+0\s+in sync$/m);
  });

  test('a hand change on the router shows in refresh, and up repairs it', async () => {
    const staff = rows('/interface/vlan').find((r) => r['name'] === 'STAFF')!;
    const declared = staff['vlan-id'];
    staff['vlan-id'] = '11';
    ok(await pulumi(['refresh', '--yes', '--non-interactive', '--skip-preview']));
    // The state now records what the router holds.
    const exported = ok(await pulumi(['stack', 'export']));
    const recorded = (
      JSON.parse(exported.stdout) as {
        deployment: {
          resources: {
            type: string;
            outputs?: { props?: Record<string, string>; menu?: string; key?: Record<string, string> };
          }[];
        };
      }
    ).deployment.resources.find(
      (r) => r.outputs?.menu === '/interface/vlan' && r.outputs.key?.['name'] === 'STAFF',
    );
    expect(recorded?.outputs?.props?.['vlan-id']).toBe('11');
    const preview = ok(await pulumi(['preview', '--json', '--non-interactive']));
    expect(planned(preview)['update']).toBe(1);
    // schoolnet apply previews and asks; with no terminal to ask on it applies nothing without --yes.
    const before = server.writes.length;
    const refused = await schoolnet(['apply', 'demo', checkout]);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stdout, refused.stderr).toMatch(/^demo\s+0\s+1\s+0\s+0\s+changes pending$/m);
    expect(server.writes.slice(before)).toEqual([]);
    const applied = await schoolnet(['apply', 'demo', checkout, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(rows('/interface/vlan').find((r) => r['name'] === 'STAFF')?.['vlan-id']).toBe(declared);
  });

  test('a hand change in the directory shows in refresh, and up repairs it', async () => {
    const liam = account('liam.darcy')!;
    // By hand, as an administrator would: a weaker domain policy, and a leaver enabled again.
    ldapModify(
      directory,
      [
        `dn: ${BASE_DN}`,
        'changetype: modify',
        'replace: minPwdLength',
        'minPwdLength: 8',
        '',
        `dn: ${liam.dn}`,
        'changetype: modify',
        'replace: userAccountControl',
        'userAccountControl: 512',
        '',
      ].join('\n'),
    );
    expect(disabled(account('liam.darcy'))).toBe(false);
    ok(await pulumi(['refresh', '--yes', '--non-interactive', '--skip-preview']));
    const policy = await recorded('demo-directory-policy-default');
    expect((policy?.['policy'] as { minLength?: number } | undefined)?.minLength).toBe(8);
    expect((await recorded('demo-directory-account-liam.darcy'))?.['enabled']).toBe(true);
    const preview = ok(await pulumi(['preview', '--json', '--non-interactive']));
    expect(planned(preview)['update']).toBe(2);
    ok(await pulumi(['up', '--yes', '--non-interactive', '--skip-preview']));
    expect(domainPolicy()['minPwdLength']).toEqual(['12']);
    expect(disabled(account('liam.darcy'))).toBe(true);
    expect(account('liam.darcy')?.dn).toBe(liam.dn);
  });

  test('a VLAN removed from the declaration removes exactly its objects', async () => {
    const snapshot = structuredClone(server.config.menus);
    writeDeclaration(checkout, (doc) => {
      const nets = doc.get('networks') as { items: { get(k: string): unknown }[] };
      nets.items = nets.items.filter((n) => n.get('name') !== 'GUEST');
      const wifi = doc.get('wifi') as { items: { get(k: string): unknown }[] };
      wifi.items = wifi.items.filter((w) => w.get('network') !== 'GUEST');
      const rules = doc.getIn(['zones', 'rules']) as { items: { get(k: string): unknown }[] };
      rules.items = rules.items.filter((r) => r.get('from') !== 'guests');
      const sw = (doc.get('devices') as { items: { get(k: string): unknown }[] }).items;
      for (const d of sw) {
        const ports = (d as { get(k: string): unknown }).get('ports') as
          { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] } | undefined;
        if (!ports) continue;
        ports.items = ports.items.filter((p) => p.get('network') !== 'GUEST');
        for (const p of ports.items) {
          const tagged = p.get('tagged') as { items: { value: unknown }[] } | undefined;
          if (tagged) tagged.items = tagged.items.filter((t) => t.value !== 'GUEST');
        }
      }
    });
    const before = server.writes.length;
    const writes = usn();
    ok(await pulumi(['up', '--yes', '--non-interactive', '--skip-preview']));
    // A router-only change leaves the directory alone.
    expect(usn()).toBe(writes);
    const removed: string[] = [];
    for (const [menu, old] of Object.entries(snapshot)) {
      const now = new Set(rows(menu).map((r) => r['.id']));
      for (const r of old) if (!now.has(r['.id'])) removed.push(`${menu} ${JSON.stringify(r)}`);
    }
    expect(removed.length).toBeGreaterThan(3);
    for (const r of removed) expect(r).toMatch(/GUEST|Demo-Guest|10\.30\.|guest|vlan-ids":"30"/i);
    expect(
      rows('/interface/vlan')
        .map((r) => r['name'])
        .sort(),
    ).toEqual(['MGMT', 'PUPILS', 'SERVERS', 'STAFF']);
    // Nothing else was removed: every other write is an add or a set. Commit-confirm's own revert entries
    // (/system/scheduler, added before a guarded change and removed once the API answers again) are not
    // configuration: none may be left behind.
    const removes = server.writes
      .slice(before)
      .filter((w) => w.command.endsWith('/remove') && !w.command.startsWith('/system/scheduler/'));
    expect(removes.length).toBe(removed.length);
    expect(rows('/system/scheduler')).toEqual([]);
  });

  test('state survives a move: refresh and destroy from another folder, the first one gone', async () => {
    const moved = join(base, 'elsewhere', 'checkout');
    mkdirSync(join(base, 'elsewhere'));
    cpSync(checkout, moved, { recursive: true, verbatimSymlinks: true });
    rmSync(join(base, 'first'), { recursive: true, force: true });
    const state = readFileSync(join(base, 'state', '.pulumi', 'stacks', 'schoolnet', 'demo.json'), 'utf8');
    expect(state).not.toContain(join(base, 'first'));
    const refresh = ok(await pulumi(['refresh', '--yes', '--non-interactive', '--skip-preview'], moved));
    expect(refresh.stderr).not.toMatch(/error/i);
    const people = users();
    const domain = domainPolicy();
    expect(pso()).toBeDefined();
    ok(await pulumi(['destroy', '--yes', '--non-interactive', '--skip-preview'], moved));
    // The directory: the fine-grained policy schoolnet created is removed. Accounts are never deleted by
    // destroy (it only forgets them, directory-account-ops.ts: a school is never locked out by tearing
    // down a stack), the domain policy always exists and is forgotten, and unmanaged accounts are untouched:
    // every user object is exactly as before.
    expect(pso()).toBeUndefined();
    expect(users()).toEqual(people);
    expect(domainPolicy()).toEqual(domain);
    // Everything schoolnet made is gone; what it adopted or never managed stays.
    expect(rows('/interface/vlan')).toEqual([]);
    expect(rows('/ip/firewall/filter').map((r) => r['comment'])).toEqual([HAND_RULE]);
    expect(rows('/interface/bridge').map((r) => r['name'])).toEqual(['bridge1']);
    const exported = ok(await pulumi(['stack', 'export'], moved));
    const resources =
      (JSON.parse(exported.stdout) as { deployment: { resources?: unknown[] } }).deployment.resources ?? [];
    expect(resources).toEqual([]);
  });

  test('no test secret in plain text in the state or in anything the engine printed', () => {
    const stateDir = join(base, 'state', '.pulumi');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }))
        if (e.isDirectory()) walk(join(d, e.name));
        else files.push(readFileSync(join(d, e.name), 'utf8'));
    };
    walk(stateDir);
    expect(files.length).toBeGreaterThan(0);
    for (const s of [ROUTER_PASSWORD, directory.password, RADIUS_SECRET, GUEST_PSK]) {
      for (const f of files) expect(f).not.toContain(s);
      for (const o of outputs) expect(o).not.toContain(s);
    }
  });
});
