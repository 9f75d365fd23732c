/**
 * A minimal DNS client for the probes (RFC 1035 messages): one question, answers A / AAAA / CNAME read
 * back, over UDP, TCP, TLS (RFC 7858, port 853) and HTTPS (RFC 8484, application/dns-message). It never
 * follows referrals or retries to another server: the probe wants to know what *this* server says.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';

export type RType = 'A' | 'AAAA' | 'CNAME' | 'HTTPS';
const TYPE_CODE: Record<RType, number> = { A: 1, CNAME: 5, AAAA: 28, HTTPS: 65 };
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export interface DnsRecord {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | string;
  ttl: number;
  /** Address for A/AAAA, target name for CNAME, hex for anything else. */
  data: string;
}

export interface DnsAnswer {
  rcode: string;
  answers: DnsRecord[];
  /** The addresses (A/AAAA) in the answer section. */
  addresses: string[];
  /** CNAME targets in the answer section, in order. */
  cnames: string[];
}

export class DnsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DnsError';
    this.code = code;
  }
}

export function encodeQuery(name: string, type: RType, id = randomBytes(2).readUInt16BE(0)): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2); // RD
  head.writeUInt16BE(1, 4);
  parts.push(head);
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    if (b.length === 0 || b.length > 63) throw new DnsError('E-DNS-NAME', `bad DNS name ${name}`);
    parts.push(Buffer.from([b.length]), b);
  }
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(TYPE_CODE[type], 1);
  tail.writeUInt16BE(1, 3);
  parts.push(tail);
  return Buffer.concat(parts);
}

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let off = start;
  let next = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (off >= buf.length) throw new DnsError('E-DNS-FORMAT', 'truncated name');
    const len = buf[off] ?? 0;
    if (len === 0) {
      if (next < 0) next = off + 1;
      return { name: labels.join('.').toLowerCase(), next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (next < 0) next = off + 2;
      off = buf.readUInt16BE(off) & 0x3fff;
      continue;
    }
    labels.push(buf.subarray(off + 1, off + 1 + len).toString('ascii'));
    off += 1 + len;
  }
  throw new DnsError('E-DNS-FORMAT', 'name compression loop');
}

export function decodeAnswer(buf: Buffer, expectId?: number): DnsAnswer {
  if (buf.length < 12) throw new DnsError('E-DNS-FORMAT', 'reply shorter than a DNS header');
  if (expectId !== undefined && buf.readUInt16BE(0) !== expectId)
    throw new DnsError('E-DNS-FORMAT', 'reply id does not match the query');
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new DnsError('E-DNS-FORMAT', 'not a DNS reply');
  const rcode = RCODES[flags & 0xf] ?? `RCODE${flags & 0xf}`;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) off = readName(buf, off).next + 4;
  const answers: DnsRecord[] = [];
  for (let i = 0; i < an; i++) {
    const { name, next } = readName(buf, off);
    if (next + 10 > buf.length) throw new DnsError('E-DNS-FORMAT', 'truncated record');
    const type = buf.readUInt16BE(next);
    const ttl = buf.readUInt32BE(next + 4);
    const len = buf.readUInt16BE(next + 8);
    const rdata = next + 10;
    if (rdata + len > buf.length) throw new DnsError('E-DNS-FORMAT', 'truncated record data');
    if (type === 1 && len === 4)
      answers.push({ name, type: 'A', ttl, data: [...buf.subarray(rdata, rdata + 4)].join('.') });
    else if (type === 28 && len === 16) {
      const groups: string[] = [];
      for (let g = 0; g < 8; g++) groups.push(buf.readUInt16BE(rdata + g * 2).toString(16));
      answers.push({ name, type: 'AAAA', ttl, data: groups.join(':') });
    } else if (type === 5) answers.push({ name, type: 'CNAME', ttl, data: readName(buf, rdata).name });
    else
      answers.push({
        name,
        type: `TYPE${type}`,
        ttl,
        data: buf.subarray(rdata, rdata + len).toString('hex'),
      });
    off = rdata + len;
  }
  return {
    rcode,
    answers,
    addresses: answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.data),
    cnames: answers.filter((a) => a.type === 'CNAME').map((a) => a.data),
  };
}

export interface QueryOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Local address to send from. */
  localAddress?: string;
  port?: number;
}

function deadline<T>(
  opts: QueryOptions,
  what: string,
  start: (done: (e: Error | null, v?: T) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let cleanup: () => void = () => undefined;
    const finish = (e: Error | null, v?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      cleanup();
      if (e) reject(e);
      else resolve(v as T);
    };
    const timer = setTimeout(
      () => finish(new DnsError('E-TIMEOUT', `no answer from ${what} within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    const onAbort = (): void => finish(new DnsError('E-ABORTED', `stopped before ${what} answered`));
    opts.signal?.addEventListener('abort', onAbort);
    cleanup = start(finish);
  });
}

/** Error codes a socket error maps to: refused/unreachable are the network answering "no". */
export function socketErrorCode(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'E-REFUSED';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'E-RESET';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'E-UNREACHABLE';
    case 'ETIMEDOUT':
      return 'E-TIMEOUT';
    case 'EADDRNOTAVAIL':
      return 'E-NO-SOURCE';
    default:
      return `E-SOCKET-${e.code ?? 'UNKNOWN'}`;
  }
}

export function queryUdp(server: string, name: string, type: RType, opts: QueryOptions): Promise<DnsAnswer> {
  const q = encodeQuery(name, type);
  const id = q.readUInt16BE(0);
  const port = opts.port ?? 53;
  return deadline<DnsAnswer>(opts, `${server}:${port}/udp`, (done) => {
    const sock = dgram.createSocket(net.isIPv6(server) ? 'udp6' : 'udp4');
    sock.on('error', (e) => done(new DnsError(socketErrorCode(e), e.message)));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.address !== server) return; // only the server asked may answer
      try {
        done(null, decodeAnswer(msg, id));
      } catch (e) {
        if (e instanceof DnsError && e.message.includes('id does not match')) return;
        done(e as Error);
      }
    });
    const send = (): void =>
      sock.send(q, port, server, (e) => e && done(new DnsError(socketErrorCode(e), e.message)));
    if (opts.localAddress !== undefined) sock.bind({ address: opts.localAddress, port: 0 }, send);
    else send();
    return () => sock.close();
  });
}

/** Two-byte length framed query over a stream (TCP, TLS). */
function queryStream(sock: net.Socket, q: Buffer, done: (e: Error | null, v?: DnsAnswer) => void): void {
  const id = q.readUInt16BE(0);
  let buf = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      try {
        done(null, decodeAnswer(buf.subarray(2, 2 + buf.readUInt16BE(0)), id));
      } catch (e) {
        done(e as Error);
      }
    }
  });
  sock.on('end', () => done(new DnsError('E-RESET', 'connection closed before an answer')));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(q.length);
  sock.write(Buffer.concat([len, q]));
}

export function queryTcp(server: string, name: string, type: RType, opts: QueryOptions): Promise<DnsAnswer> {
  const q = encodeQuery(name, type);
  const port = opts.port ?? 53;
  return deadline<DnsAnswer>(opts, `${server}:${port}/tcp`, (done) => {
    const sock = net.connect({
      host: server,
      port,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    sock.on('error', (e) => done(new DnsError(socketErrorCode(e), e.message)));
    sock.on('connect', () => queryStream(sock, q, done));
    return () => sock.destroy();
  });
}

export interface TlsOptions extends QueryOptions {
  /** Name the certificate must carry (SNI and verification); default the server address. */
  servername?: string;
  ca?: string[];
}

export interface TlsQueryResult extends DnsAnswer {
  /** The peer certificate's subject CN and issuer CN, for the evidence. */
  peer: { subject: string; issuer: string };
}

/** DNS over TLS (RFC 7858). Certificate verification is always on. */
export function queryTls(
  server: string,
  name: string,
  type: RType,
  opts: TlsOptions,
): Promise<TlsQueryResult> {
  const q = encodeQuery(name, type);
  const port = opts.port ?? 853;
  return deadline<TlsQueryResult>(opts, `${server}:${port}/tls`, (done) => {
    const servername = opts.servername ?? server;
    const sock = tls.connect({
      host: server,
      port,
      ...(net.isIP(servername) ? {} : { servername }),
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      ...(opts.ca ? { ca: [...tls.rootCertificates, ...opts.ca] } : {}),
      ALPNProtocols: ['dot'],
      checkServerIdentity: (host, cert) => tls.checkServerIdentity(servername, cert),
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      done(
        new DnsError(
          e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT') ? 'E-TLS' : socketErrorCode(e),
          e.message,
        ),
      ),
    );
    sock.on('secureConnect', () => {
      const cert = sock.getPeerCertificate();
      const peer = { subject: String(cert.subject?.CN ?? ''), issuer: String(cert.issuer?.CN ?? '') };
      queryStream(sock, q, (e, v) => (e ? done(e) : done(null, { ...(v as DnsAnswer), peer })));
    });
    return () => sock.destroy();
  });
}
