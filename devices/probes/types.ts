/**
 * Active probes: traffic sent from inside a school network, from one declared network's position, to
 * the targets the declaration or its filtering profile names. This file is the contract every probe
 * kind follows (filtering, the 802.1X leaver canary, segmentation by packets).
 *
 * A probe kind splits in two, like the rest of the toolkit:
 * - here under devices/probes/, `plan` (pure: which cases, from the declaration) and `run` (the only
 *   code that sends packets) return an *observation*: what was asked and what came back;
 * - under checks/probes/, a pure check judges the observations (pass / fail / error) and maps them to
 *   clauses like every other check.
 *
 * Probes are read-only, bounded in count (`MAX_CASES_PER_NETWORK`) and in time (every case has a
 * deadline), and a case that could not run is an `error`, never a pass.
 */
import type { LoadedSchool, Network } from '../../inventory/types.ts';

export type ProbeStatus = 'pass' | 'fail' | 'error';

/** The most cases one network may plan across all kinds; more is a declaration error, not a truncation. */
export const MAX_CASES_PER_NETWORK = 200;
/** Default budget of one case (ms); `probes.timeoutMs` in the declaration overrides it. */
export const DEFAULT_CASE_TIMEOUT_MS = 3000;

/**
 * Where a network's probes send from. In production an 802.1Q interface per VLAN, each in its own
 * network namespace so the traffic goes through the school's router; in the tests one namespace per
 * network. The runner opens every socket of a network's cases inside `netns` (it runs them in a
 * child process started with `ip netns exec`), or bound to `sourceAddress` when there is no namespace.
 */
export interface ProbePosition {
  /** Declared network name (`PUPILS`). */
  network: string;
  /** Network namespace holding this network's interface. */
  netns?: string;
  /** Interface in that namespace (for DHCP and the evidence); default: the namespace's only non-loopback one. */
  interface?: string;
  /** Local address to bind every socket to (when the probe host has an address in the network itself). */
  sourceAddress?: string;
}

/** Where this network's resolver came from: what its DHCP handed out now, or the declaration's `dns`. */
export type ResolverSource = 'dhcp' | 'declared';

/** Everything a probe case gets when it runs, inside its network's position. */
export interface ProbeContext {
  position: ProbePosition;
  /** The resolvers a device joining this network is given (DHCP option 6), first one first. */
  resolvers: string[];
  resolverSource: ResolverSource;
  /** Budget of this case; `run` must settle by then (the runner gives up shortly after and records an error). */
  timeoutMs: number;
  signal: AbortSignal;
  /**
   * CA certificates (PEM) trusted for TLS probes besides the system store: the school's filter's
   * interception CA, or the tests' own CA. Never used to turn verification off.
   */
  extraCa?: string[];
}

/** What a case sends and what it expects, decided from the declaration before any packet leaves. */
export interface ProbeCase {
  /** Probe kind id (`filter-dns-category`). */
  kind: string;
  /** Stable within the kind and network, e.g. `adult@dns:proxy.test.example`; part of the finding key. */
  id: string;
  /** Declared network name. */
  network: string;
  /** Filtering profile (for filtering kinds), canary role, target zone...: free label for the evidence. */
  scope?: string;
  /** Host, URL or host:port the case talks to. */
  target: string;
  /** What is asked, in a technician's words: `A? proxy.test.example @10.40.0.53`. */
  asked: string;
  /** What a good answer is, in a technician's words: `NXDOMAIN or 10.40.0.80 (block address)`. */
  expected: string;
  /** Kind-specific, JSON-serialisable inputs for `run` and the verdict (expected addresses, patterns...). */
  params: Record<string, unknown>;
}

/** How a case ended, before any verdict: the facts a check judges. */
export type ObservationOutcome =
  /** An answer came back (DNS reply, HTTP status, TLS handshake done, RADIUS Access-Accept/Reject...). */
  | 'answered'
  /** Actively refused or reset (TCP RST, ICMP unreachable, TLS alert from a filter...). */
  | 'refused'
  /** Nothing came back within the budget (a silent drop). */
  | 'timeout'
  /** The probe itself could not run (no namespace, no resolver, bad certificate store...): never a pass. */
  | 'error';

/** One case's observation: the probe's facts. */
export interface ProbeObservation {
  kind: string;
  case: string;
  network: string;
  scope?: string;
  target: string;
  asked: string;
  expected: string;
  outcome: ObservationOutcome;
  /** What came back, in a technician's words: `A 10.40.0.80`, `HTTP 403 "Access denied" (block page)`. */
  answered: string;
  /** Structured detail for the check and the technician section (addresses, status, matched pattern...). */
  evidence: Record<string, string | number | boolean | string[]>;
  /** For outcome `error`: a stable code (E-NO-NETNS, E-NO-RESOLVER, E-TIMEOUT...) and the message. */
  error?: { code: string; message: string };
  params: Record<string, unknown>;
  startedAt: string;
  durationMs: number;
}

/** An observation with its verdict: one row of `schoolnet probe --json`. */
export interface ProbeResult extends ProbeObservation {
  status: ProbeStatus;
  /** One sentence: why this status. */
  reason: string;
  /** The check that judged it. */
  checkId: string;
}

/** Everything probed for one school in one run: the `probes` fact set the probe checks read. */
export interface ProbeFacts {
  collectedAt: string;
  /** Networks probed, with where they sent from and which resolver they used. */
  networks: {
    network: string;
    position: ProbePosition;
    resolvers: string[];
    resolverSource: ResolverSource;
    /** Set when the network could not be probed at all (every case of it is then an error). */
    error?: { code: string; message: string };
  }[];
  observations: ProbeObservation[];
}

/** What `plan` sees: the declaration and the network, never the clock or the network itself. */
export interface PlanInput {
  school: LoadedSchool;
  network: Network;
}

/**
 * A probe kind. `plan` is pure and bounded; `run` sends the packets for one case and must never throw
 * for a network failure: it returns outcome `refused`/`timeout`/`error` with the detail in evidence.
 */
export interface ProbeKind {
  id: string;
  /** One line for `schoolnet probe --help`. */
  title: string;
  /** Paragraph(s) for `schoolnet probe --help`: what it sends, to whom, what passes. */
  help: string;
  /** The check under checks/probes/ that judges this kind's observations. */
  checkId: string;
  plan(input: PlanInput): ProbeCase[];
  run(c: ProbeCase, ctx: ProbeContext): Promise<ProbeOutcome>;
}

/** What `run` returns; the runner adds the case, the timing and the network. */
export type ProbeOutcome = Pick<ProbeObservation, 'outcome' | 'answered' | 'evidence' | 'error'>;
