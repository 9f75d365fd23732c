/**
 * One bounded web request as a pupil's device would make it, for the web, download and DoH probes: the
 * host is resolved through the network's resolver (never the probe host's own), then HTTP, or HTTPS
 * with the host as SNI and certificate verification always on. At most `maxBytes` of the body are read.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { DnsError, queryUdp, socketErrorCode } from './dns.ts';

export interface FetchOptions {
  resolver: string;
  timeoutMs: number;
  signal?: AbortSignal;
  localAddress?: string;
  ca?: string[];
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Buffer;
  maxBytes?: number;
}

export type FetchResult =
  /** The name did not resolve to anything usable (rcode, or no address). */
  | { stage: 'dns'; rcode: string; addresses: string[] }
  /** Connecting or the TLS handshake failed: refused, reset, timed out, certificate refused. */
  | { stage: 'connect' | 'tls'; address: string; code: string; message: string }
  | {
      stage: 'http';
      address: string;
      status: number;
      contentType: string;
      /** The first bytes of the body (at most maxBytes). */
      body: Buffer;
      peer?: { subject: string; issuer: string };
    };

export async function fetchVia(url: URL, opts: FetchOptions): Promise<FetchResult> {
  const started = performance.now();
  const left = (): number => Math.max(1, opts.timeoutMs - (performance.now() - started));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let address = host;
  if (!net.isIP(host)) {
    let a;
    try {
      a = await queryUdp(opts.resolver, host, 'A', {
        timeoutMs: left(),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      });
    } catch (e) {
      // The school's own resolver not answering tests nothing: an error, never "blocked".
      throw new DnsError(
        'E-RESOLVER',
        `the network's resolver ${opts.resolver} did not answer for ${host}: ${(e as Error).message}`,
      );
    }
    const v4 = a.answers.filter((r) => r.type === 'A').map((r) => r.data);
    if (a.rcode !== 'NOERROR' || v4.length === 0)
      return { stage: 'dns', rcode: a.rcode, addresses: a.addresses };
    address = v4[0] as string;
  }
  const lookup: LookupFunction = (_h, options, cb) => {
    if ((options as { all?: boolean }).all)
      (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family: 4 },
      ]);
    else cb(null, address, 4);
  };
  const secure = url.protocol === 'https:';
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  return new Promise<FetchResult>((resolve) => {
    let done = false;
    const finish = (r: FetchResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const common = {
      method: opts.method ?? 'GET',
      host,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      headers: { 'user-agent': 'schoolnet-probe', ...(opts.headers ?? {}) },
      lookup,
      agent: false as const,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    };
    const req = secure
      ? https.request({
          ...common,
          servername: net.isIP(host) ? undefined : host,
          ...(opts.ca ? { ca: [...tls.rootCertificates, ...opts.ca] } : {}),
          rejectUnauthorized: true,
        })
      : http.request(common);
    let connected = false;
    req.on('socket', (s) => {
      s.once(secure ? 'secureConnect' : 'connect', () => (connected = true));
    });
    const timer = setTimeout(
      () =>
        finish({
          stage: connected ? (secure ? 'tls' : 'connect') : 'connect',
          address,
          code: 'E-TIMEOUT',
          message: `no answer within ${opts.timeoutMs} ms`,
        }),
      left(),
    );
    opts.signal?.addEventListener('abort', () =>
      finish({ stage: 'connect', address, code: 'E-ABORTED', message: 'stopped' }),
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      const tlsFailure =
        secure &&
        (String(e.code).includes('CERT') ||
          String(e.code).startsWith('ERR_TLS') ||
          String(e.code).includes('SSL') ||
          /certificate|handshake|alert/i.test(e.message));
      finish({
        stage: tlsFailure ? 'tls' : 'connect',
        address,
        code: tlsFailure ? `E-TLS-${e.code ?? 'HANDSHAKE'}` : socketErrorCode(e),
        message: e.message,
      });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const sock = res.socket as tls.TLSSocket;
      const cert = secure ? sock.getPeerCertificate?.() : undefined;
      const end = (): void =>
        finish({
          stage: 'http',
          address,
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).subarray(0, maxBytes),
          ...(cert
            ? { peer: { subject: String(cert.subject?.CN ?? ''), issuer: String(cert.issuer?.CN ?? '') } }
            : {}),
        });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= maxBytes) end();
      });
      res.on('end', end);
      res.on('error', end);
    });
    req.end(opts.body);
  }).catch((e: unknown) => {
    throw e instanceof DnsError ? e : new DnsError('E-HTTP', (e as Error).message);
  });
}

/** Which of the block page texts the body contains (case-insensitive). */
export function blockPageMatch(body: Buffer, texts: readonly string[]): string | undefined {
  const s = body.toString('utf8').toLowerCase();
  return texts.find((t) => s.includes(t.toLowerCase()));
}
