/** Small helpers the filtering kinds share. */
import { DnsError } from '../dns.ts';
import type { ProbeContext, ProbeOutcome } from '../types.ts';

export function notRun(code: string, message: string): ProbeOutcome {
  return { outcome: 'error', answered: `not run: ${message}`, evidence: {}, error: { code, message } };
}

export function resolverOf(ctx: ProbeContext): string | undefined {
  return ctx.resolvers[0];
}

export function queryOpts(ctx: ProbeContext): {
  timeoutMs: number;
  signal: AbortSignal;
  localAddress?: string;
} {
  return {
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    ...(ctx.position.sourceAddress ? { localAddress: ctx.position.sourceAddress } : {}),
  };
}

/** A failed exchange as an outcome: refused and timed out are the network answering; the rest are errors. */
export function exchangeFailed(e: unknown, evidence: ProbeOutcome['evidence']): ProbeOutcome {
  const code = e instanceof DnsError ? e.code : 'E-PROBE';
  const message = (e as Error).message;
  const outcome =
    code === 'E-TIMEOUT'
      ? 'timeout'
      : ['E-REFUSED', 'E-RESET', 'E-UNREACHABLE', 'E-TLS'].includes(code)
        ? 'refused'
        : 'error';
  return {
    outcome,
    answered: `${code}: ${message}`,
    evidence: { ...evidence, code },
    ...(outcome === 'error' ? { error: { code, message } } : {}),
  };
}
