/**
 * Runs one network's probe cases from inside that network's position. `run.ts` starts it as
 * `ip netns exec <netns> node worker.ts`, so every socket it opens lives in that namespace, writes the
 * job (JSON) to its stdin and reads one JSON line back. Without a namespace, `run.ts` calls
 * `runNetworkJob` in-process instead.
 */
import { discoverResolvers } from './dhcp.ts';
import { getProbeKind } from './registry.ts';
import type {
  ProbeCase,
  ProbeContext,
  ProbeObservation,
  ProbeOutcome,
  ProbePosition,
  ResolverSource,
} from './types.ts';

export interface NetworkJob {
  position: ProbePosition;
  resolverSource: ResolverSource;
  declaredDns: string[];
  cases: ProbeCase[];
  timeoutMs: number;
  extraCa?: string[];
  /** Cases run at once within the network. */
  concurrency: number;
  /** Values of the cases' secret references (never written anywhere). */
  secrets?: Record<string, string>;
}

export interface NetworkJobResult {
  resolvers: string[];
  error?: { code: string; message: string };
  /** The DHCP offer's detail when the resolver came from DHCP. */
  dhcp?: { server: string; offered: string; dns: string[]; router: string[] };
  observations: ProbeObservation[];
}

/** Least time to wait for a DHCP offer. */
export const DHCP_MIN_MS = 10_000;

/** The outcome of a case that could not run. */
export function errorOutcome(code: string, message: string): ProbeOutcome {
  return { outcome: 'error', answered: `could not run: ${message}`, evidence: {}, error: { code, message } };
}

async function runCase(c: ProbeCase, ctx: Omit<ProbeContext, 'signal'>): Promise<ProbeObservation> {
  const started = new Date();
  const t0 = performance.now();
  const kind = getProbeKind(c.kind);
  let out: ProbeOutcome;
  if (!kind) out = errorOutcome('E-UNKNOWN-KIND', `no probe kind ${c.kind}`);
  else {
    const ac = new AbortController();
    // The runner's own stop: a kind that overruns its budget by more than a second is an error.
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<ProbeOutcome>((resolve) => {
      timer = setTimeout(() => {
        ac.abort();
        resolve(errorOutcome('E-TIMEOUT', `the probe did not finish within ${ctx.timeoutMs + 1000} ms`));
      }, ctx.timeoutMs + 1000);
    });
    try {
      out = await Promise.race([kind.run(c, { ...ctx, signal: ac.signal }), overrun]);
    } catch (e) {
      out = errorOutcome('E-PROBE', (e as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }
  return observationOf(c, out, started.toISOString(), Math.round(performance.now() - t0));
}

/** A case's observation: what was asked (from the case) and what came of it. */
export function observationOf(
  c: ProbeCase,
  out: ProbeOutcome,
  startedAt: string,
  durationMs: number,
): ProbeObservation {
  return {
    kind: c.kind,
    case: c.id,
    network: c.network,
    ...(c.scope === undefined ? {} : { scope: c.scope }),
    target: c.target,
    asked: c.asked,
    expected: c.expected,
    params: c.params,
    ...out,
    startedAt,
    durationMs,
  };
}

export async function runNetworkJob(job: NetworkJob): Promise<NetworkJobResult> {
  let resolvers = job.declaredDns;
  let dhcp: NetworkJobResult['dhcp'];
  let error: NetworkJobResult['error'];
  if (job.resolverSource === 'dhcp') {
    try {
      if (job.position.netns === undefined)
        throw Object.assign(
          new Error(
            'DHCP discovery needs the network namespace of the position (probes.positions[].netns); set probes.resolvers: declared to use the declared dns',
          ),
          { code: 'E-NO-NETNS' },
        );
      dhcp = await discoverResolvers({
        ...(job.position.interface === undefined ? {} : { interface: job.position.interface }),
        // DHCP servers commonly ping an address before offering it (dnsmasq waits up to 3 s per request, one
        // request at a time, so several networks on one server wait in turn): a longer budget.
        timeoutMs: Math.max(job.timeoutMs * 2, DHCP_MIN_MS),
      });
      resolvers = dhcp.dns;
      if (resolvers.length === 0)
        error = { code: 'E-NO-RESOLVER', message: `the DHCP offer from ${dhcp.server} names no DNS server` };
    } catch (e) {
      error = { code: (e as { code?: string }).code ?? 'E-DHCP', message: (e as Error).message };
      resolvers = [];
    }
  }
  const ctx: Omit<ProbeContext, 'signal'> = {
    position: job.position,
    resolvers,
    resolverSource: job.resolverSource,
    timeoutMs: job.timeoutMs,
    ...(job.extraCa === undefined ? {} : { extraCa: job.extraCa }),
    secret: (ref: string) => job.secrets?.[ref],
  };
  const observations: ProbeObservation[] = new Array(job.cases.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < job.cases.length) {
      const i = next++;
      const c = job.cases[i] as ProbeCase;
      observations[i] = await runCase(c, ctx);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(job.concurrency, job.cases.length)) }, lane));
  if (error)
    for (const o of observations)
      if (o.outcome === 'error' && o.error?.code === 'E-NO-RESOLVER') {
        o.error = { code: error.code, message: error.message };
        o.answered = `not run: ${error.message}`;
      }
  return { resolvers, ...(error ? { error } : {}), ...(dhcp ? { dhcp } : {}), observations };
}

if (import.meta.main) {
  const chunks: Buffer[] = [];
  process.stdin.on('data', (c: Buffer) => chunks.push(c));
  process.stdin.on('end', () => {
    const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as NetworkJob;
    runNetworkJob(job).then(
      (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
      (e: Error) => {
        process.stderr.write(`probe worker: ${e.message}\n`);
        process.exitCode = 2;
      },
    );
  });
}
