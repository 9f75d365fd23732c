/**
 * The segmentation probe's helper: one process per school network, started inside that network's
 * namespace (`ip netns exec <netns> node segmentation-agent.js`), so every socket it opens is on that
 * network. It holds the agent's listeners on the network's own address and sends the probes from it.
 * JSON lines on stdin/stdout:
 *   {"op":"listen","address":"10.10.0.9","tcp":[22,443],"udp":[53],"token":"…"}  -> {"op":"listen","ok":true}
 *   {"op":"send","id":7,"host":"10.10.0.9","proto":"tcp","port":443,"timeoutMs":1000,"token":"…"}
 *       -> {"op":"send","id":7,"outcome":"answered","answered":"…","ms":3}
 *   {"op":"seen"}  -> {"op":"seen","from":["10.30.0.9 tcp/443", …]}   (what the listeners received)
 * A TCP listener writes the run's token on every connection it accepts and a UDP listener echoes the
 * token back, so a reply proves it reached our listener (not some other host answering for it).
 * Nothing here decides pass or fail.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { createInterface } from 'node:readline';

export type SendOutcome = 'answered' | 'refused' | 'timeout' | 'error';

export interface SendRequest {
  op: 'send';
  id: number;
  host: string;
  proto: 'tcp' | 'udp';
  port: number;
  timeoutMs: number;
  token: string;
  /** Local address to send from (the network's own address). */
  from?: string;
}

export interface SendReply {
  op: 'send';
  id: number;
  outcome: SendOutcome;
  /** What came back, in a technician's words. */
  answered: string;
  ms: number;
  code?: string;
}

interface ListenRequest {
  op: 'listen';
  address: string;
  tcp: number[];
  udp: number[];
  token: string;
}

const servers: (net.Server | dgram.Socket)[] = [];
const seen: string[] = [];

function reply(msg: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

async function listen(req: ListenRequest): Promise<void> {
  const line = `schoolnet-segmentation ${req.token}\n`;
  for (const port of req.tcp) {
    const server = net.createServer((sock) => {
      if (seen.length < 10_000) seen.push(`${sock.remoteAddress ?? '?'} tcp/${port}`);
      sock.on('error', () => undefined);
      sock.end(line);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: req.address, port }, () => resolve());
    });
    servers.push(server);
  }
  for (const port of req.udp) {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      if (!msg.toString('utf8').startsWith('schoolnet-segmentation ')) return;
      if (seen.length < 10_000) seen.push(`${rinfo.address} udp/${port}`);
      sock.send(line, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: req.address, port }, () => resolve());
    });
    servers.push(sock);
  }
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).name;
}

/** Errors that mean a router or host actively refused (RST, ICMP unreachable / prohibited). */
const REFUSALS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'EPERM', 'ECONNRESET']);

function sendTcp(r: SendRequest): Promise<SendReply> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  return new Promise((resolve) => {
    let data = '';
    let connected = false;
    const sock = net.connect({ host: r.host, port: r.port, ...(r.from ? { localAddress: r.from } : {}) });
    const done = (x: Omit<SendReply, 'op' | 'id' | 'ms'>) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ op: 'send', id: r.id, ms: ms(), ...x });
    };
    const timer = setTimeout(
      () =>
        done(
          connected
            ? {
                outcome: 'error',
                answered: `connected, but the listener's token never came`,
                code: 'E-NO-TOKEN',
              }
            : { outcome: 'timeout', answered: `no SYN-ACK within ${r.timeoutMs} ms (dropped)` },
        ),
      r.timeoutMs,
    );
    sock.once('connect', () => (connected = true));
    sock.on('data', (b: Buffer) => {
      data += b.toString('utf8');
      if (data.includes('\n')) {
        if (data.trim() === `schoolnet-segmentation ${r.token}`)
          done({ outcome: 'answered', answered: `connected (SYN-ACK) and read the agent's listener token` });
        else
          done({
            outcome: 'error',
            answered: `connected to something that is not the agent's listener`,
            code: 'E-NOT-OURS',
          });
      }
    });
    sock.once('error', (e) => {
      const code = errCode(e);
      done(
        REFUSALS.has(code)
          ? {
              outcome: 'refused',
              answered: `refused: ${code} (${code === 'ECONNREFUSED' || code === 'ECONNRESET' ? 'TCP reset' : 'ICMP unreachable'})`,
              code,
            }
          : { outcome: 'error', answered: `could not send: ${code}`, code },
      );
    });
  });
}

function sendUdp(r: SendRequest): Promise<SendReply> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const expect = `schoolnet-segmentation ${r.token}\n`;
    let finished = false;
    const done = (x: Omit<SendReply, 'op' | 'id' | 'ms'>) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.close();
      resolve({ op: 'send', id: r.id, ms: ms(), ...x });
    };
    const timer = setTimeout(
      () => done({ outcome: 'timeout', answered: `no reply datagram within ${r.timeoutMs} ms (dropped)` }),
      r.timeoutMs,
    );
    sock.on('message', (msg) => {
      if (msg.toString('utf8') === expect)
        done({ outcome: 'answered', answered: `the agent's listener echoed the token` });
    });
    sock.on('error', (e) => {
      const code = errCode(e);
      done(
        REFUSALS.has(code)
          ? { outcome: 'refused', answered: `refused: ${code} (ICMP unreachable)`, code }
          : { outcome: 'error', answered: `could not send: ${code}`, code },
      );
    });
    // A connected socket reports an ICMP port/host unreachable as an error on the next operation.
    sock.bind({ port: 0, ...(r.from ? { address: r.from } : {}) }, () => {
      sock.connect(r.port, r.host, () => {
        sock.send(`schoolnet-segmentation ${r.token}`);
      });
    });
  });
}

async function handle(msg: Record<string, unknown>): Promise<void> {
  try {
    if (msg.op === 'listen') {
      await listen(msg as unknown as ListenRequest);
      reply({ op: 'listen', ok: true });
    } else if (msg.op === 'send') {
      const r = msg as unknown as SendRequest;
      reply({ ...(await (r.proto === 'tcp' ? sendTcp(r) : sendUdp(r))) });
    } else if (msg.op === 'seen') {
      reply({ op: 'seen', from: seen });
    }
  } catch (e) {
    reply({
      op: String(msg.op),
      id: msg.id,
      ok: false,
      outcome: 'error',
      error: `${errCode(e)}: ${(e as Error).message}`,
    });
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() !== '') void handle(JSON.parse(line) as Record<string, unknown>);
});
rl.on('close', () => {
  for (const s of servers) s.close();
  process.exit(0);
});
reply({ op: 'ready' });
