/**
 * The 802.1X leaver canary against real parts: FreeRADIUS (EAP-TTLS/PAP) checking each sign-in with an
 * LDAP bind as the user against the testbed's Samba AD DC and slapd, and wpa_supplicant's eapol_test as
 * the agent's RADIUS client with its own shared secret. The canary accounts are made by the
 * account-lifecycle provider (enabled in the staff OU; the leaver disabled and moved to the leavers OU),
 * in an OU tree of this run's own, removed afterwards. The directory itself refuses the disabled
 * account: re-enabling the leaver by hand, as a technician might, makes the same server accept it, and
 * the canary fails the leavers clause.
 * The PEAP/MSCHAPv2 path of the collector is proven against the testbed's own FreeRADIUS (users file).
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirectoryWriter, type DirectoryWriter } from '../devices/ldap/client.ts';
import { eq } from '../devices/ldap/filter.ts';
import {
  collectRadiusCanary,
  type CanaryCredentials,
  type RadiusCanaryServer,
} from '../devices/probes/radius-canary.ts';
import { judgeLeaverCanary } from '../checks/probes/leaver-canary-judge.ts';
import { probeResults } from '../checks/probes/results.ts';
import { allProbeKinds } from '../devices/probes/registry.ts';
import { runProbes } from '../devices/probes/run.ts';
import { loadSchool } from '../inventory/load.ts';
import { secretResolver } from '../inventory/secrets.ts';
import { startDirectoryRadius, type DirectoryRadius } from '../scripts/testbed/radius-directory.ts';
import { testbedDirectories, type TestbedDirectory } from '../scripts/testbed/seed-directory.ts';
import { randomSecret } from '../scripts/testbed/secrets.ts';
import { createCa } from '../scripts/testbed/tls.ts';
import type { AccountLifecycleInputs } from '../stacks/providers/directory-account-ops.ts';
import { directoryAccountLifecycleProvider as provider } from '../stacks/providers/directory-account-lifecycle.ts';
import { addTree, adminConnection, removeTree, scratchTree } from './support/directory-tree.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const dirs = await testbedDirectories(tb);
const RUN = `${process.pid}-${Date.now() % 100000}`;

describe.each([
  ['Samba AD', 'ad' as const],
  ['slapd', 'openldap' as const],
])('802.1X leaver canary, FreeRADIUS backed by %s', (_name, kind) => {
  const d = dirs[kind] as TestbedDirectory;
  if (!d) throw new Error(`testbed ${kind} is not running`);
  const ad = kind === 'ad';
  const tree = scratchTree(d, `CanaryTest-${RUN}`);
  const { root, ous } = tree;
  // Passwords that satisfy both directories' policies (12+ characters, three classes).
  const canaries: CanaryCredentials[] = [
    { kind: 'enabled', account: `canary.staff`, password: `Cs-${randomSecret(18)}-7a` },
    { kind: 'leaver', account: `canary.leaver`, password: `Cl-${randomSecret(18)}-7a` },
  ];
  const agentSecret = randomSecret(24);
  let w: DirectoryWriter;
  let radius: DirectoryRadius;
  let work: string;
  let server: RadiusCanaryServer;

  const lifecycle = (c: CanaryCredentials): AccountLifecycleInputs => ({
    connection: adminConnection(d),
    ous,
    username: c.account,
    givenName: 'Wi-Fi canary',
    surname: c.kind === 'enabled' ? 'Staff' : 'Leaver',
    role: 'staff',
    leaver: c.kind === 'leaver',
    requireAup: false,
    leaverAction: 'disable-and-move',
    canaryPassword: c.password,
  });

  beforeAll(async () => {
    w = await openDirectoryWriter(d.admin);
    await addTree(w, tree);
    for (const c of canaries) {
      const checked = await provider.check!(undefined as never, lifecycle(c));
      expect(checked.failures).toEqual([]);
      const outs = (await provider.create!(lifecycle(c))).outs;
      expect(outs).toMatchObject(
        c.kind === 'enabled'
          ? { exists: true, enabled: true, ou: 'staff', passwordSet: true }
          : { exists: true, enabled: false, ou: 'leavers', passwordSet: true },
      );
    }
    work = await mkdtemp(join(tmpdir(), 'schoolnet-canary-test-'));
    radius = await startDirectoryRadius({
      dir: work,
      ca: await createCa(join(work, 'ca')),
      clientSecret: agentSecret,
      directory: {
        kind,
        url: d.auditor.url,
        startTls: false,
        ca: d.caPath,
        // Only this run's tree: other tests' accounts are none of this server's business.
        baseDn: root,
        bindDn: d.auditor.bindDn,
        bindPassword: d.auditor.password,
      },
    });
    server = {
      name: 'radius1',
      host: radius.host,
      port: radius.port,
      secret: agentSecret,
      eap: 'ttls-pap',
      ca: radius.ca,
      servername: radius.servername,
    };
  }, 60_000);

  afterAll(async () => {
    await radius?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    await removeTree(w, root);
    await w.close();
  });

  it('the enabled canary is accepted and the leaver refused: pass, and nothing secret in the evidence', async () => {
    const facts = await collectRadiusCanary(server, canaries, { timeoutSec: 5 });
    expect(facts.attempts.map((a) => [a.kind, a.outcome])).toEqual([
      ['enabled', 'accepted'],
      ['leaver', 'rejected'],
    ]);
    expect(facts.attempts[0]!.packets).toContain('RADIUS message: code=2 (Access-Accept)');
    expect(facts.attempts[1]!.packets).toContain('RADIUS message: code=3 (Access-Reject)');
    const r = judgeLeaverCanary('probe:MGMT', facts.attempts);
    expect(r.status).toBe('pass');
    const text = JSON.stringify({ facts, r });
    for (const s of [agentSecret, ...canaries.map((c) => c.password)]) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(Buffer.from(s).toString('hex'));
    }
  });

  it('a leaver canary enabled again by hand is accepted by the same server: fail, with the packets', async () => {
    const [leaver] = await w.search({
      base: ous.leavers,
      filter: eq(ad ? 'sAMAccountName' : 'uid', 'canary.leaver'),
      attributes: ['userAccountControl'],
    });
    expect(leaver, 'the lifecycle moved the leaver canary into the leavers OU').toBeDefined();
    if (ad) await w.modify(leaver!.dn, [{ op: 'replace', attribute: 'userAccountControl', values: ['512'] }]);
    else await w.modify(leaver!.dn, [{ op: 'delete', attribute: 'pwdAccountLockedTime', values: [] }]);
    try {
      const facts = await collectRadiusCanary(server, canaries, { timeoutSec: 5 });
      expect(facts.attempts.map((a) => a.outcome)).toEqual(['accepted', 'accepted']);
      const r = judgeLeaverCanary('probe:MGMT', facts.attempts);
      expect(r.status).toBe('fail');
      expect(r.reason).toBe(
        "A leaver's account could still join the Wi-Fi: the school's sign-in server accepted the test account that is meant to be switched off as a leaver.",
      );
      expect(r.evidence[0]).toMatchObject({
        object: 'canary:leaver:canary.leaver',
        expected: 'refused (Access-Reject)',
      });
      expect(r.evidence[0]!.actual).toMatch(/accepted; RADIUS message: code=2 \(Access-Accept\)/);
      // The lifecycle provider sees the drift and puts it right: refused again.
      const outs = (
        await provider.update!(
          'id',
          {
            ...lifecycle(canaries[1]!),
            exists: true,
            dn: leaver!.dn,
            enabled: true,
            ou: 'leavers',
            inRoleGroup: false,
            created: true,
            passwordSet: true,
          },
          lifecycle(canaries[1]!),
        )
      ).outs;
      expect(outs).toMatchObject({ enabled: false, ou: 'leavers' });
      const again = await collectRadiusCanary(server, canaries, { timeoutSec: 5 });
      expect(judgeLeaverCanary('probe:MGMT', again.attempts).status).toBe('pass');
    } finally {
      if (ad)
        await w.modify(leaver!.dn, [{ op: 'replace', attribute: 'userAccountControl', values: ['514'] }]);
      else
        await w.modify(leaver!.dn, [
          { op: 'replace', attribute: 'pwdAccountLockedTime', values: ['000001010000Z'] },
        ]);
    }
  });

  it('through the probe runner and the check: secrets read from the school folder, none in the results', async () => {
    // The demo school with the canary declared, in a folder of its own holding the agent's secrets.
    const demo = await loadSchool(new URL('../inventory/schools/demo/school.yaml', import.meta.url).pathname);
    const dir = await mkdtemp(join(work, 'school-'));
    const put = (name: string, value: string) => writeFile(join(dir, name), value, { mode: 0o600 });
    await put('agent-radius-secret', agentSecret);
    await put('canary-staff', canaries[0]!.password);
    await put('canary-leaver', canaries[1]!.password);
    await copyFile(radius.ca, join(dir, 'radius-ca.pem'));
    const decl = structuredClone(demo.decl);
    decl.radius = [
      {
        name: 'radius1',
        host: radius.host,
        authPort: radius.port,
        secret: 'file:unused',
        canary: {
          from: 'MGMT',
          secret: 'file:agent-radius-secret',
          eap: 'ttls-pap',
          ca: 'radius-ca.pem',
          servername: radius.servername,
        },
      },
    ];
    decl.lifecycle!.canaries = {
      staff: { account: 'canary.staff', password: 'file:canary-staff' },
      leaver: { account: 'canary.leaver', password: 'file:canary-leaver' },
    };
    decl.probes = { positions: [{ network: 'MGMT' }], resolvers: 'declared', timeoutMs: 5000 };
    const school = { file: join(dir, 'school.yaml'), dir, decl };
    const facts = await runProbes(school, {
      kinds: ['radius-leaver-canary'],
      resolveSecret: secretResolver(dir),
    });
    const checkOf = new Map(allProbeKinds.map((k) => [k.id, k.checkId]));
    const results = probeResults(facts, (k) => checkOf.get(k), { decl, now: facts.collectedAt });
    expect(results.map((r) => [r.checkId, r.network, r.status])).toEqual([
      ['probe-wifi-leaver-refused', 'MGMT', 'pass'],
    ]);
    expect(results[0]!.reason).toMatch(/^Leavers cannot join the Wi-Fi/);
    const text = JSON.stringify({ facts, results });
    for (const secret of [agentSecret, ...canaries.map((c) => c.password)])
      expect(text).not.toContain(secret);
    // A secret that cannot be read makes the probe an error, never a pass.
    await rm(join(dir, 'canary-leaver'));
    const missing = await runProbes(school, {
      kinds: ['radius-leaver-canary'],
      resolveSecret: secretResolver(dir),
    });
    const [r] = probeResults(missing, (k) => checkOf.get(k), { decl, now: missing.collectedAt });
    expect(r).toMatchObject({ status: 'error', error: { code: 'E-SECRET' } });
  });

  it('with a wrong agent secret nothing comes back: an error, never a pass', async () => {
    const facts = await collectRadiusCanary({ ...server, secret: 'not-the-agent-secret' }, canaries, {
      timeoutSec: 2,
    });
    expect(facts.attempts.map((a) => a.outcome)).toEqual(['no-answer', 'no-answer']);
    const r = judgeLeaverCanary('probe:MGMT', facts.attempts);
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/could not run: the enabled canary's sign-in ended with no-answer/);
  });

  it('a server certificate from another CA is not trusted: an error, and no password is sent', async () => {
    const other = await createCa(join(work, 'other-ca'));
    const facts = await collectRadiusCanary({ ...server, ca: other.cert }, canaries, { timeoutSec: 3 });
    expect(facts.attempts.map((a) => a.outcome)).toEqual(['error', 'error']);
    expect(facts.attempts[0]!.detail).toMatch(/certificate was not trusted/);
    expect(judgeLeaverCanary('probe:MGMT', facts.attempts).status).toBe('error');
  });

  it('an enabled canary the directory refuses makes the probe an error, not a pass', async () => {
    const wrong = canaries.map((c) => (c.kind === 'enabled' ? { ...c, password: `${c.password}x` } : c));
    const facts = await collectRadiusCanary(server, wrong, { timeoutSec: 5 });
    expect(facts.attempts.map((a) => a.outcome)).toEqual(['rejected', 'rejected']);
    const r = judgeLeaverCanary('probe:MGMT', facts.attempts);
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(
      /sign-in test for leavers is broken: the school's sign-in server refused the enabled test account/,
    );
  });
});

describe('the canary collector over PEAP/MSCHAPv2 (the testbed FreeRADIUS, users file)', () => {
  it('the right password is accepted and a wrong one refused', async () => {
    const r = tb.services.radius!;
    const server: RadiusCanaryServer = {
      name: 'radius1',
      host: r.host,
      port: r.port,
      secret: r.extra!.secret!,
      eap: 'peap-mschapv2',
      ca: r.ca!,
      servername: r.extra!.servername!,
    };
    const facts = await collectRadiusCanary(server, [
      { kind: 'enabled', account: r.extra!.testUser!, password: r.extra!.testPassword! },
      { kind: 'leaver', account: r.extra!.testUser!, password: `${r.extra!.testPassword!}-wrong` },
    ]);
    expect(facts.attempts.map((a) => a.outcome)).toEqual(['accepted', 'rejected']);
    expect(facts.attempts[0]!.packets).toContain(
      'CTRL-EVENT-EAP-METHOD EAP vendor 0 method 25 (PEAP) selected',
    );
  });
});
