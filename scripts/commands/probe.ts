/**
 * `schoolnet probe FILE [--network NAME...] [--kind ID...] [--json]`: prove from inside the school's
 * networks that its filtering (and, with the other probe kinds, 802.1X and segmentation) really works.
 * Read-only: probes send only to the targets the declaration and its filtering profiles name, a bounded
 * number of cases each with a time budget. Every probe kind is listed in `--help`.
 * Exit codes: 0 every probe passed, 1 a probe failed, 2 a probe could not run, 3 usage or declaration error.
 */
import type { Command } from 'commander';
import { probeResults } from '../../checks/probes/results.ts';
import { allProbeKinds } from '../../devices/probes/registry.ts';
import { ProbePlanError, runProbes } from '../../devices/probes/run.ts';
import type { ProbeFacts, ProbeResult } from '../../devices/probes/types.ts';
import { MAX_CASES_PER_NETWORK, DEFAULT_CASE_TIMEOUT_MS } from '../../devices/probes/types.ts';
import { escapeControls } from '../../inventory/csv.ts';
import { DeclarationError, formatProblem, loadSchool } from '../../inventory/load.ts';
import type { LoadedSchool } from '../../inventory/types.ts';

const EXIT = { ok: 0, failures: 1, errors: 2, usage: 3 } as const;

function kindsHelp(): string {
  return allProbeKinds.map((k) => `  ${k.id}: ${k.title}\n${k.help.replace(/^/gm, '      ')}`).join('\n\n');
}

export const HELP = `
FILE is a school declaration (school.yaml). Probes run per declared network from that network's position
(probes.positions: in production an 802.1Q interface per VLAN, each in its own network namespace, so the
traffic goes through the school's router; or a sourceAddress in the network). They use the resolver that
network's DHCP hands out now (probes.resolvers: dhcp, the default: one DHCPDISCOVER, never a REQUEST, so
no lease is taken), or the declared dns (probes.resolvers: declared).

Declaring what to test (per filtering profile; a network names its profile in filteringProfile):
  filtering:
    profiles:
      pupil:
        provider: Example filter, pupil policy
        blockAddresses: [10.40.0.80]            # what the filter's DNS answers blocked names with
        blockPage: ['Access to this site is blocked']   # text that identifies the block page
        dnsTests: [{ category: adult, name: adult.test.filter-vendor.example }]
        webTests: [{ category: proxy, url: https://proxy.test.filter-vendor.example/ }]
        downloadTests: [http://files.test.filter-vendor.example/test.exe]
        safeSearch: { google: true, bing: true, youtube: strict }
        bypass: { outsideResolvers: [8.8.8.8], dot: ['1.1.1.1#cloudflare-dns.com'], doh: [https://dns.google/dns-query] }
  probes:
    positions: [{ network: PUPILS, netns: sn-pupils }]
    timeoutMs: 3000            # per probe case (default ${DEFAULT_CASE_TIMEOUT_MS})
    trustCa: filter-ca.pem     # the filter's HTTPS interception CA, if it has one
Use the filter vendor's published test names and pages, or the school's own: schoolnet ships no lists
of real sites. Defaults a UK school would expect: SafeSearch on for Google and Bing, YouTube strict on
pupil networks and moderate elsewhere; bypass tested against 8.8.8.8, 1.1.1.1 and 9.9.9.9 (plain DNS
and DNS over TLS) and Google, Cloudflare and Quad9 DNS over HTTPS.

Probes (each case reports what it asked, what came back and how long it took):
${kindsHelp()}

Safety: probes only send from the school's own networks to the targets above, at most
${MAX_CASES_PER_NETWORK} cases per network, each within its time budget; they never fetch category content
beyond the declared test pages. A probe that cannot run (no namespace, no DHCP offer, no resolver, a
timeout from the school's own resolver) is an error, never a pass.

--json prints { school, collectedAt, networks: [ { network, position, resolvers, resolverSource,
error? } ], results: [ { kind, case, network, scope, target, asked, expected, answered, outcome,
status, reason, checkId, evidence, error?, startedAt, durationMs } ], counts }.

Findings: the audit runs the same probes when the school declares probes.positions (the site agent's
nightly audit, from inside the school), so their findings are stored, mapped to the clauses that cite
the filtering controls, and reported in plain words; this command prints them without storing a run.
A school that declares no positions is not probed: its probe-backed clauses show as not checked.

Exit codes: 0 every probe passed; 1 a probe failed (the filter let something through); 2 a probe could
not run; 3 usage or declaration error.

Example:
  schoolnet probe inventory/schools/demo/school.yaml --network PUPILS --json`;

interface Options {
  network?: string[];
  kind?: string[];
  json?: boolean;
}

function fail(message: string, code: number): number {
  process.stderr.write(`schoolnet probe: ${message}\n`);
  return code;
}

export function renderTable(facts: ProbeFacts, results: ProbeResult[]): string {
  const lines: string[] = [];
  for (const n of facts.networks) {
    const where = n.position.netns
      ? `netns ${n.position.netns}`
      : n.position.sourceAddress
        ? `from ${n.position.sourceAddress}`
        : 'no position';
    lines.push(
      `${n.network} (${where}; resolver ${n.resolvers.join(', ') || 'none'} from ${n.resolverSource})${n.error ? `: ${n.error.code} ${n.error.message}` : ''}`,
    );
    for (const r of results.filter((x) => x.network === n.network))
      lines.push(
        `  ${r.status.toUpperCase().padEnd(5)} ${r.kind} ${r.case}: asked ${r.asked}; got ${r.answered} (${r.durationMs} ms)`,
        `        ${r.reason}`,
      );
  }
  const c = counts(results);
  lines.push('', `${results.length} probes: ${c.pass} passed, ${c.fail} failed, ${c.error} could not run.`);
  return `${lines.map((l) => escapeControls(l)).join('\n')}\n`;
}

function counts(results: ProbeResult[]): Record<'pass' | 'fail' | 'error', number> {
  const c = { pass: 0, fail: 0, error: 0 };
  for (const r of results) c[r.status]++;
  return c;
}

export async function runProbeCommand(file: string, opts: Options): Promise<number> {
  let loaded: LoadedSchool;
  try {
    loaded = await loadSchool(file);
  } catch (e) {
    if (e instanceof DeclarationError) return fail(e.problems.map(formatProblem).join('\n'), EXIT.usage);
    throw e;
  }
  let facts: ProbeFacts;
  try {
    facts = await runProbes(loaded, {
      ...(opts.network ? { networks: opts.network } : {}),
      ...(opts.kind ? { kinds: opts.kind } : {}),
    });
  } catch (e) {
    if (e instanceof ProbePlanError) return fail(e.message, EXIT.usage);
    throw e;
  }
  if (facts.networks.length === 0)
    return fail(
      `${file} declares no probe positions (probes.positions) and no --network was named; nothing was probed`,
      EXIT.usage,
    );
  const checkOf = new Map(allProbeKinds.map((k) => [k.id, k.checkId]));
  const results = probeResults(facts, (k) => checkOf.get(k), { decl: loaded.decl, now: facts.collectedAt });
  const c = counts(results);
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ school: loaded.decl.school.id, collectedAt: facts.collectedAt, networks: facts.networks, results, counts: c }, null, 2)}\n`,
    );
  else process.stdout.write(renderTable(facts, results));
  if (c.error > 0) return EXIT.errors;
  if (c.fail > 0) return EXIT.failures;
  return EXIT.ok;
}

export function register(program: Command): void {
  program
    .command('probe')
    .description("Prove from inside each network that the school's filtering works (read-only active probes)")
    .argument('<file>', 'school declaration (school.yaml)')
    .option(
      '--network <name...>',
      'only these declared networks (default: every network with a probe position)',
    )
    .option('--kind <id...>', `only these probes (${allProbeKinds.map((k) => k.id).join(', ')})`)
    .option('--json', 'print the results as JSON')
    .addHelpText('after', HELP)
    .action(async (file: string, opts: Options) => {
      process.exitCode = await runProbeCommand(file, opts);
    });
}
