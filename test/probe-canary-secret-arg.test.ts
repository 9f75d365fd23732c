/**
 * The 802.1X canary's RADIUS shared secret stays off every command line: eapol_test (the real tool)
 * gets a placeholder for `-s` and the secret through a pipe a preloaded shim reads
 * (devices/probes/secret-arg.ts). While it runs, every process's /proc/<pid>/cmdline is read over and
 * over: as this process (root in CI, which reads what every user can) and as an unprivileged user
 * (`ps` run as nobody through `setpriv`, what another user on the agent's host sees). The secret must never be there,
 * eapol_test must be seen (so the watch was not blind), and the RADIUS server must still get requests
 * signed with the secret: the Message-Authenticator (RFC 3579, HMAC-MD5 keyed with the shared secret)
 * of each Access-Request is checked here, by a UDP listener that never answers, so that eapol_test keeps
 * running for its whole timeout.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryAttempt } from '../devices/probes/radius-canary.ts';
import { SECRET_PLACEHOLDER } from '../devices/probes/secret-arg.ts';
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

  it('no process list shows the secret while eapol_test runs; the server gets requests signed with it', async () => {
    const secret = `rad-${randomSecret(24)}`;
    const port = (udp.address() as AddressInfo).port;
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
    const attempt = await canaryAttempt(
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
    running = false;
    await watch;
    asOther?.kill();
    await otherDone;

    expect(attempt.outcome).toBe('no-answer');
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
    expect(JSON.stringify(attempt)).not.toContain(secret);
  }, 30_000);
});
