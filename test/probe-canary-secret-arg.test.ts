/**
 * The 802.1X canary's RADIUS shared secret stays off every command line: eapol_test (the real tool)
 * gets a placeholder for `-s` and the secret through a pipe a preloaded shim reads
 * (devices/probes/secret-arg.ts). While it runs, every process's /proc/<pid>/cmdline is read over and
 * over: as this process (root in CI, which reads what every user can) and as an unprivileged user
 * (`ps` run as nobody through `setpriv`, what another user on the agent's host sees). The secret must never be there,
 * eapol_test must be seen (so the watch was not blind), and the RADIUS server must still get requests
 * signed with the secret: the Message-Authenticator (RFC 3579, HMAC-MD5 keyed with the shared secret)
 * of each Access-Request is checked here, by a UDP listener that never answers, so that eapol_test keeps
 * running for its whole timeout. The testbed's own readiness check (scripts/testbed/probes.ts `peapLogin`)
 * is watched the same way: it is the canary's sign-in, not a copy.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryAttempt } from '../devices/probes/radius-canary.ts';
import { SECRET_PLACEHOLDER } from '../devices/probes/secret-arg.ts';
import { peapLogin } from '../scripts/testbed/probes.ts';
import { randomSecret } from '../scripts/testbed/secrets.ts';

/** Whether an Access-Request's Message-Authenticator (type 80) is HMAC-MD5 of the packet under `secret`. */
function signedWith(packet: Buffer, secret: string): boolean {
  if (packet[0] !== 1) return false;
  let at = 20;
  while (at + 2 <= packet.length) {
    const type = packet[at] as number;
    const len = packet[at + 1] as number;
    if (len < 2) return false;
    if (type === 80 && len === 18) {
      const copy = Buffer.from(packet);
      copy.fill(0, at + 2, at + 18);
      const mac = createHmac('md5', secret).update(copy).digest();
      return mac.equals(packet.subarray(at + 2, at + 18));
    }
    at += len;
  }
  return false;
}

async function cmdlines(): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d)))
    out.push((await readFile(`/proc/${pid}/cmdline`).catch(() => Buffer.alloc(0))).toString('utf8'));
  return out.map((l) => l.split('\0').join(' '));
}

describe('the canary keeps the RADIUS secret off the command line', () => {
  let udp: Socket;
  const requests: Buffer[] = [];
  beforeAll(async () => {
    udp = createSocket('udp4');
    udp.on('message', (m) => void requests.push(m));
    await new Promise<void>((res) => udp.bind(0, '127.0.0.1', res));
  });
  afterAll(() => udp.close());

  /**
   * Runs `sign` while watching every process's command line, as this process and as another user;
   * asserts eapol_test was seen with the placeholder only, never the secret, and that the server got
   * requests signed with the secret.
   */
  async function watched(secret: string, sign: () => Promise<unknown>): Promise<void> {
    requests.length = 0;
    // Another user's view, for as long as the sign-in may last.
    const asOther =
      process.getuid?.() === 0
        ? spawn(
            'setpriv',
            [
              '--reuid=65534',
              '--regid=65534',
              '--clear-groups',
              'sh',
              '-c',
              'while :; do ps -eww -o args; sleep 0.02; done',
            ],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          )
        : undefined;
    let otherView = '';
    asOther?.stdout?.on('data', (c: Buffer) => (otherView += c.toString('utf8')));
    const otherDone = new Promise<void>((res) => (asOther ? asOther.on('close', () => res()) : res()));

    const seen: string[] = [];
    let running = true;
    const watch = (async () => {
      while (running) {
        seen.push(...(await cmdlines()));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await sign();
    } finally {
      running = false;
      await watch;
      asOther?.kill();
      await otherDone;
    }
    const eapol = seen.filter((l) => l.includes('eapol_test'));
    expect(eapol.length).toBeGreaterThan(0);
    for (const l of eapol) expect(l).toContain(`-s ${SECRET_PLACEHOLDER}`);
    expect(seen.filter((l) => l.includes(secret))).toEqual([]);
    if (asOther) {
      expect(otherView).toContain(`-s ${SECRET_PLACEHOLDER}`);
      expect(otherView).not.toContain(secret);
    }
    // eapol_test had the real secret: the server's requests are signed with it, not the placeholder.
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(signedWith(r, secret)).toBe(true);
      expect(signedWith(r, SECRET_PLACEHOLDER)).toBe(false);
    }
  }

  it('no process list shows the secret while eapol_test runs; the server gets requests signed with it', async () => {
    const secret = `rad-${randomSecret(24)}`;
    const port = (udp.address() as AddressInfo).port;
    let attempt: Awaited<ReturnType<typeof canaryAttempt>> | undefined;
    await watched(secret, async () => {
      attempt = await canaryAttempt(
        {
          name: 'radius1',
          host: '127.0.0.1',
          port,
          secret,
          eap: 'ttls-pap',
          ca: '/nonexistent/ca.pem',
          servername: 'radius.school.test',
        },
        { kind: 'enabled', account: 'canary.staff', password: `Cs-${randomSecret(18)}` },
        { timeoutSec: 2 },
      );
    });
    expect(attempt?.outcome).toBe('no-answer');
    expect(JSON.stringify(attempt)).not.toContain(secret);
  }, 30_000);

  it("the testbed's FreeRADIUS readiness check (peapLogin) keeps its secret off the command line too", async () => {
    const secret = `tb-${randomSecret(24)}`;
    const port = (udp.address() as AddressInfo).port;
    let failure: unknown;
    await watched(secret, async () => {
      failure = await peapLogin(
        {
          host: '127.0.0.1',
          port,
          secret,
          user: 'radius.test',
          password: `Tp-${randomSecret(18)}`,
          ca: '/nonexistent/ca.pem',
          domain: 'radius.school.test',
        },
        2,
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    // Nobody answered: the readiness check fails (never passes), and its message holds no secret.
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/no-answer/);
    expect((failure as Error).message).not.toContain(secret);
  }, 30_000);
});
