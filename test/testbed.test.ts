/**
 * The testbed's services answer as real clients expect: verified TLS to both directories, SNMP v2c and
 * v3 authPriv to the agent and the simulator (with the switch data the audits rely on), SSH with the
 * pinned host key (exec and PTY), PEAP through FreeRADIUS, api-ssl on the RouterOS test server. The
 * clients here are the system's own tools (ldapts, Net-SNMP's snmpget, OpenSSH, eapol_test) rather than
 * the project's device clients, so a fault in those cannot hide a fault here.
 * Last, `schoolnet testbed up --json` then `down` leaves no process and no listening port behind.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { Attribute, Change, Client, InsufficientAccessError, NoSuchObjectError } from 'ldapts';
import { NodeSSH } from 'node-ssh';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ServiceInfo, TestbedInfo, TestbedService } from '../scripts/testbed/types.ts';
import { SWITCH48, SWITCH48_BAD } from '../scripts/testbed/switch48.ts';
import { runWithSecretArg, SECRET_PLACEHOLDER } from '../devices/probes/secret-arg.ts';

const run = promisify(execFile);
const tb: TestbedInfo = inject('testbed');
const scratch = mkdtempSync(join(tmpdir(), 'schoolnet-testbed-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function svc(name: TestbedService): ServiceInfo {
  const s = tb.services[name];
  if (!s) throw new Error(`testbed service ${name} is not running: not started`);
  return s;
}
function extra(s: ServiceInfo, key: string): string {
  const v = s.extra?.[key];
  if (v === undefined) throw new Error(`service info lacks extra.${key}`);
  return v;
}

describe('Samba AD DC', () => {
  const samba = svc('samba');
  const tlsOptions = () => ({ ca: [readFileSync(samba.ca ?? '')], servername: extra(samba, 'servername') });

  it('runs on its own loopback address, not 127.0.0.1', () => {
    expect(samba.host).toMatch(/^127\.0\.0\.(\d+)$/);
    expect(samba.host).not.toBe('127.0.0.1');
  });

  it('accepts an LDAPS bind verified against its CA and serves the domain password policy', async () => {
    const c = new Client({ url: extra(samba, 'url'), tlsOptions: tlsOptions() });
    try {
      await c.bind(extra(samba, 'auditUser'), extra(samba, 'auditPassword'));
      const { searchEntries } = await c.search(extra(samba, 'baseDn'), {
        scope: 'base',
        attributes: ['minPwdLength'],
      });
      expect(Number(searchEntries[0]?.minPwdLength)).toBeGreaterThan(0);
    } finally {
      await c.unbind();
    }
  });

  it('is refused by a client that does not trust the testbed CA', async () => {
    const c = new Client({
      url: extra(samba, 'url'),
      tlsOptions: { servername: extra(samba, 'servername') },
    });
    await expect(c.bind(extra(samba, 'auditUser'), extra(samba, 'auditPassword'))).rejects.toThrow(
      /certificate/i,
    );
    await c.unbind().catch(() => undefined);
  });

  it('gives the auditor account read access only', async () => {
    const c = new Client({ url: extra(samba, 'url'), tlsOptions: tlsOptions() });
    try {
      await c.bind(extra(samba, 'auditUser'), extra(samba, 'auditPassword'));
      const change = new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'description', values: ['changed by an audit'] }),
      });
      await expect(
        c.modify(`CN=Administrator,CN=Users,${extra(samba, 'baseDn')}`, change),
      ).rejects.toBeInstanceOf(InsufficientAccessError);
    } finally {
      await c.unbind();
    }
  });
});

describe('OpenLDAP slapd', () => {
  const ldap = svc('openldap');
  const ca = () => [readFileSync(ldap.ca ?? '')];

  it('accepts StartTLS verified against its CA; the auditor reads the people and the policy but no password', async () => {
    const c = new Client({ url: extra(ldap, 'url') });
    try {
      await c.startTLS({ ca: ca() });
      await c.bind(extra(ldap, 'auditUser'), extra(ldap, 'auditPassword'));
      const { searchEntries: policy } = await c.search(extra(ldap, 'policyDn'), {
        scope: 'base',
        attributes: ['pwdMinLength'],
      });
      expect(policy[0]?.pwdMinLength).toBe('12');
      const { searchEntries: all } = await c.search(extra(ldap, 'baseDn'), {
        filter: '(userPassword=*)',
        attributes: ['userPassword'],
      });
      expect(all.every((e) => e.userPassword === undefined)).toBe(true);
      const change = new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'description', values: ['x'] }),
      });
      await expect(c.modify(extra(ldap, 'policyDn'), change)).rejects.toBeInstanceOf(InsufficientAccessError);
    } finally {
      await c.unbind();
    }
  });

  it('serves LDAPS on its second port and hides entries from anonymous clients', async () => {
    const c = new Client({ url: extra(ldap, 'ldapsUrl'), tlsOptions: { ca: ca() } });
    try {
      // slapd hides even the existence of what an anonymous client may not read.
      await expect(c.search(extra(ldap, 'baseDn'), { filter: '(objectClass=*)' })).rejects.toBeInstanceOf(
        NoSuchObjectError,
      );
      await c.bind(ldap.user ?? '', ldap.password ?? '');
      const { searchEntries: mine } = await c.search(extra(ldap, 'baseDn'), { scope: 'base' });
      expect(mine).toHaveLength(1);
    } finally {
      await c.unbind();
    }
  });
});

describe('SNMP', () => {
  const snmpd = svc('snmpd');
  const sim = svc('snmpsim');
  const v3 = (s: ServiceInfo, privKey = extra(s, 'privKey')) => [
    '-v3',
    '-l',
    'authPriv',
    '-u',
    s.user ?? '',
    '-a',
    'SHA',
    '-A',
    extra(s, 'authKey'),
    '-x',
    'AES',
    '-X',
    privKey,
  ];
  const get = async (s: ServiceInfo, auth: string[], oid: string, retries = 1) =>
    (
      await run('snmpget', [
        '-m',
        '',
        '-Oqv',
        '-t',
        '1',
        '-r',
        String(retries),
        ...auth,
        `${s.host}:${s.port}`,
        oid,
      ])
    ).stdout.trim();
  const SYSNAME = '1.3.6.1.2.1.1.5.0';

  it('snmpd answers v2c with its community and v3 authPriv, and refuses a wrong privacy key', async () => {
    expect(await get(snmpd, ['-v2c', '-c', extra(snmpd, 'community')], SYSNAME)).toBe(
      `"${extra(snmpd, 'sysName')}"`,
    );
    expect(await get(snmpd, v3(snmpd), SYSNAME)).toBe(`"${extra(snmpd, 'sysName')}"`);
    await expect(get(snmpd, v3(snmpd, 'Wrong-priv-key-1'), SYSNAME, 0)).rejects.toThrow();
  });

  it('snmpsim serves switch48 over v2c (community = data file) and v3 (context = data file)', async () => {
    expect(await get(sim, ['-v2c', '-c', 'switch48'], SYSNAME)).toBe('"core-sw1"');
    expect(await get(sim, [...v3(sim), '-n', 'switch48'], SYSNAME)).toBe('"core-sw1"');
    // dot1qPvid of port 13, VLAN 20's name and untagged ports, the chassis serial.
    expect(await get(sim, ['-v2c', '-c', 'switch48'], '1.3.6.1.2.1.17.7.1.4.5.1.1.13')).toBe('20');
    expect(await get(sim, ['-v2c', '-c', 'switch48'], '1.3.6.1.2.1.17.7.1.4.3.1.1.20')).toBe('"PUPILS"');
    expect(await get(sim, ['-v2c', '-c', 'switch48', '-Ox'], '1.3.6.1.2.1.17.7.1.4.3.1.4.20')).toMatch(
      /00 0F FF FF F0 00/,
    );
    expect(await get(sim, ['-v2c', '-c', 'switch48'], '1.3.6.1.2.1.47.1.1.1.1.11.1')).toBe(
      `"${SWITCH48.serial}"`,
    );
  });

  it('snmpsim serves the faulty switch48-bad and the shipped Cisco switch', async () => {
    expect(await get(sim, ['-v2c', '-c', 'switch48-bad'], '1.3.6.1.2.1.17.7.1.4.3.1.1.99')).toMatch(
      /No Such Instance/,
    );
    expect(await get(sim, ['-v2c', '-c', 'switch48-bad'], '1.3.6.1.2.1.17.7.1.4.5.1.1.5')).toBe(
      String(SWITCH48_BAD.pvidOverrides[5]),
    );
    expect(await get(sim, [...v3(sim), '-n', 'cisco_16_switch'], SYSNAME)).toBe('"Profiler3750"');
  });
});

describe('sshd with the switch-like CLI', () => {
  const sshd = svc('sshd');
  const hostPub = readFileSync(
    join(import.meta.dirname, 'fixtures', 'testbed', 'ssh_host_ed25519_key.pub'),
    'utf8',
  );
  const knownHosts = (line: string) => {
    const file = join(scratch, `known_hosts-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, `[${sshd.host}]:${sshd.port} ${line.trim().split(/\s+/).slice(0, 2).join(' ')}\n`);
    return file;
  };
  const ssh = (known: string, command: string) =>
    run('ssh', [
      '-i', sshd.privateKey ?? '', '-p', String(sshd.port), '-o', `UserKnownHostsFile=${known}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5',
      `${sshd.user}@${sshd.host}`, command,
    ]); // prettier-ignore

  it('presents the pinned host key and runs show commands in exec mode', async () => {
    expect(execFileSync('ssh-keygen', ['-lf', '-'], { input: hostPub }).toString()).toContain(
      sshd.hostKeyFingerprint,
    );
    const known = knownHosts(hostPub);
    const { stdout } = await ssh(known, 'show running-config');
    expect(stdout).toMatch(/^hostname core-sw1$/m);
    expect(stdout).toMatch(/^snmp-server community public RO$/m);
    expect(stdout).toMatch(/^interface GigabitEthernet1\/0\/48$/m);
    expect((await ssh(known, 'show version')).stdout).toContain(
      `System serial number            : ${SWITCH48.serial}`,
    );
    await expect(ssh(known, 'configure terminal')).rejects.toMatchObject({
      stdout: expect.stringContaining('% Invalid input'),
    });
  });

  it('is refused by a client that pins a different host key', async () => {
    const other = join(scratch, 'other');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    await expect(ssh(knownHosts(readFileSync(`${other}.pub`, 'utf8')), 'show version')).rejects.toMatchObject(
      {
        stderr: expect.stringContaining('Host key verification failed'),
      },
    );
  });

  it('pages with --More-- and colours its output in a PTY until `terminal length 0`', async () => {
    const client = new NodeSSH();
    const pin = sshd.hostKeyFingerprint;
    await client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKeyPath: sshd.privateKey,
      readyTimeout: 5000,
      hostVerifier: (key: Buffer) =>
        `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === pin,
    });
    try {
      const shell = await client.requestShell({ term: 'vt100' });
      let out = '';
      shell.on('data', (d: Buffer) => (out += d.toString('latin1')));
      const waitFor = async (re: RegExp, from: number) => {
        const deadline = Date.now() + 5000;
        while (!re.test(out.slice(from))) {
          if (Date.now() > deadline) throw new Error(`no ${re} in: ${JSON.stringify(out.slice(from))}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await waitFor(/core-sw1# $/, 0);
      let mark = out.length;
      shell.write('show running-config\n');
      await waitFor(/--More--/, mark);
      shell.write('q');
      await waitFor(/core-sw1# $/, mark);
      mark = out.length;
      shell.write('terminal length 0\nshow vlan\n');
      await waitFor(/99 +MGMT[\s\S]*core-sw1# $/, mark);
      expect(out.slice(mark)).not.toContain('--More--');
      expect(out.slice(mark)).toContain('\x1b[32m');
      shell.write('exit\n');
    } finally {
      client.dispose();
    }
  });
});

describe('FreeRADIUS', () => {
  const radius = svc('radius');
  const eapol = (password: string) => {
    const conf = join(scratch, `peap-${Math.random().toString(36).slice(2)}.conf`);
    writeFileSync(
      conf,
      `network={\n key_mgmt=WPA-EAP\n eap=PEAP\n identity="${extra(radius, 'testUser')}"\n anonymous_identity="anonymous"\n` +
        ` password="${password}"\n phase2="auth=MSCHAPV2"\n ca_cert="${radius.ca}"\n domain_match="${extra(radius, 'servername')}"\n}\n`,
    );
    // The real eapol_test, its shared secret through a pipe (the shim), never on a command line `ps` shows.
    return runWithSecretArg(
      'eapol_test',
      ['-c', conf, '-a', radius.host, '-p', String(radius.port), '-s', SECRET_PLACEHOLDER, '-t', '5'],
      extra(radius, 'secret'),
      10_000,
    );
  };

  it('completes a PEAP/MSCHAPv2 login with the server certificate verified', async () => {
    const r = await eapol(extra(radius, 'testPassword'));
    expect(r.code).toBe(0);
    expect(r.output.split('\n')).toContain('SUCCESS');
  });

  it('rejects a wrong password', async () => {
    const r = await eapol('not-the-password');
    expect(r.code).not.toBe(0);
    expect(r.output.split('\n')).toContain('FAILURE');
    expect(r.output.split('\n')).not.toContain('SUCCESS');
  });
});

describe('RouterOS API test server', () => {
  it('serves api-ssl with a certificate the testbed CA verifies', async () => {
    const ros = svc('routeros');
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const sock = tlsConnect(
        { host: ros.host, port: ros.ports?.apiSsl ?? 0, ca: [readFileSync(ros.ca ?? '')] },
        () => {
          resolve(sock.authorized);
          sock.destroy();
        },
      );
      sock.on('error', reject);
    });
    expect(authorized).toBe(true);
  });
});

describe('schoolnet testbed up / down', () => {
  it('leaves no process, no listening port, no secret and no log behind', { timeout: 400_000 }, async () => {
    const dir = join(scratch, 'fixed');
    const cli = (...args: string[]) =>
      run(process.execPath, ['scripts/cli.ts', 'testbed', ...args, '--dir', dir], {
        cwd: join(import.meta.dirname, '..'),
      });
    // Dynamic ports: a developer's running demo may hold the fixed ones.
    const up = await cli('up', '--json', '--ports', 'dynamic');
    const info = JSON.parse(up.stdout) as TestbedInfo;
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      supervisor: { pid: number };
      processes: { pid: number }[];
    };
    const pids = [state.supervisor.pid, ...state.processes.map((p) => p.pid)];
    const listed = Object.values(info.services).flatMap((s) =>
      [s.port, ...Object.values(s.ports ?? {})].map((port) => `${s.host}:${port}`),
    );
    expect(Object.keys(info.services).sort()).toEqual(Object.keys(tb.services).sort());
    expect(state.processes.length).toBeGreaterThanOrEqual(6);
    const listening = async () =>
      (await run('ss', ['-Hlntu'])).stdout.split('\n').map((l) => l.trim().split(/\s+/)[4]);
    const before = await listening();
    expect(listed.filter((l) => before.includes(l)).length).toBeGreaterThan(0);
    expect(before.filter((l) => l?.endsWith(`:${info.services.sshd?.port}`))).toEqual([
      `127.0.0.1:${info.services.sshd?.port}`,
    ]);

    // While up: the secrets and every daemon log are private, snmpsim's too (it echoes its USM keys).
    const secrets = readdirSync(join(dir, 'secrets'));
    expect(secrets.length).toBeGreaterThan(5);
    for (const f of secrets) expect(statSync(join(dir, 'secrets', f)).mode & 0o777, f).toBe(0o600);
    const snmpsimLog = join(dir, 'snmpsim', 'snmpsimd.log');
    expect(statSync(snmpsimLog).mode & 0o777).toBe(0o600);
    const logs = Object.keys(info.services).flatMap((s) => {
      const d = join(dir, s === 'openldap' ? 'slapd' : s);
      return readdirSync(d)
        .filter((f) => f.endsWith('.log'))
        .map((f) => join(d, f));
    });
    logs.push(join(dir, 'supervisor.log'));
    expect(logs).toContain(snmpsimLog);
    for (const f of logs) expect(statSync(f).mode & 0o777, f).toBe(0o600);

    const down = await cli('down');
    expect(down.stderr).toMatch(/removed with its secrets and logs/);
    // No secret, key or log is left: the run directory is gone.
    expect(existsSync(join(dir, 'secrets'))).toBe(false);
    for (const f of logs) expect(existsSync(f), f).toBe(false);
    expect(existsSync(dir)).toBe(false);
    // A finished process may linger as a zombie until PID 1 reaps it: it runs nothing and holds no port.
    const running = pids.filter((pid) => {
      try {
        return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    expect(running).toEqual([]);
    const after = await listening();
    expect(listed.filter((l) => after.includes(l))).toEqual([]);
  });
});
