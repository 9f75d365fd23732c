/**
 * Free ports for the dynamic testbed, and checks that a fixed port is free. Several developers share this
 * machine, so a test run never assumes a port: it asks the kernel for one (bind to port 0) and hands it to
 * the daemon straight away.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

export type Proto = 'tcp' | 'udp';

export interface Endpoint {
  host: string;
  port: number;
  proto: Proto;
}

function bindTcp(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ host, port, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(got));
    });
  });
}

function bindUdp(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(null);
    });
    sock.bind({ address: host, port, exclusive: true }, () => {
      const got = sock.address().port;
      sock.close(() => resolve(got));
    });
  });
}

/** True when nothing is bound to host:port for this protocol. */
export async function isPortFree(host: string, port: number, proto: Proto): Promise<boolean> {
  return (proto === 'tcp' ? await bindTcp(host, port) : await bindUdp(host, port)) !== null;
}

/** A port free for every protocol in `protos` on `host`, chosen by the kernel. */
export async function freePort(host: string, protos: Proto[] = ['tcp']): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = protos[0] ?? 'tcp';
    const port = first === 'tcp' ? await bindTcp(host, 0) : await bindUdp(host, 0);
    if (port === null) continue;
    let ok = true;
    for (const p of protos.slice(1)) if (!(await isPortFree(host, port, p))) ok = false;
    if (ok) return port;
  }
  throw new Error(`could not find a free ${protos.join('+')} port on ${host}`);
}

/** Throws a clear error naming every endpoint that is already taken. */
export async function assertFree(endpoints: Endpoint[], what: string): Promise<void> {
  const taken: string[] = [];
  for (const e of endpoints)
    if (!(await isPortFree(e.host, e.port, e.proto))) taken.push(`${e.host}:${e.port}/${e.proto}`);
  if (taken.length > 0)
    throw new Error(
      `${what}: ${taken.join(', ')} already in use (is a testbed already up? try \`schoolnet testbed down\`, ` +
        'or start with --ports dynamic)',
    );
}

/** Resolves once none of the endpoints is bound any more, or rejects after `timeoutMs`. */
export async function waitPortsClosed(endpoints: Endpoint[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = endpoints.filter((e) => isListening(e)).map((e) => `${e.host}:${e.port}/${e.proto}`);
    if (busy.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still listening after ${timeoutMs} ms: ${busy.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function hexToIpv4(hex: string): string {
  // /proc/net/{tcp,udp} print the address as one little-endian 32-bit word.
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/**
 * Whether something is bound to the endpoint, read from /proc/net (so, unlike a test bind, it never
 * races the daemon that is about to bind the port). A wildcard bind (0.0.0.0 or ::) counts.
 */
export function isListening(e: Endpoint): boolean {
  const files = e.proto === 'tcp' ? ['/proc/net/tcp', '/proc/net/tcp6'] : ['/proc/net/udp', '/proc/net/udp6'];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [addr, portHex] = (cols[1] ?? '').split(':');
      if (!addr || !portHex || parseInt(portHex, 16) !== e.port) continue;
      if (e.proto === 'tcp' && cols[3] !== '0A') continue; // 0A = LISTEN
      const v6 = addr.length === 32;
      const wildcard = /^0+$/.test(addr);
      if (wildcard || (!v6 && hexToIpv4(addr) === e.host)) return true;
    }
  }
  return false;
}
