/**
 * "Does it really answer?" probes, used both while starting (readiness) and by `testbed status`.
 * Each one does what a client does: an LDAP bind over verified TLS, an SNMP get, an SSH banner, a PEAP login.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Client } from 'ldapts';
import snmp from 'net-snmp';
import { canaryAttempt } from '../../devices/probes/radius-canary.ts';

export interface LdapProbe {
  url: string;
  ca: string;
  servername?: string;
  startTls?: boolean;
  bindDn: string;
  password: string;
}

/** Binds over verified TLS (LDAPS, or StartTLS when `startTls`) and unbinds. */
export async function ldapBind(p: LdapProbe, timeoutMs = 3000): Promise<void> {
  const tlsOptions = { ca: [readFileSync(p.ca)], ...(p.servername ? { servername: p.servername } : {}) };
  const client = new Client({
    url: p.url,
    timeout: timeoutMs,
    connectTimeout: timeoutMs,
    ...(p.startTls ? {} : { tlsOptions }),
  });
  try {
    if (p.startTls) await client.startTLS(tlsOptions);
    await client.bind(p.bindDn, p.password);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export interface SnmpProbe {
  host: string;
  port: number;
  oid?: string;
  community?: string;
  v3?: { user: string; authKey: string; privKey: string; context?: string };
}

/** One SNMP get (v2c with `community`, else v3 authPriv SHA/AES); resolves with the value as text. */
export function snmpGet(p: SnmpProbe, timeoutMs = 1000): Promise<string> {
  const oid = p.oid ?? '1.3.6.1.2.1.1.5.0';
  const session = p.v3
    ? snmp.createV3Session(
        p.host,
        {
          name: p.v3.user,
          level: snmp.SecurityLevel.authPriv,
          authProtocol: snmp.AuthProtocols.sha,
          authKey: p.v3.authKey,
          privProtocol: snmp.PrivProtocols.aes,
          privKey: p.v3.privKey,
        },
        { port: p.port, timeout: timeoutMs, retries: 0, ...(p.v3.context ? { context: p.v3.context } : {}) },
      )
    : snmp.createSession(p.host, p.community ?? 'public', {
        port: p.port,
        timeout: timeoutMs,
        retries: 0,
        version: snmp.Version2c,
      });
  return new Promise((resolve, reject) => {
    session.on('error', (err: Error) => reject(err));
    session.get([oid], (err, varbinds) => {
      session.close();
      const vb = varbinds?.[0];
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else if (!vb || snmp.isVarbindError(vb)) reject(new Error(vb ? snmp.varbindError(vb) : 'no varbind'));
      else resolve(Buffer.isBuffer(vb.value) ? vb.value.toString('latin1') : String(vb.value));
    });
  });
}

/** Connects and resolves with the first line the server sends (e.g. `SSH-2.0-OpenSSH_9.2p1 ...`). */
export function tcpBanner(host: string, port: number, prefix: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no banner from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.destroy();
      const line = buf.slice(0, nl).trim();
      if (line.startsWith(prefix)) resolve(line);
      else reject(new Error(`unexpected banner from ${host}:${port}: ${line}`));
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Resolves once a TCP connection to host:port succeeds. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('timeout', () => {
      sock.destroy();
      reject(new Error(`timeout connecting to ${host}:${port}`));
    });
    sock.once('error', reject);
  });
}

export interface PeapProbe {
  host: string;
  port: number;
  secret: string;
  user: string;
  password: string;
  ca: string;
  /** The RADIUS server certificate's name, checked by the supplicant. */
  domain: string;
}

/**
 * A PEAP/MSCHAPv2 login with eapol_test, verifying the server certificate against the CA and name.
 * Resolves when the server accepts, rejects with the outcome and the RADIUS/EAP lines otherwise.
 *
 * It is the production canary's own sign-in (devices/probes/radius-canary.ts `canaryAttempt`), so the
 * testbed's shared secret reaches eapol_test the same way: a placeholder for `-s` and the secret through
 * a pipe the preloaded shim reads (secret-arg.ts), never on a command line `ps` shows.
 */
export async function peapLogin(p: PeapProbe, timeoutSec = 5): Promise<void> {
  const attempt = await canaryAttempt(
    {
      name: 'testbed',
      host: p.host,
      port: p.port,
      secret: p.secret,
      eap: 'peap-mschapv2',
      ca: p.ca,
      servername: p.domain,
    },
    { kind: 'enabled', account: p.user, password: p.password },
    { timeoutSec },
  );
  if (attempt.outcome !== 'accepted')
    throw new Error(
      `eapol_test: ${attempt.outcome}${attempt.detail === undefined ? '' : ` (${attempt.detail})`}; ${attempt.packets.slice(-3).join(' | ')}`,
    );
}
