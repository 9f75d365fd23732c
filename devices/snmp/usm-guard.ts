/**
 * The USM guard: no SNMPv3 reply reaches net-snmp unless it carries the security level we asked for and,
 * when it claims authentication, its HMAC verifies under our key localised to the engine we asked.
 *
 * Why a guard: net-snmp (3.29) matches a reply to its request by msgID, which travels in clear, then
 * authenticates and decrypts only what the reply's own msgFlags claim, and never compares the reply's
 * security level with the request's. A peer without keys could answer an authPriv GET with a plain
 * noAuthNoPriv Response and the library would hand its values over. It also adopts the engine ID and
 * time of any Report, authenticated or not.
 *
 * The seam is net-snmp's documented `dgramModule` session option ("a module interface-compatible with
 * Node's dgram ... to extend or override the default UDP socket behaviour"): our socket sees every
 * datagram net-snmp sends (our own requests: msgID, flags, engine ID, user) and every datagram it would
 * receive, and passes a reply on only when it verifies (RFC 3414 section 3.2 steps 1-6, plus the
 * request/response level match of RFC 3412 section 7.2 step 12). No net-snmp internals are touched.
 * Decryption stays net-snmp's: once the HMAC (which covers the ciphertext) verifies, a reply that does
 * not decrypt is the agent's fault and net-snmp reports it as ECouldNotDecrypt.
 *
 * Engine-ID pinning (RFC 3414 section 4: the authoritative engine ID names the agent). Discovery asks
 * the agent for its engine ID in clear, and anyone holding the user's password (many schools give every
 * switch the same SNMPv3 password) can localise keys to an engine ID of its own and sign for it. So
 * each switch's engine ID is pinned: declared (`snmp.engineId`) or recorded at the first authenticated
 * contact (`onLearn`), and a discovery Report or a reply naming another engine is refused before
 * net-snmp adopts it.
 *
 * Upstream fix (to propose to markabrahams/node-net-snmp): in `Session.prototype.onMsg`, for v3, reject
 * a reply whose (msgFlags & 3) differs from the request's unless it is an unauthenticated Report to a
 * discovery request, and do not copy msgSecurityParameters from an unauthenticated Report unless it
 * answers a discovery request.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { SnmpAuthProtocol } from './client.ts';

/** What the session asked for (from its own configuration, never from a reply). */
export interface UsmGuardUser {
  name: string;
  level: 'authNoPriv' | 'authPriv';
  authProtocol: SnmpAuthProtocol;
  /** The auth password (keys are derived and localised here, RFC 3414 A.2 / RFC 7860). */
  authKey: string;
  /** The agent's authoritative engine ID, pinned: declared, or recorded at first contact. */
  engineId?: Buffer;
  /** Where the pin came from, for messages ("declared in snmp.engineId", "recorded at first contact"). */
  pinSource?: string;
  /** Called once with the engine ID of the first authenticated reply when no engine ID is pinned. */
  onLearn?: (engineId: Buffer) => void;
}

/** A reply the guard refused, with what was wrong in words a technician can act on. */
export interface UsmViolation {
  /** 'forged' for replies that cannot be trusted; 'refused' for an agent's unauthenticated USM report. */
  kind: 'forged' | 'refused';
  reason: string;
}

const DIGEST: Record<SnmpAuthProtocol, { hash: string; macLength: number; label: string }> = {
  md5: { hash: 'md5', macLength: 12, label: 'HMAC-MD5-96' },
  sha: { hash: 'sha1', macLength: 12, label: 'HMAC-SHA-96' },
  sha224: { hash: 'sha224', macLength: 16, label: 'HMAC-SHA-224-128' },
  sha256: { hash: 'sha256', macLength: 24, label: 'HMAC-SHA-256-192' },
  sha384: { hash: 'sha384', macLength: 32, label: 'HMAC-SHA-384-256' },
  sha512: { hash: 'sha512', macLength: 48, label: 'HMAC-SHA-512-384' },
};

/** RFC 3414 A.2.1/A.2.2 password-to-key (1 MiB of the repeated password), then localisation to an engine. */
export function localizedKey(protocol: SnmpAuthProtocol, password: string, engineId: Buffer): Buffer {
  const { hash } = DIGEST[protocol];
  const pw = Buffer.from(password, 'utf8');
  if (pw.length === 0) throw new Error('an empty SNMPv3 auth password cannot be localised');
  const ku = createHash(hash)
    .update(Buffer.alloc(1024 * 1024, pw))
    .digest();
  return createHash(hash).update(ku).update(engineId).update(ku).digest();
}

// ---- a minimal BER reader: just what an SNMPv3 message header needs ------------------------------

interface Tlv {
  tag: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset just past the content. */
  end: number;
}

function tlv(buf: Buffer, at: number, limit = buf.length): Tlv {
  if (at + 2 > limit) throw new Error('truncated BER');
  const tag = buf[at] as number;
  let len = buf[at + 1] as number;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error('bad BER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error('BER value runs past its container');
  return { tag, start, end };
}

function expect(buf: Buffer, at: number, tag: number, limit: number, what: string): Tlv {
  const t = tlv(buf, at, limit);
  if (t.tag !== tag)
    throw new Error(`${what}: expected BER tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

function int(buf: Buffer, t: Tlv): number {
  if (t.end - t.start < 1 || t.end - t.start > 5) throw new Error('bad BER integer');
  let v = (buf[t.start] as number) & 0x80 ? -1 : 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + (buf[i] as number);
  return v;
}

function oid(buf: Buffer, t: Tlv): string {
  if (t.end <= t.start) return '';
  const first = buf[t.start] as number;
  const parts = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
  let v = 0;
  for (let i = t.start + 1; i < t.end; i++) {
    const b = buf[i] as number;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** The parts of an SNMPv3 message the guard judges, with the offset of the auth parameters' bytes. */
export interface V3Header {
  msgId: number;
  flags: number;
  securityModel: number;
  engineId: Buffer;
  engineBoots: number;
  engineTime: number;
  userName: string;
  authParams: { start: number; end: number };
  /** The PDU's BER tag when the scoped PDU is in clear (0xa2 Response, 0xa8 Report...). */
  pduTag?: number;
  /** The first varbind's OID of a clear PDU (a Report names its usmStats counter there). */
  firstOid?: string;
}

/** Parses an SNMPv3 message header; undefined for anything that is not SNMPv3 (v1/v2c, garbage). */
export function parseV3Header(buf: Buffer): V3Header | undefined {
  try {
    const msg = expect(buf, 0, 0x30, buf.length, 'message');
    const version = expect(buf, msg.start, 0x02, msg.end, 'version');
    if (int(buf, version) !== 3) return undefined;
    const global = expect(buf, version.end, 0x30, msg.end, 'msgGlobalData');
    const msgId = expect(buf, global.start, 0x02, global.end, 'msgID');
    const maxSize = expect(buf, msgId.end, 0x02, global.end, 'msgMaxSize');
    const flags = expect(buf, maxSize.end, 0x04, global.end, 'msgFlags');
    const model = expect(buf, flags.end, 0x02, global.end, 'msgSecurityModel');
    const secOctets = expect(buf, global.end, 0x04, msg.end, 'msgSecurityParameters');
    const sec = expect(buf, secOctets.start, 0x30, secOctets.end, 'UsmSecurityParameters');
    const engine = expect(buf, sec.start, 0x04, sec.end, 'msgAuthoritativeEngineID');
    const boots = expect(buf, engine.end, 0x02, sec.end, 'msgAuthoritativeEngineBoots');
    const time = expect(buf, boots.end, 0x02, sec.end, 'msgAuthoritativeEngineTime');
    const user = expect(buf, time.end, 0x04, sec.end, 'msgUserName');
    const auth = expect(buf, user.end, 0x04, sec.end, 'msgAuthenticationParameters');
    expect(buf, auth.end, 0x04, sec.end, 'msgPrivacyParameters');
    if (flags.end - flags.start !== 1) throw new Error('msgFlags must be one octet');
    const header: V3Header = {
      msgId: int(buf, msgId),
      flags: buf[flags.start] as number,
      securityModel: int(buf, model),
      engineId: Buffer.from(buf.subarray(engine.start, engine.end)),
      engineBoots: int(buf, boots),
      engineTime: int(buf, time),
      userName: buf.toString('utf8', user.start, user.end),
      authParams: { start: auth.start, end: auth.end },
    };
    if (!(header.flags & 2) && secOctets.end < msg.end) {
      const scoped = tlv(buf, secOctets.end, msg.end);
      if (scoped.tag === 0x30) {
        const ctxEngine = expect(buf, scoped.start, 0x04, scoped.end, 'contextEngineID');
        const ctxName = expect(buf, ctxEngine.end, 0x04, scoped.end, 'contextName');
        const pdu = tlv(buf, ctxName.end, scoped.end);
        header.pduTag = pdu.tag;
        try {
          const reqId = expect(buf, pdu.start, 0x02, pdu.end, 'request-id');
          const err = expect(buf, reqId.end, 0x02, pdu.end, 'error-status');
          const idx = expect(buf, err.end, 0x02, pdu.end, 'error-index');
          const list = expect(buf, idx.end, 0x30, pdu.end, 'varbinds');
          if (list.end > list.start) {
            const vb = expect(buf, list.start, 0x30, list.end, 'varbind');
            header.firstOid = oid(buf, expect(buf, vb.start, 0x06, vb.end, 'name'));
          }
        } catch {
          // A PDU we cannot read further still has its tag; the judgement needs no more.
        }
      }
    }
    return header;
  } catch {
    return undefined;
  }
}

/** The MAC a message carries, checked over the whole message with the MAC field zeroed (RFC 3414 6.3.2). */
export function macMatches(buf: Buffer, header: V3Header, protocol: SnmpAuthProtocol, key: Buffer): boolean {
  const { hash, macLength } = DIGEST[protocol];
  const { start, end } = header.authParams;
  if (end - start !== macLength) return false;
  const copy = Buffer.from(buf);
  copy.fill(0, start, end);
  const mac = createHmac(hash, key).update(copy).digest().subarray(0, macLength);
  return timingSafeEqual(mac, buf.subarray(start, end));
}

const USM_STATS = '1.3.6.1.6.3.15.1.1.';
const USM_STATS_NAMES: Record<string, string> = {
  '1': 'Unsupported Security Level (usmStatsUnsupportedSecLevels)',
  '2': 'Not In Time Window (usmStatsNotInTimeWindows)',
  '3': 'Unknown User Name (usmStatsUnknownUserNames)',
  '4': 'Unknown Engine ID (usmStatsUnknownEngineIDs)',
  '5': 'Wrong Digest (usmStatsWrongDigests): the agent did not accept our auth key',
  '6': 'Decryption Error (usmStatsDecryptionErrors): the agent could not decrypt with our privacy key',
};

interface SentRequest {
  flags: number;
  engineId: Buffer;
}

const hex = (b: Buffer): string => (b.length ? b.toString('hex') : '(empty)');
const levelOf = (flags: number): string =>
  flags & 2 ? 'authPriv' : flags & 1 ? 'authNoPriv' : 'noAuthNoPriv';

/**
 * The judgement, apart from sockets: given what we sent under this msgID, is this reply acceptable?
 * Returns undefined to pass it on, or the violation.
 */
export class UsmGuard {
  private readonly user: UsmGuardUser;
  private readonly keys = new Map<string, Buffer>();
  private readonly pending = new Map<number, SentRequest>();
  private readonly answered = new Set<number>();
  private learned = false;
  /** Replies dropped because they answer no outstanding request (replayed, duplicated or stray). */
  discarded = 0;

  constructor(user: UsmGuardUser) {
    this.user = user;
  }

  /** Records one of our own outgoing messages (net-snmp's bytes). */
  sent(buf: Buffer): void {
    const h = parseV3Header(buf);
    if (!h) return;
    this.pending.set(h.msgId, { flags: h.flags & 3, engineId: h.engineId });
  }

  private key(engineId: Buffer): Buffer {
    const k = engineId.toString('hex');
    let key = this.keys.get(k);
    if (!key) {
      key = localizedKey(this.user.authProtocol, this.user.authKey, engineId);
      this.keys.set(k, key);
    }
    return key;
  }

  /** 'pass' hands the datagram to net-snmp; 'drop' discards it silently; a violation fails the session. */
  judge(buf: Buffer): 'pass' | 'drop' | UsmViolation {
    const wanted = this.user.level;
    const forged = (reason: string): UsmViolation => ({ kind: 'forged', reason });
    const h = parseV3Header(buf);
    if (!h) return forged(`a reply that is not an SNMPv3 message to an ${wanted} request`);
    const req = this.pending.get(h.msgId);
    if (!req) {
      this.discarded++;
      return 'drop';
    }
    if (h.securityModel !== 3)
      return forged(`a reply in security model ${h.securityModel}, not USM, to an ${wanted} request`);
    const discovery = (req.flags & 1) === 0;
    const isReport = h.pduTag === 0xa8;
    const pin = this.user.engineId;
    if (pin && !h.engineId.equals(pin))
      return forged(
        `the agent answers as engine ID ${hex(h.engineId)}, but this switch's engine ID is pinned to ${hex(pin)} (${this.user.pinSource ?? 'pinned'}): another device answers at this address (a replaced switch, or an impostor holding the credentials); if the switch was replaced, update the pin`,
      );
    if (!(h.flags & 1)) {
      // Unauthenticated: only a Report may be, and it carries no facts.
      if (!isReport) return forged(`unauthenticated reply to an ${wanted} request`);
      if (discovery) return this.accept(h.msgId);
      // To an authenticated request an unauthenticated Report is the agent refusing us (wrong key,
      // unknown user) or someone pretending to. Never let it re-point the session at another engine.
      const counter = h.firstOid?.startsWith(USM_STATS)
        ? h.firstOid.slice(USM_STATS.length).split('.')[0]
        : '';
      const named = (counter && USM_STATS_NAMES[counter]) || 'an unexpected unauthenticated Report';
      this.pending.delete(h.msgId);
      return { kind: 'refused', reason: `${named} (in an unauthenticated report to an ${wanted} request)` };
    }
    if (h.userName !== this.user.name)
      return forged(`reply for user "${h.userName}" to a request as "${this.user.name}"`);
    if (!discovery && !h.engineId.equals(req.engineId))
      return forged(
        `reply from engine ID ${hex(h.engineId)} to a request for engine ID ${hex(req.engineId)} (wrong engine ID)`,
      );
    if (!macMatches(buf, h, this.user.authProtocol, this.key(h.engineId)))
      return forged(
        `the reply is not signed with our auth key (${DIGEST[this.user.authProtocol].label} does not verify) to an ${wanted} request: a wrong auth key here, or a forged reply`,
      );
    // Authentic. A Report (time-window resync) is authNoPriv by RFC 3414; a Response must match the request.
    if (!isReport && wanted === 'authPriv' && !(h.flags & 2))
      return forged(`unencrypted (${levelOf(h.flags)}) reply to an authPriv request`);
    // Trust on first use: the first engine that proves it holds our key is the one recorded.
    if (!pin && !this.learned && !isReport) {
      this.learned = true;
      this.user.onLearn?.(Buffer.from(h.engineId));
    }
    return this.accept(h.msgId);
  }

  private accept(msgId: number): 'pass' | 'drop' {
    if (this.answered.has(msgId)) {
      this.discarded++;
      return 'drop';
    }
    this.pending.delete(msgId);
    this.answered.add(msgId);
    return 'pass';
  }
}

/**
 * A dgram socket for net-snmp that passes on only the replies the guard accepts. The first violation is
 * reported (once) through `onViolation`; the session owner then fails its requests with that reason.
 */
class GuardedSocket extends EventEmitter {
  private readonly socket: dgram.Socket;
  private readonly guard: UsmGuard;
  private readonly onViolation: (v: UsmViolation) => void;

  constructor(type: dgram.SocketType, guard: UsmGuard, onViolation: (v: UsmViolation) => void) {
    super();
    this.guard = guard;
    this.onViolation = onViolation;
    this.socket = dgram.createSocket(type);
    this.socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      const verdict = this.guard.judge(msg);
      if (verdict === 'pass') this.emit('message', msg, rinfo);
      else if (verdict !== 'drop') this.onViolation(verdict);
    });
    this.socket.on('close', () => this.emit('close'));
    this.socket.on('error', (e: Error) => this.emit('error', e));
    this.socket.on('listening', () => this.emit('listening'));
  }

  send(
    buf: Buffer,
    offset: number,
    length: number,
    port: number,
    address: string,
    cb?: (error: Error | null, bytes: number) => void,
  ): void {
    this.guard.sent(buf.subarray(offset, offset + length));
    this.socket.send(buf, offset, length, port, address, cb);
  }

  bind(port?: number, address?: string, cb?: () => void): this {
    this.socket.bind(port, address, cb);
    return this;
  }

  close(cb?: () => void): this {
    this.socket.close(cb);
    return this;
  }

  address(): ReturnType<dgram.Socket['address']> {
    return this.socket.address();
  }

  ref(): this {
    this.socket.ref();
    return this;
  }

  unref(): this {
    this.socket.unref();
    return this;
  }
}

/** A `dgramModule` for net-snmp's session options whose sockets are guarded by `guard`. */
export function guardedDgram(
  guard: UsmGuard,
  onViolation: (v: UsmViolation) => void,
): { createSocket: (type: dgram.SocketType) => GuardedSocket } {
  return { createSocket: (type) => new GuardedSocket(type, guard, onViolation) };
}
