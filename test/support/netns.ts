/**
 * A school's network in Linux network namespaces, for the traffic test: one router namespace and one
 * client namespace per segment (each declared network, plus the internet on the WAN), joined by one
 * veth pair per segment (the kernel here has no 802.1Q, see ../shared/testbed-notes.md section 6).
 * Segment i is 10.99.<i+1>.0/24 (router .1, client .10); the addresses exist only inside the
 * namespaces. sshd runs inside the router namespace on its loopback with a host key made for the run,
 * and the rule set is applied over SSH with the project's SSH client, pinned to that key.
 * Every namespace runs a netns-agent.ts that listens on the probe ports and sends probes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Device } from '../../inventory/types.ts';

const run = promisify(execFile);
const AGENT = new URL('./netns-agent.ts', import.meta.url).pathname;

export interface SegmentSpec {
  /** Short label, unique in the lab (`staff`, `wan`). */
  label: string;
}

export interface Segment extends SegmentSpec {
  ns: string;
  /** The router's interface for this segment (`v0`...). */
  routerIf: string;
  routerAddr: string;
  hostAddr: string;
}

interface Agent {
  proc: ChildProcess;
  next: number;
  waiting: Map<number, (msg: Record<string, unknown>) => void>;
}

export interface ProbeRequest {
  from: Segment;
  /** An address in the lab (a client's, or the router's on the source segment). */
  host: string;
  proto: 'icmp' | 'tcp' | 'udp';
  port?: number;
}

export class NetnsLab {
  readonly prefix: string;
  readonly routerNs: string;
  readonly segments: Segment[];
  readonly hostKeyPin: string;
  private readonly dir: string;
  private readonly agents = new Map<string, Agent>();
  private readonly namespaces: string[];
  private sshd: ChildProcess | undefined;

  private constructor(prefix: string, segments: Segment[], dir: string, hostKeyPin: string) {
    this.prefix = prefix;
    this.routerNs = `${prefix}-rt`;
    this.segments = segments;
    this.dir = dir;
    this.hostKeyPin = hostKeyPin;
    this.namespaces = [this.routerNs, ...segments.map((s) => s.ns)];
  }

  /** Build the namespaces, links, sshd and agents. `ports`: what the agents listen on. */
  static async create(
    prefix: string,
    specs: SegmentSpec[],
    ports: { tcp: number[]; udp: number[] },
  ): Promise<NetnsLab> {
    if (process.getuid?.() !== 0)
      throw new Error(
        'the traffic test builds network namespaces and must run as root (it does in CI); run it with sudo',
      );
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    const segments = specs.map((s, i) => ({
      ...s,
      ns: `${prefix}-${s.label}`,
      routerIf: `v${i}`,
      routerAddr: `10.99.${i + 1}.1`,
      hostAddr: `10.99.${i + 1}.10`,
    }));
    await mkdir('/run/sshd', { recursive: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_ed25519')]);
    const pin = fingerprint(await readFile(join(dir, 'host_ed25519.pub'), 'utf8'));
    const lab = new NetnsLab(prefix, segments, dir, pin);
    try {
      await lab.build(ports);
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  private async build(ports: { tcp: number[]; udp: number[] }): Promise<void> {
    const ip = (...args: string[]) => run('ip', args);
    for (const ns of this.namespaces) {
      await ip('netns', 'add', ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    for (const s of this.segments) {
      await ip(
        'link',
        'add',
        s.routerIf,
        'netns',
        this.routerNs,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        s.ns,
      );
      await ip('-n', this.routerNs, 'addr', 'add', `${s.routerAddr}/24`, 'dev', s.routerIf);
      await ip('-n', this.routerNs, 'link', 'set', s.routerIf, 'up');
      await ip('-n', s.ns, 'addr', 'add', `${s.hostAddr}/24`, 'dev', 'eth0');
      await ip('-n', s.ns, 'link', 'set', 'eth0', 'up');
      await ip('-n', s.ns, 'route', 'add', 'default', 'via', s.routerAddr);
    }
    await run('ip', ['netns', 'exec', this.routerNs, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await this.startSshd();
    await Promise.all([
      this.startAgent(
        this.routerNs,
        this.segments.map((s) => s.routerAddr),
        ports,
      ),
      ...this.segments.map((s) => this.startAgent(s.ns, [s.hostAddr], ports)),
    ]);
  }

  private async startSshd(): Promise<void> {
    const d = this.dir;
    await writeFile(join(d, 'authorized_keys'), await readFile(join(d, 'client_ed25519.pub')), {
      mode: 0o600,
    });
    const config = [
      'Port 22',
      'ListenAddress 127.0.0.1',
      `HostKey ${join(d, 'host_ed25519')}`,
      `PidFile ${join(d, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(d, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'AllowUsers root',
      'StrictModes no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
    ].join('\n');
    await writeFile(join(d, 'sshd_config'), config + '\n');
    const sshd = spawn(
      'ip',
      ['netns', 'exec', this.routerNs, '/usr/sbin/sshd', '-D', '-e', '-f', join(d, 'sshd_config')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.sshd = sshd;
    let log = '';
    sshd.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    // Ready when it listens: probe the port from inside the namespace.
    for (let i = 0; i < 100; i++) {
      if (sshd.exitCode !== null) throw new Error(`sshd in ${this.routerNs} exited: ${log}`);
      const r = await run('ip', [
        'netns',
        'exec',
        this.routerNs,
        'bash',
        '-c',
        'exec 3<>/dev/tcp/127.0.0.1/22',
      ]).then(
        () => true,
        () => false,
      );
      if (r) return;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`sshd in ${this.routerNs} did not listen: ${log}`);
  }

  private async startAgent(
    ns: string,
    addresses: string[],
    ports: { tcp: number[]; udp: number[] },
  ): Promise<void> {
    const proc = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, AGENT, JSON.stringify({ addresses, ...ports })],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        cwd: this.dir,
      },
    );
    const agent: Agent = { proc, next: 1, waiting: new Map() };
    this.agents.set(ns, agent);
    let stderr = '';
    proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: proc.stdout! });
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('ready' in msg) {
          if (msg.ready) resolve();
          else reject(new Error(`agent in ${ns}: ${String(msg.error)}`));
          return;
        }
        const cb = agent.waiting.get(msg.id as number);
        agent.waiting.delete(msg.id as number);
        cb?.(msg);
      });
      proc.once('exit', (code) => {
        reject(new Error(`agent in ${ns} exited (${code}): ${stderr}`));
        for (const cb of agent.waiting.values()) cb({ ok: false, error: `agent exited: ${stderr}` });
        agent.waiting.clear();
      });
    });
    await ready;
  }

  private ask(ns: string, req: Record<string, unknown>): Promise<Record<string, unknown>> {
    const agent = this.agents.get(ns);
    if (!agent) throw new Error(`no agent in ${ns}`);
    const id = agent.next++;
    return new Promise((resolve) => {
      agent.waiting.set(id, resolve);
      agent.proc.stdin!.write(JSON.stringify({ ...req, id }) + '\n');
    });
  }

  /** Does a new connection get through? Runs inside the source segment's namespace. */
  async probe(p: ProbeRequest, timeoutMs = 1000): Promise<boolean> {
    const r = await this.ask(p.from.ns, {
      op: 'probe',
      host: p.host,
      proto: p.proto,
      port: p.port,
      timeoutMs,
    });
    if (r.error) throw new Error(`probe from ${p.from.label}: ${String(r.error)}`);
    return r.ok === true;
  }

  /** The router as the project's SSH client sees it (pinned host key, key authentication). */
  sshDevice(): Device {
    return {
      name: `${this.prefix}-router`,
      kind: 'router',
      driver: 'ssh-cli',
      host: '127.0.0.1',
      port: 22,
      sshHostKey: this.hostKeyPin,
      credentials: { user: 'root', privateKey: `file:${join(this.dir, 'client_ed25519')}` },
    };
  }

  /** Apply an nftables script on the router over SSH (nft applies it as one transaction). */
  async applyNftOverSsh(script: string, device: Device = this.sshDevice()): Promise<{ hostKey: string }> {
    const command = `nft -f - <<'SCHOOLNET_NFT'\n${script}\nSCHOOLNET_NFT\n`;
    const r = await this.ask(this.routerNs, { op: 'ssh', device, command, timeoutMs: 10_000 });
    if (!r.ok) throw new Error(`nft over SSH failed: ${String(r.error ?? r.stderr)}`);
    return { hostKey: String(r.hostKey) };
  }

  /** The ruleset the router's kernel holds now (read directly, to cross-check what SSH applied). */
  async ruleset(): Promise<string> {
    return (await run('ip', ['netns', 'exec', this.routerNs, 'nft', 'list', 'ruleset'])).stdout;
  }

  /** Kill what this lab started (by pid), then delete its namespaces and files. */
  async close(): Promise<void> {
    const procs = [...[...this.agents.values()].map((a) => a.proc), ...(this.sshd ? [this.sshd] : [])];
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) {
        const exited = new Promise((res) => p.once('exit', res));
        p.kill('SIGTERM');
        await Promise.race([exited, new Promise((res) => setTimeout(res, 2000))]);
      }
    }
    for (const ns of this.namespaces) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** `SHA256:<base64>` of an OpenSSH public key line, as `ssh-keygen -lf` prints it. */
export function fingerprint(pubLine: string): string {
  const blob = Buffer.from(pubLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}
