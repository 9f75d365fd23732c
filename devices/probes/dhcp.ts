/**
 * Which resolver does this network's DHCP hand out? One DHCPDISCOVER (RFC 2131) from the probe's
 * interface, broadcast, and the first DHCPOFFER's option 6 (RFC 2132 section 3.8) read back. The probe
 * never sends DHCPREQUEST, so no lease is taken: the offer lapses on the server by itself.
 * Needs port 68 (root) and a namespace whose only non-loopback interface is the network's.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';

export interface DhcpOffer {
  server: string;
  offered: string;
  dns: string[];
  router: string[];
}

export class DhcpError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DhcpError';
    this.code = code;
  }
}

const MAGIC = 0x63825363;

/** The interface to send from: the named one, else the only non-loopback IPv4 interface. */
export function pickInterface(name?: string): { name: string; mac: string } {
  const all = Object.entries(networkInterfaces()).filter(([, addrs]) =>
    (addrs ?? []).some((a) => !a.internal),
  );
  const found = name === undefined ? all : all.filter(([n]) => n === name);
  if (found.length !== 1) {
    throw new DhcpError(
      'E-NO-INTERFACE',
      name === undefined
        ? `the probe position has ${found.length} network interfaces (${found.map(([n]) => n).join(', ') || 'none'}); name one in probes.positions[].interface`
        : `interface ${name} is not in the probe's namespace`,
    );
  }
  const [ifName, addrs] = found[0] as [string, NonNullable<ReturnType<typeof networkInterfaces>[string]>];
  return { name: ifName, mac: addrs[0]?.mac ?? '00:00:00:00:00:00' };
}

export function encodeDiscover(mac: string, xid: number): Buffer {
  const b = Buffer.alloc(240 + 8);
  b[0] = 1; // BOOTREQUEST
  b[1] = 1; // Ethernet
  b[2] = 6;
  b.writeUInt32BE(xid, 4);
  b.writeUInt16BE(0x8000, 10); // broadcast: we have no address to be answered at
  Buffer.from(mac.split(':').map((h) => parseInt(h, 16))).copy(b, 28);
  b.writeUInt32BE(MAGIC, 236);
  let o = 240;
  b[o++] = 53; // message type
  b[o++] = 1;
  b[o++] = 1; // DHCPDISCOVER
  b[o++] = 55; // parameter request list: router, DNS
  b[o++] = 2;
  b[o++] = 3;
  b[o++] = 6;
  b[o] = 255;
  return b;
}

function ips(v: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= v.length; i += 4) out.push([...v.subarray(i, i + 4)].join('.'));
  return out;
}

export function decodeOffer(b: Buffer, xid: number): DhcpOffer | undefined {
  if (b.length < 240 || b[0] !== 2 || b.readUInt32BE(4) !== xid || b.readUInt32BE(236) !== MAGIC)
    return undefined;
  let type = 0;
  let server = '';
  let dns: string[] = [];
  let router: string[] = [];
  for (let o = 240; o < b.length;) {
    const code = b[o] ?? 255;
    if (code === 255) break;
    if (code === 0) {
      o++;
      continue;
    }
    const len = b[o + 1] ?? 0;
    const v = b.subarray(o + 2, o + 2 + len);
    if (code === 53) type = v[0] ?? 0;
    else if (code === 54) server = ips(v)[0] ?? '';
    else if (code === 6) dns = ips(v);
    else if (code === 3) router = ips(v);
    o += 2 + len;
  }
  if (type !== 2) return undefined;
  return { server, offered: [...b.subarray(16, 20)].join('.'), dns, router };
}

export function discoverResolvers(opts: { interface?: string; timeoutMs: number }): Promise<DhcpOffer> {
  const iface = pickInterface(opts.interface);
  const xid = randomBytes(4).readUInt32BE(0);
  const msg = encodeDiscover(iface.mac, xid);
  return new Promise<DhcpOffer>((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const finish = (e: Error | null, v?: DhcpOffer): void => {
      clearTimeout(timer);
      clearInterval(again);
      sock.close();
      if (e) reject(e);
      else resolve(v as DhcpOffer);
    };
    const timer = setTimeout(
      () => finish(new DhcpError('E-NO-DHCP', `no DHCP offer on ${iface.name} within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    const send = (): void => sock.send(msg, 67, '255.255.255.255');
    // Broadcasts can be lost: ask again, rarely (same xid: one offer is enough). A server that pings the
    // address before offering it (dnsmasq, up to 3 s) handles one DISCOVER at a time; resending faster
    // only queues duplicates in front of the other networks' requests.
    const again = setInterval(send, Math.max(3500, Math.floor(opts.timeoutMs / 2)));
    sock.on('error', (e) => finish(new DhcpError('E-DHCP-SOCKET', e.message)));
    sock.on('message', (m) => {
      const offer = decodeOffer(m, xid);
      if (offer) finish(null, offer);
    });
    sock.bind(68, () => {
      sock.setBroadcast(true);
      send();
    });
  });
}
