/**
 * Segmentation proven by packets. The agent holds a listener in every school network it has a position
 * in, on every TCP and UDP service the zone policy names (plus one port no rule names), and from each
 * network it connects to the listeners in every other network: a TCP connect that must read back the
 * run's token, a UDP datagram that must be echoed. What went out and what came back (or did not, within
 * the bound) is the observation; checks/probes/ compares it with the declared zone policy.
 *
 * Safety: every target is the agent's own listener, at an address inside the target network's declared
 * subnet (anything else is refused before a packet leaves); the number of cases and the time are bounded.
 * This module only plans and sends: it knows nothing of what the policy allows.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Network, SchoolDeclaration } from '../../inventory/types.ts';
import type { SendReply, SendRequest } from './segmentation-agent.ts';
import type { ProbeKind, ProbeObservation, SchoolProbeInput } from './types.ts';

export const SEGMENTATION_KIND = 'segmentation';
/** At most this many connections per run (pairs of networks x services); more is a declaration error. */
export const MAX_SEGMENTATION_CASES = 2000;
/** Ports tried for "a service no rule names", first free of every rule. */
const UNNAMED_CANDIDATES = [5201, 20001, 30001, 40001, 50001];

export interface SegmentationPosition {
  network: string;
  /** Namespace holding the agent's interface in this network. */
  netns?: string;
  /** The agent's address in this network (default: its interface's address inside the subnet). */
  sourceAddress?: string;
}

export interface SegmentationService {
  proto: 'tcp' | 'udp';
  port: number;
  /** No rule names this port: it stands for everything the policy does not name. */
  unnamed?: boolean;
}

export interface SegmentationCase {
  /** `<to network>:<proto>/<port>`, unique within the source network. */
  id: string;
  from: string;
  to: string;
  service: SegmentationService;
}

export interface SegmentationPlan {
  services: SegmentationService[];
  cases: SegmentationCase[];
}

/** One connection attempt and what came back (the shape of devices/probes/types.ts ProbeObservation). */
export interface SegmentationObservation {
  kind: typeof SEGMENTATION_KIND;
  case: string;
  /** The network the packets left from. */
  network: string;
  /** The network they were sent to. */
  scope: string;
  target: string;
  asked: string;
  expected: string;
  outcome: 'answered' | 'refused' | 'timeout' | 'error';
  answered: string;
  evidence: Record<string, string | number | boolean | string[]>;
  error?: { code: string; message: string };
  params: Record<string, unknown>;
  startedAt: string;
  durationMs: number;
}

export class SegmentationPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentationPlanError';
  }
}

/** The TCP and UDP ports the zone policy names (both ends of a range), plus one port per protocol no rule names. */
export function policyServices(decl: SchoolDeclaration): SegmentationService[] {
  const named: Record<'tcp' | 'udp', [number, number][]> = { tcp: [], udp: [] };
  const out = new Map<string, SegmentationService>();
  for (const [i, rule] of decl.zones.rules.entries()) {
    for (const text of rule.services ?? []) {
      const m = /^(tcp|udp|icmp)(?:\/([0-9,-]+))?$/.exec(text.trim().toLowerCase());
      if (!m)
        throw new SegmentationPlanError(`zones.rules[${i}].services: "${text}" is not of the form tcp/443`);
      if (m[1] === 'icmp' || m[2] === undefined) continue;
      const proto = m[1] as 'tcp' | 'udp';
      for (const part of m[2].split(',')) {
        const [a, b] = part.split('-').map(Number);
        const lo = a as number;
        const hi = b ?? lo;
        if (!(lo >= 1 && hi <= 65535 && lo <= hi))
          throw new SegmentationPlanError(`zones.rules[${i}].services: "${text}" has a bad port "${part}"`);
        named[proto].push([lo, hi]);
        for (const port of new Set([lo, hi])) out.set(`${proto}/${port}`, { proto, port });
      }
    }
  }
  for (const proto of ['tcp', 'udp'] as const) {
    const port = UNNAMED_CANDIDATES.find((p) => !named[proto].some(([lo, hi]) => lo <= p && p <= hi));
    if (port !== undefined) out.set(`${proto}/${port}`, { proto, port, unnamed: true });
  }
  return [...out.values()].sort((a, b) => a.proto.localeCompare(b.proto) || a.port - b.port);
}

/** Every ordered pair of the positioned networks, on every service. Pure; bounded. */
export function planSegmentation(
  decl: SchoolDeclaration,
  positions: readonly SegmentationPosition[],
): SegmentationPlan {
  const declared = new Map(decl.networks.map((n) => [n.name, n]));
  for (const p of positions)
    if (!declared.has(p.network))
      throw new SegmentationPlanError(
        `probe position for network ${p.network}: the declaration has no such network`,
      );
  const services = policyServices(decl);
  const cases: SegmentationCase[] = [];
  for (const from of positions)
    for (const to of positions) {
      if (from.network === to.network) continue;
      for (const s of services)
        cases.push({
          id: `${to.network}:${s.proto}/${s.port}`,
          from: from.network,
          to: to.network,
          service: s,
        });
    }
  if (cases.length > MAX_SEGMENTATION_CASES)
    throw new SegmentationPlanError(
      `segmentation would try ${cases.length} connections, at most ${MAX_SEGMENTATION_CASES}: name fewer services in the zone policy or probe fewer networks`,
    );
  return { services, cases };
}

const AGENT = new URL(
  `./segmentation-agent${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
).pathname;

interface Helper {
  network: string;
  proc: ChildProcess;
  waiting: Map<number | string, (msg: Record<string, unknown>) => void>;
  stderr: string;
}

function startHelper(network: string, netns: string | undefined): Promise<Helper> {
  const args = [...process.execArgv, AGENT];
  const proc = netns
    ? spawn('ip', ['netns', 'exec', netns, process.execPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const h: Helper = { network, proc, waiting: new Map(), stderr: '' };
  proc.stderr?.on('data', (b: Buffer) => (h.stderr = (h.stderr + b.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg.op === 'ready') return resolve(h);
      const key = msg.op === 'send' ? (msg.id as number) : String(msg.op);
      const cb = h.waiting.get(key);
      h.waiting.delete(key);
      cb?.(msg);
    });
    proc.once('error', (e) =>
      reject(new Error(`cannot start the segmentation helper for ${network}: ${e.message}`)),
    );
    proc.once('exit', (code) => {
      const why = `the segmentation helper for ${network}${netns ? ` (namespace ${netns})` : ''} exited (${code}): ${h.stderr.trim().split('\n').slice(-3).join(' ')}`;
      reject(new Error(why));
      for (const cb of h.waiting.values()) cb({ op: 'exit', outcome: 'error', error: why });
      h.waiting.clear();
    });
  });
}

function ask(
  h: Helper,
  key: number | string,
  msg: Record<string, unknown>,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      h.waiting.delete(key);
      resolve({
        outcome: 'error',
        error: `the helper for ${h.network} did not answer within ${timeoutMs} ms`,
      });
    }, timeoutMs);
    h.waiting.set(key, (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    h.proc.stdin!.write(JSON.stringify(msg) + '\n');
  });
}

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + p, 0);
}

/** Is `address` inside the IPv4 subnet `cidr` (`10.20.0.0/22`)? */
export function inSubnet(cidr: string, address: string): boolean {
  const [net, bits] = cidr.split('/');
  const n = ipv4(net ?? '');
  const a = ipv4(address);
  const len = Number(bits);
  if (n === undefined || a === undefined || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const size = 2 ** (32 - len);
  return Math.floor(a / size) === Math.floor(n / size);
}

/** The agent's IPv4 address inside `network`'s subnet, from the namespace's interfaces. */
async function discoverAddress(network: Network, netns: string | undefined): Promise<string> {
  const args = [...(netns ? ['-n', netns] : []), '-j', '-4', 'addr', 'show'];
  const out = await new Promise<string>((resolve, reject) =>
    execFile('ip', args, { timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const addrs = (JSON.parse(out) as { addr_info?: { local?: string }[] }[]).flatMap((i) =>
    (i.addr_info ?? []).map((a) => a.local ?? ''),
  );
  const found = addrs.find((a) => inSubnet(network.subnet, a));
  if (!found)
    throw new Error(
      `no address inside ${network.subnet} on ${netns ? `namespace ${netns}` : 'this host'} (found ${addrs.join(', ') || 'none'})`,
    );
  return found;
}

function inside(network: Network, address: string): boolean {
  return inSubnet(network.subnet, address);
}

export interface SegmentationRunOptions {
  /** Budget of one connection attempt (ms). */
  timeoutMs?: number;
  /** Attempts in flight per source network. */
  concurrency?: number;
  now?: () => Date;
}

/**
 * Runs the plan: a helper per network (inside its namespace) holds the listeners; each network then
 * sends its cases. A network whose helper or listeners could not start makes every case from it and to
 * it an `error`. A case the policy says nothing about is still sent: the check decides.
 */
export async function runSegmentation(
  decl: SchoolDeclaration,
  positions: readonly SegmentationPosition[],
  plan: SegmentationPlan,
  opts: SegmentationRunOptions = {},
): Promise<SegmentationObservation[]> {
  const now = opts.now ?? (() => new Date());
  const timeoutMs = Math.min(10_000, Math.max(100, opts.timeoutMs ?? 1500));
  const concurrency = Math.max(1, Math.min(64, opts.concurrency ?? 32));
  const token = randomBytes(12).toString('hex');
  const networks = new Map(decl.networks.map((n) => [n.name, n]));
  const helpers = new Map<string, Helper>();
  const addresses = new Map<string, string>();
  const broken = new Map<string, string>();

  await Promise.all(
    positions.map(async (p) => {
      const network = networks.get(p.network)!;
      try {
        const address = p.sourceAddress ?? (await discoverAddress(network, p.netns));
        if (!inside(network, address))
          throw new Error(
            `the position's address ${address} is not inside ${network.name}'s subnet ${network.subnet}`,
          );
        addresses.set(p.network, address);
        const h = await startHelper(p.network, p.netns);
        helpers.set(p.network, h);
        const ports = (proto: 'tcp' | 'udp') =>
          plan.services.filter((s) => s.proto === proto).map((s) => s.port);
        const r = await ask(
          h,
          'listen',
          { op: 'listen', address, tcp: ports('tcp'), udp: ports('udp'), token },
          10_000,
        );
        if (r.ok !== true) throw new Error(`listeners on ${address}: ${String(r.error)}`);
      } catch (e) {
        broken.set(p.network, (e as Error).message);
      }
    }),
  );

  try {
    const bySource = new Map<string, SegmentationCase[]>();
    for (const c of plan.cases) bySource.set(c.from, [...(bySource.get(c.from) ?? []), c]);
    let nextId = 1;
    const results = await Promise.all(
      [...bySource.values()].map(async (cases) => {
        const out: SegmentationObservation[] = new Array(cases.length);
        let next = 0;
        const lane = async () => {
          while (next < cases.length) {
            const i = next++;
            out[i] = await runCase(cases[i]!);
          }
        };
        const runCase = async (c: SegmentationCase): Promise<SegmentationObservation> => {
          const src = addresses.get(c.from);
          const dst = addresses.get(c.to);
          const proto = c.service.proto.toUpperCase();
          const startedAt = now().toISOString();
          const base = {
            kind: SEGMENTATION_KIND,
            case: c.id,
            network: c.from,
            scope: c.to,
            target: `${dst ?? c.to}:${c.service.port}/${c.service.proto}`,
            asked:
              c.service.proto === 'tcp'
                ? `TCP connect from ${src ?? c.from} to ${dst ?? c.to}:${c.service.port}, expecting the listener's token`
                : `UDP datagram from ${src ?? c.from} to ${dst ?? c.to}:${c.service.port}, expecting it echoed`,
            expected: `what the zone policy says for ${c.from} -> ${c.to} ${c.service.proto}/${c.service.port}`,
            params: {
              from: c.from,
              to: c.to,
              proto: c.service.proto,
              port: c.service.port,
              unnamed: c.service.unnamed === true,
            },
            startedAt,
          } as const;
          const problem = broken.get(c.from) ?? broken.get(c.to);
          const h = helpers.get(c.from);
          if (problem !== undefined || !h || !src || !dst) {
            const message = problem ?? `no helper for ${c.from}`;
            return {
              ...base,
              outcome: 'error',
              answered: `not sent: ${message}`,
              evidence: {},
              error: { code: 'E-NO-POSITION', message },
              durationMs: 0,
            };
          }
          const send = async () => {
            const id = nextId++;
            const req: SendRequest = {
              op: 'send',
              id,
              host: dst,
              proto: c.service.proto,
              port: c.service.port,
              timeoutMs,
              token,
              from: src,
            };
            return (await ask(
              h,
              id,
              req as unknown as Record<string, unknown>,
              timeoutMs + 5000,
            )) as Partial<SendReply> & {
              error?: string;
            };
          };
          // Silence is asked twice: a datagram lost on a busy network must not pass for a drop.
          let r = await send();
          let attempts = 1;
          if (r.outcome === 'timeout') {
            r = await send();
            attempts = 2;
          }
          const outcome = r.outcome ?? 'error';
          const answered = r.answered ?? `not sent: ${r.error ?? 'no answer from the helper'}`;
          return {
            ...base,
            outcome,
            answered,
            evidence: {
              sent: `${proto} ${src} -> ${dst}:${c.service.port}`,
              reply: answered,
              ...(r.code ? { code: r.code } : {}),
              timeoutMs,
              attempts,
            },
            ...(outcome === 'error' ? { error: { code: r.code ?? 'E-PROBE', message: answered } } : {}),
            durationMs: r.ms ?? 0,
          };
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, lane));
        return out;
      }),
    );
    const observations = results.flat();
    // What each listener received: the other side of the evidence for anything that got through.
    await Promise.all(
      [...helpers.values()].map(async (h) => {
        const r = await ask(h, 'seen', { op: 'seen' }, 5000);
        const seen = Array.isArray(r.from) ? (r.from as string[]) : [];
        for (const o of observations)
          if (o.scope === h.network && o.outcome === 'answered') {
            const src = addresses.get(o.network);
            const mark = `${src} ${String(o.params.proto)}/${String(o.params.port)}`;
            o.evidence.listenerSaw = seen.includes(mark)
              ? `${h.network}'s listener saw ${mark}`
              : `${h.network}'s listener did not record ${mark} (address translated on the way?)`;
          }
      }),
    );
    return observations;
  } finally {
    await Promise.all(
      [...helpers.values()].map(async (h) => {
        if (h.proc.exitCode !== null || h.proc.signalCode !== null) return;
        const exited = new Promise((res) => h.proc.once('exit', res));
        h.proc.stdin?.end();
        const t = setTimeout(() => h.proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }),
    );
  }
}

// ---------------------------------------------------------------- the probe kind

export const segmentationKind: ProbeKind = {
  id: SEGMENTATION_KIND,
  title: 'Segmentation by packets: each network reaches the others only as the zone policy says',
  help: [
    'Holds a listener (the agent’s own) at the agent’s address in every positioned network, on every',
    'TCP and UDP port the zone policy names plus one port it names nowhere, and from each network',
    'connects to the listeners in every other network: a TCP connect that must read back the run’s',
    'token, a UDP datagram that must be echoed. Each attempt passes when the packets agree with the',
    'declared zone policy and fails with what was sent and what came back (or timed out) when they do',
    `not. Targets are only the agent’s listeners inside the declared subnets; at most ${MAX_SEGMENTATION_CASES}`,
    'attempts, each within the probe time budget. Needs at least two networks with positions.',
  ].join('\n'),
  checkId: 'probe-segmentation-policy',
  plan: () => [],
  run: () =>
    Promise.resolve({
      outcome: 'error',
      answered: 'segmentation runs across networks, not per network',
      evidence: {},
      error: { code: 'E-PROBE', message: 'segmentation has no per-network cases' },
    }),
  async runSchool(input: SchoolProbeInput): Promise<ProbeObservation[]> {
    const { decl } = input.school;
    if (input.positions.length < 2) return [];
    let plan: SegmentationPlan;
    try {
      plan = planSegmentation(decl, input.positions);
    } catch (e) {
      const message = (e as Error).message;
      return [
        {
          kind: SEGMENTATION_KIND,
          case: 'plan',
          network: input.positions[0]!.network,
          target: 'every other network',
          asked: 'connections between the networks',
          expected: 'what the zone policy says',
          outcome: 'error',
          answered: `not sent: ${message}`,
          evidence: {},
          error: { code: 'E-PLAN', message },
          params: {},
          startedAt: input.now().toISOString(),
          durationMs: 0,
        },
      ];
    }
    return runSegmentation(decl, input.positions, plan, {
      timeoutMs: Math.min(input.timeoutMs, 2000),
      now: input.now,
    });
  },
};
