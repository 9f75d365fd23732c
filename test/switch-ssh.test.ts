/**
 * The SSH CLI client against the testbed's real OpenSSH server, whose sessions run the switch-like CLI
 * test/fixtures/testbed/fake-cli.sh (exec mode, and a PTY shell with colour escapes and `--More--`
 * paging). The host key is the fixed test key, so its pin is known.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { secretResolver } from '../inventory/secrets.ts';
import type { Device } from '../inventory/types.ts';
import { DeviceError } from '../devices/errors.ts';
import { withSshCli } from '../devices/ssh/client.ts';
import { collectSwitchManagement } from '../devices/ssh/collect.ts';
import { SWITCH48 } from '../scripts/testbed/switch48.ts';
import type { ServiceInfo } from '../scripts/testbed/types.ts';
import { testbedInfo } from './support/testbed.ts';
import { allowSecretsDir } from './support/allow-secrets.ts';

const tb = testbedInfo();
const sshd: ServiceInfo = (() => {
  const s = tb.services.sshd;
  if (!s?.privateKey || !s.hostKeyFingerprint || !s.user)
    throw new Error(`testbed sshd is not running or lacks key details`);
  return s;
})();
const PIN = sshd.hostKeyFingerprint as string;

// A client key the server has never seen, for the refused-login case.
const scratch = mkdtempSync(join(tmpdir(), 'schoolnet-ssh-test-'));
// Keys made here are named by `file:` references: allow-list the folder as an operator allow-lists a secrets
// directory (inventory/confine.ts), so a wrong key is judged by the server (E-AUTH), not refused as misplaced.
allowSecretsDir(scratch);
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'stranger')]);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const resolveSecret = secretResolver(tb.dir);
const OPTS = { resolveSecret, timeoutMs: 8000 };

function cli(overrides: Partial<Device> = {}): Device {
  return {
    name: 'core-sw1-cli',
    kind: 'switch',
    driver: 'ssh-cli',
    host: sshd.host,
    port: sshd.port,
    credentials: { user: sshd.user as string, privateKey: `file:${sshd.privateKey}` },
    sshHostKey: PIN,
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  throw new Error('expected a DeviceError, but the call succeeded');
}

/** The management facts the testbed switch's recorded configuration holds (the parser tests' expectation too). */
const EXPECTED_MANAGEMENT = (
  JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures', 'ssh', 'testbed-core-sw1', 'expected.json'), 'utf8'),
  ) as { management: Record<string, unknown> }
).management;

describe('SSH CLI: exec mode', () => {
  it('runs a command on a pinned host; the CLI reports the same serial as SNMP ENTITY-MIB', async () => {
    const r = await withSshCli(cli(), OPTS, (c) => c.exec('show version'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`System serial number            : ${SWITCH48.serial}`);
  });

  it('collects the management facts, with the stored configuration redacted', async () => {
    const m = await collectSwitchManagement(cli(), { ...OPTS, mode: 'exec' });
    const { runningConfig, ...facts } = m;
    expect(facts).toEqual(EXPECTED_MANAGEMENT);
    expect(runningConfig).toContain('hostname core-sw1');
    expect(runningConfig).toContain('enable secret 9 <redacted>');
    expect(runningConfig).not.toMatch(/\$9\$|community public|community school-ro/);
  });

  it('a bad command comes back as a non-zero exit, not an exception', async () => {
    const r = await withSshCli(cli(), OPTS, (c) => c.exec('show flux-capacitor'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^% Invalid input/);
  });
});

describe('SSH CLI: interactive shell (PTY)', () => {
  it('answers --More-- pages and strips the escapes, giving exactly what exec gives', async () => {
    const { exec, paged, pages } = await withSshCli(cli(), OPTS, async (c) => {
      const execOut = (await c.exec('show running-config')).stdout;
      const shell = await c.shell({ pagingOff: [] }); // leave paging on: the pager must be handled
      try {
        return { exec: execOut, paged: await shell.run('show running-config'), pages: shell.pagesAnswered };
      } finally {
        shell.close();
      }
    });
    expect(pages).toBeGreaterThan(5);
    expect(paged).not.toMatch(/\x1b|--More--|\r|\x08/); // eslint-disable-line no-control-regex
    expect(paged).toBe(exec.trimEnd());
  });

  it('turns paging off first by default, and strips the echo, colours and prompt', async () => {
    const { vlan, pages } = await withSshCli(cli(), OPTS, async (c) => {
      const shell = await c.shell();
      try {
        return { vlan: await shell.run('show vlan'), pages: shell.pagesAnswered };
      } finally {
        shell.close();
      }
    });
    expect(pages).toBe(0);
    const lines = vlan.split('\n');
    expect(lines[0]).toMatch(/^VLAN Name\s+Status\s+Ports$/);
    expect(lines.find((l) => l.startsWith('20 '))).toMatch(/^20\s+PUPILS\s+active\s+Gi1\/0\/13, Gi1\/0\/14/);
    expect(vlan).not.toMatch(/\x1b|core-sw1#|show vlan/); // eslint-disable-line no-control-regex
  });

  it('collects the same management facts in shell mode', async () => {
    const byShell = await collectSwitchManagement(cli(), { ...OPTS, mode: 'shell' });
    const byExec = await collectSwitchManagement(cli(), { ...OPTS, mode: 'exec' });
    expect(byShell).toEqual(byExec);
  });

  it('a CLI that ends the session mid-command is E-CLOSED, not a hang', async () => {
    const err = await rejection(
      withSshCli(cli(), OPTS, async (c) => {
        const shell = await c.shell();
        try {
          await shell.run('exit');
        } finally {
          shell.close();
        }
      }),
    );
    expect(err.code).toBe('E-CLOSED');
    expect(err.message).toMatch(/closed while waiting for "exit"/);
  });

  it('a prompt that never comes is E-TIMEOUT within the command timeout', async () => {
    const err = await rejection(
      withSshCli(cli(), OPTS, async (c) => {
        const shell = await c.shell({ prompt: /^no-such-prompt>$/, commandTimeoutMs: 700 });
        shell.close();
      }),
    );
    expect(err.code).toBe('E-TIMEOUT');
    expect(err.message).toMatch(/no CLI prompt after login prompt within 700 ms/);
  });
});

describe('SSH CLI: host keys and failures', () => {
  it('refuses a host whose key does not match the pin, naming both fingerprints', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const err = await rejection(collectSwitchManagement(cli({ sshHostKey: wrong }), OPTS));
    expect(err.code).toBe('E-HOSTKEY');
    expect(err.message).toContain(`expected ${wrong}, got ${PIN}`);
  });

  it('refuses an unpinned host unless first use is explicitly recorded', async () => {
    const { sshHostKey: _pin, ...unpinned } = cli();
    const err = await rejection(collectSwitchManagement(unpinned, OPTS));
    expect(err.code).toBe('E-HOSTKEY');
    expect(err.hint).toContain(`sshHostKey: ${PIN}`);

    const seen: string[] = [];
    const m = await collectSwitchManagement(unpinned, { ...OPTS, recordFirstSeen: (fp) => seen.push(fp) });
    expect(seen).toEqual([PIN]);
    expect(m.ssh).toBe(true);
  });

  it('a key the server does not know is E-AUTH', async () => {
    const err = await rejection(
      collectSwitchManagement(
        cli({ credentials: { user: sshd.user as string, privateKey: `file:${join(scratch, 'stranger')}` } }),
        OPTS,
      ),
    );
    expect(err.code).toBe('E-AUTH');
  });

  it('a closed port is E-REFUSED', async () => {
    const server = createServer();
    const port = await new Promise<number>((r) =>
      server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)),
    );
    await new Promise((r) => server.close(r));
    const err = await rejection(collectSwitchManagement(cli({ port }), OPTS));
    expect(err.code).toBe('E-REFUSED');
  });

  it('a malformed pin is a configuration error, before any connection', async () => {
    const err = await rejection(collectSwitchManagement(cli({ sshHostKey: 'MD5:aa:bb' }), OPTS));
    expect(err.code).toBe('E-CONFIG');
  });

  it('the pin in the fixture is the one ssh-keygen prints for the shipped host key', () => {
    const pub = join(import.meta.dirname, 'fixtures/testbed/ssh_host_ed25519_key.pub');
    expect(readFileSync(pub, 'utf8')).toMatch(/^ssh-ed25519 /);
    expect(execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' })).toContain(PIN);
  });
});
