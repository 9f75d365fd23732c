/**
 * Running the probes for one school: plan every kind's cases per network (pure, bounded), then run each
 * network's cases from its position: in a child process inside its network namespace
 * (`ip netns exec`), or in-process bound to its source address. Networks run concurrently with a bound.
 * A network that cannot be probed (no position, no namespace, no DHCP offer) still yields every one of
 * its cases, each an `error`, so the report is never silently shorter.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LoadedSchool, Network } from '../../inventory/types.ts';
import { allProbeKinds } from './registry.ts';
import type {
  ProbeCase,
  ProbeFacts,
  ProbeKind,
  ProbeObservation,
  ProbePosition,
  ResolverSource,
} from './types.ts';
import { DEFAULT_CASE_TIMEOUT_MS, MAX_CASES_PER_NETWORK } from './types.ts';
import type { NetworkJob, NetworkJobResult } from './worker.ts';
import { DHCP_MIN_MS, errorOutcome, observationOf, runNetworkJob } from './worker.ts';

export interface ProbeRunOptions {
  /** Only these declared networks (default: every network with a probe position). */
  networks?: string[];
  /** Only these probe kinds (default: all). */
  kinds?: string[];
  /** Networks probed at once. */
  concurrency?: number;
  /** Cases run at once within a network. */
  caseConcurrency?: number;
  /** Resolves the `file:`/`env:` references cases need (inventory/secrets.ts `secretResolver`). */
  resolveSecret?: (ref: string) => Promise<string>;
  now?: () => Date;
}

export class ProbePlanError extends Error {
  readonly problems: string[];
  constructor(message: string, problems: string[]) {
    super(`${message}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ProbePlanError';
    this.problems = problems;
  }
}

export interface PlannedNetwork {
  network: Network;
  position?: ProbePosition;
  cases: ProbeCase[];
}

/** Every case for the selected networks, from the declaration alone. Throws on a bad selection. */
export function planProbes(
  loaded: LoadedSchool,
  opts: Pick<ProbeRunOptions, 'networks' | 'kinds'> = {},
): PlannedNetwork[] {
  const { decl } = loaded;
  const problems: string[] = [];
  const known = new Set(decl.networks.map((n) => n.name));
  for (const n of opts.networks ?? [])
    if (!known.has(n))
      problems.push(
        `--network ${n}: ${loaded.file} declares no network ${n} (declared: ${[...known].join(', ')})`,
      );
  let kinds: readonly ProbeKind[] = allProbeKinds;
  if (opts.kinds !== undefined) {
    const ids = new Set(allProbeKinds.map((k) => k.id));
    for (const k of opts.kinds)
      if (!ids.has(k)) problems.push(`--kind ${k}: no such probe (known: ${[...ids].join(', ')})`);
    kinds = allProbeKinds.filter((k) => opts.kinds?.includes(k.id));
  }
  if (problems.length > 0) throw new ProbePlanError('nothing was probed', problems);
  const positions = new Map((decl.probes?.positions ?? []).map((p) => [p.network, p]));
  const selected = decl.networks.filter((n) =>
    opts.networks !== undefined ? opts.networks.includes(n.name) : positions.has(n.name),
  );
  return selected.map((network) => {
    const cases = kinds.flatMap((k) => k.plan({ school: loaded, network }));
    if (cases.length > MAX_CASES_PER_NETWORK)
      throw new ProbePlanError('too many probes', [
        `network ${network.name}: ${cases.length} probe cases planned, at most ${MAX_CASES_PER_NETWORK} (shorten the filtering profile's test lists)`,
      ]);
    const position = positions.get(network.name);
    return { network, ...(position ? { position: { ...position } } : {}), cases };
  });
}

const WORKER = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
  .pathname;

function runInNetns(netns: string, job: NetworkJob, budgetMs: number): Promise<NetworkJobResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, ...process.execArgv, WORKER], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        Object.assign(new Error(`cannot start the probe in namespace ${netns}: ${e.message}`), {
          code: 'E-NETNS',
        }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) {
        resolvePromise(JSON.parse(line) as NetworkJobResult);
        return;
      }
      const why = signal
        ? `stopped after ${budgetMs} ms`
        : err.trim().split('\n').slice(-3).join(' ') || `exit ${code}`;
      reject(
        Object.assign(new Error(`probe in namespace ${netns} failed: ${why}`), {
          code: /Cannot open network namespace|No such file/.test(err) ? 'E-NO-NETNS' : 'E-NETNS',
        }),
      );
    });
    child.stdin.on('error', () => undefined); // a worker that died at once is reported by 'close'
    child.stdin.end(JSON.stringify(job));
  });
}

function allErrors(cases: ProbeCase[], code: string, message: string, at: string): ProbeObservation[] {
  return cases.map((c) => observationOf(c, errorOutcome(code, message), at, 0));
}

export async function runProbes(loaded: LoadedSchool, opts: ProbeRunOptions = {}): Promise<ProbeFacts> {
  const now = opts.now ?? (() => new Date());
  const planned = planProbes(loaded, opts);
  const probes = loaded.decl.probes;
  const timeoutMs = probes?.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  const resolverSource: ResolverSource = probes?.resolvers ?? 'dhcp';
  const extraCa = probes?.trustCa ? [await readFile(resolve(loaded.dir, probes.trustCa), 'utf8')] : undefined;
  const caseConcurrency = opts.caseConcurrency ?? 8;
  const collectedAt = now().toISOString();
  const results: ProbeFacts['networks'] = new Array(planned.length);
  const observations: ProbeObservation[][] = new Array(planned.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < planned.length) {
      const i = next++;
      const p = planned[i] as PlannedNetwork;
      const position: ProbePosition = p.position ?? { network: p.network.name };
      const base = { network: p.network.name, position, resolverSource };
      if (!p.position) {
        const msg = `no probe position is declared for network ${p.network.name} (probes.positions)`;
        results[i] = { ...base, resolvers: [], error: { code: 'E-NO-POSITION', message: msg } };
        observations[i] = allErrors(p.cases, 'E-NO-POSITION', msg, now().toISOString());
        continue;
      }
      const secrets: Record<string, string> = {};
      for (const ref of new Set(p.cases.flatMap((c) => c.secrets ?? [])))
        try {
          if (!opts.resolveSecret) throw new Error('no secret resolver was given to the probe runner');
          secrets[ref] = await opts.resolveSecret(ref);
        } catch (e) {
          // The case that needs it says so (its `run` finds no value): an error, never a pass.
          void e;
        }
      const job: NetworkJob = {
        ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
        position,
        resolverSource,
        declaredDns: p.network.dns,
        cases: p.cases,
        timeoutMs,
        ...(extraCa ? { extraCa } : {}),
        concurrency: caseConcurrency,
      };
      // Bound: DHCP plus every lane's cases in turn, plus a margin for starting the process.
      const budget =
        Math.max(timeoutMs * 2, DHCP_MIN_MS) +
        (timeoutMs + 1000) * Math.ceil(p.cases.length / caseConcurrency) +
        5000;
      try {
        const r = position.netns ? await runInNetns(position.netns, job, budget) : await runNetworkJob(job);
        results[i] = { ...base, resolvers: r.resolvers, ...(r.error ? { error: r.error } : {}) };
        observations[i] = r.observations;
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'E-PROBE';
        results[i] = { ...base, resolvers: [], error: { code, message: (e as Error).message } };
        observations[i] = allErrors(p.cases, code, (e as Error).message, now().toISOString());
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, planned.length)) }, lane),
  );
  // Kinds that need every selected network at once (segmentation), after the per-network cases.
  const positions = planned.flatMap((p) => (p.position ? [p.position] : []));
  const schoolWide: ProbeObservation[] = [];
  for (const kind of selectedKinds(opts))
    if (kind.runSchool)
      schoolWide.push(...(await kind.runSchool({ school: loaded, positions, timeoutMs, now })));
  return { collectedAt, networks: results, observations: [...observations.flat(), ...schoolWide] };
}

function selectedKinds(opts: Pick<ProbeRunOptions, 'kinds'>): readonly ProbeKind[] {
  return opts.kinds === undefined ? allProbeKinds : allProbeKinds.filter((k) => opts.kinds?.includes(k.id));
}
