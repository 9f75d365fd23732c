/**
 * SNMP client for switch audits, on net-snmp.
 *
 * net-snmp was chosen over snmp-native, which has no SNMPv3 (its code accepts only v1/v2c), no GetBulk
 * (its `getSubtree` is a GetNext loop) and walked the same subtrees 5-7x slower against this project's
 * snmpd and snmpsim testbed; net-snmp speaks v3 USM (SHA/SHA-2 auth, AES/AES-256 privacy) and walks with
 * GetBulk.
 *
 * Every request runs inside a deadline and every session is closed, success or failure, so a silent or
 * misbehaving agent ends in a typed DeviceError and never in a hang, an open socket or a crash (net-snmp
 * emits 'error' on an unreadable datagram, which would throw without a listener).
 */
import snmp from 'net-snmp';
import type { Device } from '../../inventory/types.ts';
import { DeviceError, type DeviceErrorCode } from '../errors.ts';
import { compareOids } from './oid.ts';
import { guardedDgram, UsmGuard, type UsmViolation } from './usm-guard.ts';
import { normaliseValue, type SnmpVarbind } from './varbind.ts';

export type SnmpAuthProtocol = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type SnmpPrivProtocol = 'des' | 'aes' | 'aes256b' | 'aes256r';

/** Where and how to ask, with secrets already resolved (never log this object). */
export interface SnmpTarget {
  host: string;
  port: number;
  version: '2c' | '3';
  community?: string;
  v3?: {
    user: string;
    authProtocol: SnmpAuthProtocol;
    authKey: string;
    /** Absent means authNoPriv. */
    privProtocol?: SnmpPrivProtocol;
    privKey?: string;
    /** The agent's authoritative engine ID (hex), pinned: replies from any other engine are refused. */
    engineId?: string;
    /** Where the pin came from, for messages. */
    engineIdSource?: string;
  };
  /** SNMPv3 context name (snmpsim picks its data file by it). */
  context?: string;
}

export interface SnmpSessionOptions {
  /** Budget for everything done in the session; each request gets a share so retries fit inside it. */
  timeoutMs: number;
  /** Resends per request after a silent attempt (UDP loses packets). Default 1. */
  retries?: number;
  /** GetBulk max-repetitions for walks (default DEFAULT_MAX_REPETITIONS). */
  maxRepetitions?: number;
  /**
   * SNMPv3 without a pinned engine ID: called once with the engine ID (hex) of the first reply that
   * verified under our key, for the caller to record and pin from then on (trust on first use).
   */
  recordEngineId?: (engineId: string) => void;
}

/** An engine ID as declared (hex, optionally `0x`-prefixed or with `:`/space separators), normalised to
 * lower-case hex; undefined when it is not 5-32 octets of hex (RFC 3411 SnmpEngineID). */
export function normaliseEngineId(text: string): string | undefined {
  const hex = text
    .trim()
    .replace(/^0x/i, '')
    .replace(/[\s:.-]/g, '')
    .toLowerCase();
  if (!/^[0-9a-f]*$/.test(hex) || hex.length % 2 !== 0) return undefined;
  return hex.length >= 10 && hex.length <= 64 ? hex : undefined;
}

/**
 * Tuned on the testbed (test/bench/snmp.ts): the audit walks table columns, most of which end within
 * one or two pages of 25 on a 24-52 port switch, while 50 mostly bought end-of-column overshoot; a whole-
 * tree walk would prefer 50 (snmpsim caps a reply at 64 varbinds).
 */
export const DEFAULT_MAX_REPETITIONS = 25;

const authProtocols: Record<SnmpAuthProtocol, snmp.AuthProtocols> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const privProtocols: Record<SnmpPrivProtocol, snmp.PrivProtocols> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

/**
 * The SNMP target a declared device describes, with its `env:`/`file:` secrets resolved.
 * Throws E-CONFIG for a declaration that cannot work and E-SECRET for a reference that cannot be read.
 */
export async function snmpTargetFor(
  device: Device,
  resolveSecret: (ref: string) => Promise<string>,
): Promise<SnmpTarget> {
  const s = device.snmp;
  if (!s)
    throw new DeviceError('E-CONFIG', device.name, 'no `snmp` settings in the declaration', {
      hint: 'Add snmp: { version, ... } to the device.',
    });
  const secret = async (field: string, ref: string | undefined): Promise<string> => {
    if (ref === undefined) {
      throw new DeviceError('E-CONFIG', device.name, `snmp.${field} is required for SNMP v${s.version}`, {
        hint: `Declare snmp.${field} as an env:NAME or file:PATH reference.`,
      });
    }
    try {
      return await resolveSecret(ref);
    } catch (e) {
      throw new DeviceError(
        'E-SECRET',
        device.name,
        `cannot resolve snmp.${field} (${ref.split(':')[0]}:...): ${(e as Error).message}`,
        { cause: e },
      );
    }
  };
  const base = {
    host: device.host,
    port: s.port ?? device.port ?? 161,
    ...(s.context ? { context: s.context } : {}),
  };
  if (s.version === '2c')
    return { ...base, version: '2c', community: await secret('community', s.community) };
  if (!s.user)
    throw new DeviceError('E-CONFIG', device.name, 'snmp.user is required for SNMP v3', {
      hint: 'Declare the USM user name.',
    });
  const authKey = await secret('authKey', s.authKey);
  let engineId: string | undefined;
  if (s.engineId !== undefined) {
    engineId = normaliseEngineId(s.engineId);
    if (!engineId)
      throw new DeviceError(
        'E-CONFIG',
        device.name,
        `snmp.engineId ${JSON.stringify(s.engineId)} is not an SNMP engine ID (5 to 32 octets in hex)`,
        { hint: 'Copy it from the switch (snmpEngineID.0, 1.3.6.1.6.3.10.2.1.1.0), e.g. 80001f8880...' },
      );
  }
  const priv =
    s.privKey === undefined
      ? {}
      : { privProtocol: s.privProtocol ?? 'aes', privKey: await secret('privKey', s.privKey) };
  return {
    ...base,
    version: '3',
    v3: {
      user: s.user,
      authProtocol: s.authProtocol ?? 'sha',
      authKey,
      ...priv,
      ...(engineId ? { engineId, engineIdSource: 'declared in snmp.engineId' } : {}),
    },
  };
}

/** A wrong community or v3 user/key gets no reply at all from most agents, so say so in every timeout. */
export function snmpTimeoutError(device: string, target: SnmpTarget, ms: number, what: string): DeviceError {
  const cred = target.version === '2c' ? 'a wrong community' : 'a wrong SNMPv3 user, key or context';
  return new DeviceError(
    'E-TIMEOUT',
    device,
    `no SNMP reply from ${target.host}:${target.port} within ${ms} ms (${what}); in SNMP ${cred} looks exactly like a timeout, because the agent stays silent`,
    {
      hint: `Check the address and UDP port, that the agent accepts requests from this host, and the ${target.version === '2c' ? 'community' : 'v3 user, auth/priv keys and protocols'}.`,
      detail: { host: target.host, port: target.port, timeoutMs: ms },
    },
  );
}

interface NetSnmpError extends Error {
  code?: number | string;
  status?: number;
}

/** net-snmp's error objects to DeviceError codes. */
export function mapSnmpError(
  device: string,
  target: SnmpTarget,
  err: unknown,
  ms: number,
  what: string,
): DeviceError {
  if (err instanceof DeviceError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as NetSnmpError;
  const at = `${target.host}:${target.port}`;
  const fail = (code: DeviceErrorCode, message: string, hint?: string) =>
    new DeviceError(code, device, message, {
      cause: e,
      ...(hint ? { hint } : {}),
      detail: { host: target.host, port: target.port },
    });
  if (e.name === 'RequestTimedOutError') return snmpTimeoutError(device, target, ms, what);
  if (e.name === 'ResponseInvalidError') {
    if (e.code === snmp.ResponseInvalidCode.EAuthFailure) {
      // net-snmp's own digest-mismatch text prints both HMACs; a technician needs the cause, not the bytes.
      const why = /^Authentication digest/.test(e.message)
        ? 'the reply is not signed with our auth key'
        : e.message;
      return fail(
        'E-AUTH',
        `SNMPv3 authentication refused by ${at}: ${why}`,
        'Check the v3 user name, auth key and auth protocol.',
      );
    }
    if (e.code === snmp.ResponseInvalidCode.ECouldNotDecrypt) {
      return fail(
        'E-AUTH',
        `cannot decrypt the reply from ${at}: wrong privacy key or protocol`,
        'Check the v3 privacy key and protocol (aes, aes256b...).',
      );
    }
    return fail('E-PROTOCOL', `invalid SNMP reply from ${at} (${what}): ${e.message}`);
  }
  if (e.name === 'RequestFailedError') {
    // RFC 3416 error-status 16 is authorizationError: the user exists but may not read this view.
    if (e.status === 16)
      return fail(
        'E-AUTH',
        `${at} refused access (${what}): ${e.message}`,
        'Give the SNMP user or community a view that includes the MIBs audited.',
      );
    return fail('E-PROTOCOL', `${at} answered ${what} with an error: ${e.message}`);
  }
  const sys = (e as NodeJS.ErrnoException).code;
  if (
    sys === 'ECONNREFUSED' ||
    sys === 'EHOSTUNREACH' ||
    sys === 'ENETUNREACH' ||
    sys === 'ENOTFOUND' ||
    sys === 'EAI_AGAIN'
  ) {
    return fail('E-REFUSED', `cannot reach ${at}: ${e.message}`, 'Check the host name or address.');
  }
  if (/forcibly closed/i.test(e.message))
    return fail('E-CLOSED', `SNMP session to ${at} closed during ${what}`);
  return fail('E-PROTOCOL', `SNMP ${what} on ${at} failed: ${e.message}`);
}

/** One net-snmp session with promise methods, typed errors and a hard budget. Always `close()` it. */
export class SnmpSession {
  readonly device: string;
  readonly target: SnmpTarget;
  readonly maxRepetitions: number;
  private readonly session: snmp.Session;
  private readonly timeoutMs: number;
  private readonly requestMs: number;
  private socketError: Error | undefined;
  /** The first SNMPv3 reply the USM guard refused; it fails every request of the session. */
  private violation: UsmViolation | undefined;
  private guard: UsmGuard | undefined;
  private closed = false;

  constructor(device: string, target: SnmpTarget, opts: SnmpSessionOptions) {
    this.device = device;
    this.target = target;
    this.timeoutMs = opts.timeoutMs;
    this.maxRepetitions = opts.maxRepetitions ?? DEFAULT_MAX_REPETITIONS;
    const retries = opts.retries ?? 1;
    // Attempts for one request (with their retries) must end before the overall deadline, so that the
    // caller sees net-snmp's own timeout rather than an abandoned request.
    this.requestMs = Math.max(100, Math.floor((opts.timeoutMs * 0.9) / (retries + 1)));
    const common = {
      port: target.port,
      retries,
      timeout: this.requestMs,
      transport: target.host.includes(':') ? ('udp6' as const) : ('udp4' as const),
      ...(target.context ? { context: target.context } : {}),
    };
    if (target.version === '3') {
      const v3 = target.v3;
      if (!v3) throw new DeviceError('E-CONFIG', device, 'SNMPv3 target without user settings');
      const user: snmp.User = {
        name: v3.user,
        level: v3.privKey === undefined ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.authPriv,
        authProtocol: authProtocols[v3.authProtocol],
        authKey: v3.authKey,
        ...(v3.privKey === undefined
          ? {}
          : { privProtocol: privProtocols[v3.privProtocol ?? 'aes'], privKey: v3.privKey }),
      };
      // Every reply passes the USM guard before net-snmp sees it (see usm-guard.ts for why and how).
      const guard = new UsmGuard({
        name: v3.user,
        level: v3.privKey === undefined ? 'authNoPriv' : 'authPriv',
        authProtocol: v3.authProtocol,
        authKey: v3.authKey,
        ...(v3.engineId
          ? {
              engineId: Buffer.from(v3.engineId, 'hex'),
              pinSource: v3.engineIdSource ?? 'pinned',
            }
          : {}),
        ...(opts.recordEngineId && !v3.engineId
          ? { onLearn: (id: Buffer) => opts.recordEngineId?.(id.toString('hex')) }
          : {}),
      });
      this.guard = guard;
      const dgramModule = guardedDgram(guard, (v) => {
        if (this.violation) return;
        this.violation = v;
        this.close(); // cancels every request in flight; fail() names the violation
      });
      this.session = snmp.createV3Session(target.host, user, {
        ...common,
        version: snmp.Version3,
        dgramModule,
      });
    } else {
      this.session = snmp.createSession(target.host, target.community ?? '', {
        ...common,
        version: snmp.Version2c,
      });
    }
    // Without a listener, an unreadable datagram (garbage on the port) would throw and crash the process.
    this.session.on('error', (err: Error) => {
      this.socketError = err;
    });
  }

  /** Version label as facts record it. */
  get version(): '2c' | '3' {
    return this.target.version;
  }

  /** GET of scalars; missing objects come back as NoSuchObject/NoSuchInstance varbinds, not errors. */
  get(oids: string[]): Promise<SnmpVarbind[]> {
    const what = `GET ${oids.join(' ')}`;
    return new Promise((resolve, reject) => {
      this.session.get(oids, (err, varbinds) => {
        if (err) return reject(this.fail(err, what));
        resolve(
          (varbinds ?? []).map((vb) => ({
            oid: vb.oid,
            type: vb.type ?? 0,
            value: normaliseValue(vb.type ?? 0, vb.value),
          })),
        );
      });
    });
  }

  /**
   * Which of `subtrees` hold anything, in one GetNext for all of them: a walk of an empty subtree
   * still costs a round trip and a page of end-of-view varbinds, and most switches lack most vendor MIBs.
   */
  nonEmpty(subtrees: readonly string[]): Promise<string[]> {
    const what = `GETNEXT of ${subtrees.length} subtrees`;
    return new Promise((resolve, reject) => {
      this.session.getNext([...subtrees], (err, varbinds) => {
        if (err) return reject(this.fail(err, what));
        resolve(
          subtrees.filter((base, i) => {
            const vb = varbinds?.[i];
            return vb !== undefined && !snmp.isVarbindError(vb) && vb.oid.startsWith(base + '.');
          }),
        );
      });
    });
  }

  /**
   * Every varbind under `oid`, by GetBulk. Stops with E-PROTOCOL if the agent ever goes backwards (a
   * looping agent would otherwise be walked until the deadline).
   */
  walk(oid: string, maxRepetitions = this.maxRepetitions): Promise<SnmpVarbind[]> {
    const what = `walk ${oid}`;
    return new Promise((resolve, reject) => {
      const out: SnmpVarbind[] = [];
      let last = oid;
      let broken: DeviceError | undefined;
      const feed = (varbinds: snmp.Varbind[]): boolean => {
        for (const vb of varbinds) {
          if (snmp.isVarbindError(vb)) continue;
          if (compareOids(vb.oid, last) <= 0) {
            broken = new DeviceError(
              'E-PROTOCOL',
              this.device,
              `agent at ${this.target.host}:${this.target.port} returned ${vb.oid} after ${last} while walking ${oid} (OIDs must increase)`,
            );
            return true;
          }
          last = vb.oid;
          out.push({ oid: vb.oid, type: vb.type ?? 0, value: normaliseValue(vb.type ?? 0, vb.value) });
        }
        return false;
      };
      this.session.subtree(oid, maxRepetitions, feed, (err) => {
        if (broken) return reject(broken);
        if (err) return reject(this.fail(err, what));
        resolve(out);
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.session.close();
    } catch {
      // Already closed by net-snmp after a socket error: nothing left to release.
    }
  }

  private fail(err: unknown, what: string): DeviceError {
    const at = `${this.target.host}:${this.target.port}`;
    if (this.violation) {
      const v = this.violation;
      return v.kind === 'refused'
        ? new DeviceError('E-AUTH', this.device, `SNMPv3 authentication refused by ${at}: ${v.reason}`, {
            hint: 'Check the v3 user name, auth key and auth protocol.',
            detail: { host: this.target.host, port: this.target.port },
          })
        : new DeviceError(
            'E-AUTH',
            this.device,
            `untrusted SNMPv3 reply from ${at} during ${what}: ${v.reason}; nothing it said was used`,
            {
              hint: 'Something on the management path answers for this device without its keys, or the agent is misconfigured; check the path and the agent.',
              detail: { host: this.target.host, port: this.target.port },
            },
          );
    }
    const mapped = mapSnmpError(this.device, this.target, err, this.timeoutMs, what);
    if (mapped.code === 'E-TIMEOUT' && this.guard && this.guard.discarded > 0) {
      return new DeviceError(
        'E-TIMEOUT',
        this.device,
        `${mapped.message.slice(this.device.length + 2)}; ${this.guard.discarded} repl${this.guard.discarded === 1 ? 'y' : 'ies'} answering no request in flight (replayed, duplicated or stray) ${this.guard.discarded === 1 ? 'was' : 'were'} discarded`,
        {
          ...(mapped.hint ? { hint: mapped.hint } : {}),
          ...(mapped.detail ? { detail: mapped.detail } : {}),
        },
      );
    }
    if (mapped.code === 'E-TIMEOUT' && this.socketError) {
      return new DeviceError(
        'E-PROTOCOL',
        this.device,
        `unreadable SNMP reply from ${this.target.host}:${this.target.port}: ${this.socketError.message}`,
        { cause: this.socketError },
      );
    }
    return mapped;
  }
}

/**
 * Runs `fn` with an open session and closes it afterwards, whatever happens. If `fn` has not finished
 * within `opts.timeoutMs`, the session is closed (cancelling its requests) and E-TIMEOUT is thrown.
 */
export async function withSnmpSession<T>(
  device: string,
  target: SnmpTarget,
  opts: SnmpSessionOptions,
  fn: (s: SnmpSession) => Promise<T>,
): Promise<T> {
  const session = new SnmpSession(device, target, opts);
  let timer: NodeJS.Timeout | undefined;
  const work = fn(session);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(snmpTimeoutError(device, target, opts.timeoutMs, 'collection budget spent')),
      opts.timeoutMs,
    );
  });
  // The losing promise still settles when the session closes; keep that from becoming an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    session.close();
  }
}

/** Runs tasks with at most `limit` in flight (a switch's SNMP agent is a small CPU; do not flood it). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
