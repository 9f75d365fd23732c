/**
 * A small helper process that lives inside one network namespace of the traffic test
 * (`ip netns exec <ns> node netns-agent.ts '<config json>'`). It listens on the probe ports of its
 * addresses (TCP accepts, UDP echoes), and answers JSON-line requests on stdin:
 *   {"id":1,"op":"probe","host":"10.99.2.10","proto":"tcp","port":443,"timeoutMs":1000} -> {"id":1,"ok":true}
 *   {"id":2,"op":"ssh","device":{...},"command":"nft -f - <<'EOF' ..."} -> {"id":2,"ok":true,"code":0,...}
 * Probes run concurrently, so a whole matrix costs about one timeout. Pings use the system `ping`.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { Device } from '../../inventory/types.ts';

interface Config {
  addresses: string[];
  tcp: number[];
  udp: number[];
}

type Request =
  | { id: number; op: 'probe'; host: string; proto: 'icmp' | 'tcp' | 'udp'; port?: number; timeoutMs: number }
  | { id: number; op: 'ssh'; device: Device; command: string; timeoutMs: number };

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const servers: (net.Server | dgram.Socket)[] = [];

function reply(msg: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

async function listen(): Promise<void> {
  for (const address of config.addresses) {
    for (const port of config.tcp) {
      const server = net.createServer((sock) => sock.destroy());
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port }, () => resolve());
      });
      servers.push(server);
    }
    for (const port of config.udp) {
      const sock = dgram.createSocket('udp4');
      sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind({ address, port }, () => resolve());
      });
      servers.push(sock);
    }
  }
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function probeUdp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const token = Buffer.from(`probe-${Math.random()}`);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('message', (msg) => {
      if (msg.equals(token)) done(true);
    });
    sock.on('error', () => done(false));
    sock.send(token, port, host);
  });
}

function probeIcmp(host: string, timeoutMs: number): Promise<boolean> {
  const seconds = String(Math.max(1, Math.round(timeoutMs / 1000)));
  return new Promise((resolve) => {
    execFile('ping', ['-c1', `-W${seconds}`, '-q', host], (err) => resolve(err === null));
  });
}

async function ssh(device: Device, command: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const { SshCli } = await import('../../devices/ssh/client.ts');
  const { secretResolver } = await import('../../inventory/secrets.ts');
  const cli = await SshCli.connect(device, { timeoutMs, resolveSecret: secretResolver(process.cwd()) });
  try {
    const r = await cli.exec(command, timeoutMs);
    return { ok: r.code === 0, code: r.code, stdout: r.stdout, stderr: r.stderr, hostKey: cli.hostKey };
  } finally {
    cli.close();
  }
}

async function handle(req: Request): Promise<void> {
  try {
    if (req.op === 'probe') {
      const ok =
        req.proto === 'icmp'
          ? await probeIcmp(req.host, req.timeoutMs)
          : req.proto === 'tcp'
            ? await probeTcp(req.host, req.port ?? 0, req.timeoutMs)
            : await probeUdp(req.host, req.port ?? 0, req.timeoutMs);
      reply({ id: req.id, ok });
    } else {
      reply({ id: req.id, ...(await ssh(req.device, req.command, req.timeoutMs)) });
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    reply({ id: req.id, ok: false, error: `${err.code ?? err.name}: ${err.message}` });
  }
}

try {
  await listen();
  reply({ ready: true });
} catch (e) {
  reply({ ready: false, error: (e as Error).message });
  process.exit(1);
}
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() !== '') void handle(JSON.parse(line) as Request);
});
rl.on('close', () => {
  for (const s of servers) s.close();
  process.exit(0);
});
