/**
 * A hostile SNMPv3 "agent" on loopback, for the USM guard's tests: it answers discovery like a real
 * agent (an unauthenticated usmStatsUnknownEngineIDs Report naming its engine) and then answers each
 * request in the way its `mode` says an attacker on the management path would. It is a peer we are
 * meant to distrust, so writing it ourselves is the point; the genuine side of the same client is proven
 * against Net-SNMP's snmpd and snmpsim in test/switch-snmp.test.ts.
 *
 * Messages are built here with a few lines of BER; signing uses net-snmp's own exported
 * `Authentication` (not the guard's code), so a mistake in the guard cannot agree with itself.
 */
import dgram from 'node:dgram';
import snmp from 'net-snmp';

export type ForgeryMode =
  /** No keys: a plain noAuthNoPriv Response to the authenticated request. */
  | 'flags-off'
  /** No keys: a plain Response straight to the discovery request, before any key is used. */
  | 'answer-discovery'
  /** No keys: flags claim authPriv, the MAC and the "ciphertext" are random bytes. */
  | 'bad-mac'
  /** Holds the auth key only (no privacy key): a signed but unencrypted Response to an authPriv request. */
  | 'signed-plain'
  /** Holds the keys of a sibling switch: a signed Response from another engine ID. */
  | 'wrong-engine'
  /** Signs correctly (authNoPriv sessions): the positive control that the forger's signing is right. */
  | 'genuine'
  /** Answers the first request correctly, then replays that exact reply to every later request. */
  | 'replay'
  /**
   * Holds the user's password (schools often give every switch the same one) but is another device:
   * names its own engine ID in discovery and signs with keys localised to it, as any agent may.
   */
  | 'impostor';

export interface ForgingAgent {
  port: number;
  /** Datagrams received (requests and retransmissions). */
  received: number;
  close(): Promise<void>;
}

export const FORGED_VALUE = 'forged-by-a-peer-without-keys';
/** The engine ID the agent answers for (the switch it pretends to be). */
export const ENGINE_ID = '80001f88800102030405060708';
/** Another device's engine ID (the sibling switch, the impostor). */
export const OTHER_ENGINE_ID = '80001f8880aabbccddeeff0011';
const ENGINE = Buffer.from(ENGINE_ID, 'hex');
const OTHER_ENGINE = Buffer.from(OTHER_ENGINE_ID, 'hex');
const SYS_NAME = '1.3.6.1.2.1.1.5.0';

// ---- BER ----
function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
function int(v: number): Buffer {
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}
const octets = (b: Buffer | string): Buffer => tlv(0x04, typeof b === 'string' ? Buffer.from(b) : b);
function oid(dotted: string): Buffer {
  const p = dotted.split('.').map(Number);
  const out = [40 * (p[0] as number) + (p[1] as number)];
  for (const n of p.slice(2)) {
    const enc = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) enc.unshift(0x80 | (v & 0x7f));
    out.push(...enc);
  }
  return tlv(0x06, Buffer.from(out));
}

/** What the forger can read of a request: everything but an encrypted PDU. */
interface Request {
  msgId: number;
  flags: number;
  user: string;
  /** Request-id of a clear PDU (0 when encrypted: the forger cannot know it). */
  requestId: number;
  clear: boolean;
}

function readLen(buf: Buffer, at: number): { len: number; at: number } {
  const first = buf[at] as number;
  if (first < 0x80) return { len: first, at: at + 1 };
  let n = 0;
  for (let i = 1; i <= (first & 0x7f); i++) n = n * 256 + (buf[at + i] as number);
  return { len: n, at: at + 1 + (first & 0x7f) };
}
const readInt = (buf: Buffer, s: number, e: number): number => {
  let v = 0;
  for (let i = s; i < e; i++) v = v * 256 + (buf[i] as number);
  return v;
};

function readRequest(buf: Buffer): Request {
  const top = readLen(buf, 1);
  const [, global, sec, scoped] = childrenAt(buf, [0x30, top.at, top.at + top.len]);
  if (!global || !sec || !scoped) throw new Error('not an SNMPv3 message');
  const globalKids = childrenAt(buf, global);
  const secKids = childrenAt(buf, sec, true);
  const msgId = readInt(buf, globalKids[0]![1], globalKids[0]![2]);
  const flags = buf[globalKids[2]![1]] as number;
  const user = buf.toString('utf8', secKids[3]![1], secKids[3]![2]);
  let requestId = 0;
  const clear = scoped[0] === 0x30;
  if (clear) {
    const pdu = childrenAt(buf, scoped)[2]!;
    const pduKids = childrenAt(buf, pdu);
    requestId = readInt(buf, pduKids[0]![1], pduKids[0]![2]);
  }
  return { msgId, flags, user, requestId, clear };
}
/** Children of a TLV given as [tag, start, end]; `inner` reads an OCTET STRING's wrapped SEQUENCE. */
function childrenAt(
  buf: Buffer,
  t: [number, number, number],
  inner = false,
): Array<[number, number, number]> {
  const [, s, e] = t;
  let p = s;
  let end = e;
  if (inner) {
    const { len: l, at } = readLen(buf, s + 1);
    p = at;
    end = at + l;
  }
  const out: Array<[number, number, number]> = [];
  while (p < end) {
    const { len: cl, at: cs } = readLen(buf, p + 1);
    out.push([buf[p] as number, cs, cs + cl]);
    p = cs + cl;
  }
  return out;
}

interface Reply {
  msgId: number;
  flags: number;
  engine: Buffer;
  user: string;
  pdu: Buffer;
  /** Sign with this auth password (net-snmp's Authentication), or put `macBytes` in the MAC field. */
  signWith?: string;
  macBytes?: Buffer;
  /** Replace the scoped PDU with this OCTET STRING ("ciphertext"). */
  cipher?: Buffer;
}

function message(r: Reply): Buffer {
  const macLen = r.signWith !== undefined || r.macBytes ? 12 : 0;
  const mac = r.macBytes ?? Buffer.alloc(macLen);
  const usm = tlv(
    0x30,
    octets(r.engine),
    int(1),
    int(100),
    octets(r.user),
    octets(mac),
    octets(r.cipher ? Buffer.alloc(8, 1) : Buffer.alloc(0)),
  );
  const scoped = r.cipher ? octets(r.cipher) : tlv(0x30, octets(r.engine), octets(''), r.pdu);
  const buf = tlv(
    0x30,
    int(3),
    tlv(0x30, int(r.msgId), int(65507), octets(Buffer.from([r.flags])), int(3)),
    octets(usm),
    scoped,
  );
  if (r.signWith !== undefined) {
    // The MAC field is the only run of 12 zero bytes right after its OCTET STRING header (04 0c).
    const at = buf.indexOf(Buffer.concat([Buffer.from([0x04, 0x0c]), Buffer.alloc(12)])) + 2;
    snmp.Authentication.writeParameters(
      buf,
      snmp.AuthProtocols.sha,
      r.signWith,
      r.engine,
      buf.subarray(at, at + 12),
    );
  }
  return buf;
}

const response = (requestId: number, value: string): Buffer =>
  tlv(0xa2, int(requestId), int(0), int(0), tlv(0x30, tlv(0x30, oid(SYS_NAME), octets(value))));
const report = (requestId: number): Buffer =>
  tlv(
    0xa8,
    int(requestId),
    int(0),
    int(0),
    tlv(0x30, tlv(0x30, oid('1.3.6.1.6.3.15.1.1.4.0'), tlv(0x41, Buffer.from([1])))),
  );

/**
 * Starts the forger on 127.0.0.1. `authKey` is what the modes that hold a key sign with (SHA); the
 * keyless modes never use it.
 */
export async function startForgingAgent(
  mode: ForgeryMode,
  opts: { authKey?: string } = {},
): Promise<ForgingAgent> {
  const socket = dgram.createSocket('udp4');
  let firstReply: Buffer | undefined;
  const agent: ForgingAgent = {
    port: 0,
    received: 0,
    close: () => new Promise((r) => socket.close(() => r())),
  };
  socket.on('message', (buf, rinfo) => {
    agent.received++;
    let req: Request;
    try {
      req = readRequest(buf);
    } catch {
      return;
    }
    const send = (b: Buffer): void => {
      socket.send(b, rinfo.port, rinfo.address);
    };
    const discovery = (req.flags & 1) === 0;
    if (mode === 'impostor') {
      const pdu = discovery ? report(req.requestId) : response(req.requestId, FORGED_VALUE);
      return send(
        discovery
          ? message({ msgId: req.msgId, flags: 0, engine: OTHER_ENGINE, user: '', pdu })
          : message({
              msgId: req.msgId,
              flags: 1,
              engine: OTHER_ENGINE,
              user: req.user,
              pdu,
              signWith: opts.authKey ?? '',
            }),
      );
    }
    if (discovery) {
      if (mode === 'answer-discovery')
        return send(
          message({
            msgId: req.msgId,
            flags: 0,
            engine: ENGINE,
            user: '',
            pdu: response(req.requestId, FORGED_VALUE),
          }),
        );
      return send(
        message({ msgId: req.msgId, flags: 0, engine: ENGINE, user: '', pdu: report(req.requestId) }),
      );
    }
    const key = opts.authKey ?? '';
    const base = {
      msgId: req.msgId,
      engine: ENGINE,
      user: req.user,
      pdu: response(req.requestId, FORGED_VALUE),
    };
    switch (mode) {
      case 'flags-off':
      case 'answer-discovery':
        return send(message({ ...base, flags: 0 }));
      case 'bad-mac':
        return send(
          message({ ...base, flags: 3, macBytes: Buffer.alloc(12, 0x5a), cipher: Buffer.alloc(48, 0xa5) }),
        );
      case 'signed-plain':
        return send(message({ ...base, flags: 1, signWith: key }));
      case 'wrong-engine':
        return send(message({ ...base, flags: req.flags & 3, engine: OTHER_ENGINE, signWith: key }));
      case 'genuine':
        return send(message({ ...base, flags: 1, signWith: key }));
      case 'replay': {
        if (!firstReply) {
          firstReply = message({ ...base, flags: 1, signWith: key });
        }
        return send(firstReply);
      }
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  agent.port = socket.address().port;
  return agent;
}
