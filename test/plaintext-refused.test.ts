/**
 * No credential or report in clear, against plain-text listeners on loopback: a TCP listener where a
 * RouterOS API would be (it records every byte it is sent) and a real SMTP server (smtp-server) that
 * offers no STARTTLS.
 */
import { createServer, type Server } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Device } from '../inventory/types.ts';
import { DeviceError } from '../devices/errors.ts';
import { collectRouterFacts } from '../devices/routeros/collect.ts';
import { sendMail } from '../scripts/schedule/mailer.ts';

const PASSWORD = 'plain-text-would-leak-this';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function plainListener(): Promise<{ port: number; received: () => string; connections: () => number }> {
  const chunks: Buffer[] = [];
  let connections = 0;
  const server: Server = createServer((sock) => {
    connections++;
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise((r) => {
        server.close(() => r());
        server.unref();
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    received: () => Buffer.concat(chunks).toString('latin1'),
    connections: () => connections,
  };
}

const router = (port: number, over: Partial<Device> = {}): Device => ({
  name: 'core-router',
  kind: 'router',
  driver: 'routeros',
  host: '127.0.0.1',
  port,
  credentials: { user: 'auditor', password: 'env:P' },
  ...over,
});
const collect = (d: Device) =>
  collectRouterFacts(d, { resolveSecret: async () => PASSWORD, timeoutMs: 1500 });

describe('RouterOS over the plain API', () => {
  it('is refused before a single byte is sent when the device does not declare insecure: true', async () => {
    const l = await plainListener();
    const err = await collect(router(l.port)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('E-CONFIG');
    expect((err as DeviceError).message).toMatch(
      /plain RouterOS API \(8728\) sends the password in clear: refused/,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(l.connections()).toBe(0);
    expect(l.received()).toBe('');
  });

  it('declared insecure: true, the listener does see the password in clear (why it is refused otherwise)', async () => {
    const l = await plainListener();
    await collect(router(l.port, { insecure: true })).catch(() => undefined);
    expect(l.connections()).toBe(1);
    expect(l.received()).toContain(PASSWORD);
  });
});

describe('SMTP without TLS', () => {
  async function plainSmtp(): Promise<{ port: number; messages: () => number }> {
    let messages = 0;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData(stream, _session, cb) {
        messages++;
        stream.resume();
        stream.on('end', () => cb());
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return { port: address.port, messages: () => messages };
  }
  const msg = { to: ['head@school.test'], subject: 'Audit report', text: 'account names inside' };
  const smtp = (port: number, over: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port,
    secure: false,
    from: 'audit@school.test',
    ...over,
  });

  it('a report is not sent to a server that offers no STARTTLS, even with no password', async () => {
    const s = await plainSmtp();
    await expect(sendMail(smtp(s.port), msg, { baseDir: '.', timeoutMs: 3000 })).rejects.toThrow(/STARTTLS/i);
    expect(s.messages()).toBe(0);
  });

  it('a relay declared insecure receives it (the declaration says so, and the audit reports it)', async () => {
    const s = await plainSmtp();
    const sent = await sendMail(smtp(s.port, { insecure: true }), msg, { baseDir: '.', timeoutMs: 3000 });
    expect(sent.accepted).toEqual(['head@school.test']);
    expect(s.messages()).toBe(1);
  });

  it('no password is ever sent to an insecure relay', async () => {
    const s = await plainSmtp();
    await expect(
      sendMail(smtp(s.port, { insecure: true, user: 'u', password: 'env:SMTP_PASSWORD' }), msg, {
        baseDir: '.',
        env: { SMTP_PASSWORD: PASSWORD },
        timeoutMs: 3000,
      }),
    ).rejects.toThrow(/no password may be sent/);
    expect(s.messages()).toBe(0);
  });
});
