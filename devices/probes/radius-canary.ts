/**
 * The 802.1X leaver canary's collector: acting as a RADIUS client (a NAS) with the agent's own shared
 * secret, it signs in with each canary account through `eapol_test` (wpa_supplicant's RADIUS test
 * client, an implementation we did not write) and records what the server answered.
 *
 * The server's certificate is verified against the declared CA and name, as a well-configured device
 * does: a sign-in that fails because the server could not be trusted is an `error`, never a refusal.
 * Credentials and the shared secret never leave this module: the supplicant's network block lives in a
 * private (0700) folder as hex strings for the length of one attempt, the shared secret reaches
 * eapol_test through a pipe rather than its command line (secret-arg.ts), and what is kept of the tool's
 * output is only the RADIUS and EAP lines, with any credential scrubbed out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runWithSecretArg, SECRET_PLACEHOLDER, type ToolResult } from './secret-arg.ts';
import type { PlanInput, ProbeCase, ProbeContext, ProbeKind, ProbeOutcome } from './types.ts';

/** The EAP methods the canary can use: what a school's RADIUS server supports. */
export type CanaryEap = 'peap-mschapv2' | 'ttls-pap';
export const CANARY_EAP_METHODS: readonly CanaryEap[] = ['peap-mschapv2', 'ttls-pap'];

export interface RadiusCanaryServer {
  /** The declared RADIUS server's name (`radius[].name`). */
  name: string;
  host: string;
  /** Authentication port (UDP). */
  port: number;
  /** The agent's own RADIUS shared secret (its client entry on the server). */
  secret: string;
  eap: CanaryEap;
  /** CA certificate file that must have issued the server's certificate. */
  ca: string;
  /** The name the server's certificate must carry. */
  servername: string;
}

export type CanaryKind = 'enabled' | 'leaver';

export interface CanaryCredentials {
  kind: CanaryKind;
  /** The sign-in name (sAMAccountName / uid). */
  account: string;
  password: string;
}

/**
 * - `accepted`: Access-Accept and EAP-Success.
 * - `rejected`: the server answered with Access-Reject / EAP-Failure after the tunnel was up.
 * - `no-answer`: no RADIUS reply in time (wrong secret, server down, filtered).
 * - `error`: the attempt could not be judged (the server's certificate was not trusted, the tool failed).
 */
export type CanaryOutcome = 'accepted' | 'rejected' | 'no-answer' | 'error';

export interface CanaryAttempt {
  kind: CanaryKind;
  account: string;
  server: string;
  /** `host:port/udp` */
  address: string;
  eap: CanaryEap;
  outcome: CanaryOutcome;
  /** What was sent and what came back, as eapol_test printed it (RADIUS codes, EAP results); no secret. */
  packets: string[];
  /** Why the attempt could not be judged (outcome `error`). */
  detail?: string;
  ms: number;
}

export interface RadiusCanaryFacts {
  server: string;
  eap: CanaryEap;
  attempts: CanaryAttempt[];
  collectedAt: string;
}

export interface CanaryRunOptions {
  /** eapol_test's own timeout per attempt, seconds (bounded 1..30). */
  timeoutSec?: number;
  /** The tool (default `eapol_test` from PATH). */
  eapolTest?: string;
  now?: () => Date;
}

/** wpa_supplicant reads an unquoted string value as hex: no quoting or escaping can be broken. */
function hex(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

/** The supplicant's network block for one attempt. */
export function networkBlock(server: RadiusCanaryServer, who: CanaryCredentials): string {
  const [eap, phase2] = server.eap === 'peap-mschapv2' ? ['PEAP', 'auth=MSCHAPV2'] : ['TTLS', 'auth=PAP'];
  return [
    'network={',
    '  key_mgmt=WPA-EAP',
    `  eap=${eap}`,
    `  identity=${hex(who.account)}`,
    // The outer identity travels in clear: it says nothing about who signs in.
    `  anonymous_identity=${hex('anonymous')}`,
    `  password=${hex(who.password)}`,
    `  phase2="${phase2}"`,
    `  ca_cert="${server.ca.replace(/["\n]/g, '')}"`,
    `  domain_match="${server.servername.replace(/["\n]/g, '')}"`,
    '}',
    '',
  ].join('\n');
}

const KEEP = [
  /^Sending RADIUS message/,
  /^Received RADIUS message/,
  /RADIUS message: code=\d+ \([^)]*\)/,
  /^EAP: Received EAP-(Success|Failure)/,
  /^CTRL-EVENT-EAP-(SUCCESS|FAILURE|STARTED|PROPOSED-METHOD|METHOD|TLS-CERT-ERROR|PEER-CERT)\b.*/,
  /^EAP-MSCHAPV2: (Authentication succeeded|.*failure|.*E=\d+.*)/i,
  /^TLS: (Certificate verification failed|.*alert).*/i,
  /^OpenSSL: .*(error|fail).*/i,
  /^No response from Authentication server/,
  /^EAPOL test timed out/,
  /^MPPE keys OK/,
  /^(SUCCESS|FAILURE)$/,
];

/** The RADIUS and EAP lines worth keeping as evidence, with any credential scrubbed. */
export function evidenceLines(output: string, secrets: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const m = KEEP.map((re) => re.exec(line)).find((x) => x !== null);
    if (!m) continue;
    let kept = m[0];
    for (const s of secrets) if (s.length > 0) kept = kept.split(s).join('[secret]');
    if (out.at(-1) !== kept) out.push(kept);
  }
  return out.slice(0, 40);
}

/** Judges eapol_test's output: accepted, rejected, no answer, or not judgeable. */
export function classify(output: string, exitCode: number): { outcome: CanaryOutcome; detail?: string } {
  const lines = output.split('\n').map((l) => l.trim());
  const has = (re: RegExp) => lines.some((l) => re.test(l));
  const accept = has(/RADIUS message: code=2 \(Access-Accept\)/);
  const reject = has(/RADIUS message: code=3 \(Access-Reject\)/);
  const last = lines.filter((l) => l !== '').at(-1);
  if (has(/TLS: Certificate verification failed|CTRL-EVENT-EAP-TLS-CERT-ERROR/))
    return {
      outcome: 'error',
      detail: 'the RADIUS server’s certificate was not trusted (CA or name): the sign-in was not tried',
    };
  if (accept && last === 'SUCCESS' && exitCode === 0) return { outcome: 'accepted' };
  if (reject) return { outcome: 'rejected' };
  if (!has(/Received RADIUS message/) && has(/No response from Authentication server|EAPOL test timed out/))
    return {
      outcome: 'no-answer',
      detail: 'no RADIUS reply (server down, filtered, or the secret is wrong)',
    };
  if (accept)
    return { outcome: 'error', detail: 'Access-Accept without a complete EAP success (keys missing?)' };
  return {
    outcome: 'error',
    detail: `eapol_test ended without an Accept or a Reject (exit ${exitCode}, last line: ${last ?? 'none'})`,
  };
}

/** One sign-in with one canary. */
export async function canaryAttempt(
  server: RadiusCanaryServer,
  who: CanaryCredentials,
  opts: CanaryRunOptions = {},
): Promise<CanaryAttempt> {
  const timeoutSec = Math.min(30, Math.max(1, Math.round(opts.timeoutSec ?? 5)));
  const base = {
    kind: who.kind,
    account: who.account,
    server: server.name,
    address: `${server.host}:${server.port}/udp`,
    eap: server.eap,
  };
  const t0 = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'schoolnet-canary-'));
  try {
    const conf = join(dir, 'network.conf');
    await writeFile(conf, networkBlock(server, who), { mode: 0o600 });
    // eapol_test takes the shared secret only as `-s <secret>`: it gets a placeholder there, and the
    // secret through a private pipe that a preloaded shim reads (secret-arg.ts), so `ps` never shows it.
    const args = ['-c', conf, '-a', server.host, '-p', String(server.port), '-s', SECRET_PLACEHOLDER];
    let r: ToolResult;
    try {
      r = await runWithSecretArg(
        opts.eapolTest ?? 'eapol_test',
        [...args, '-t', String(timeoutSec)],
        server.secret,
        (timeoutSec + 3) * 1000,
      );
    } catch (e) {
      r = { code: -1, output: '', spawnError: (e as Error).message };
    }
    const ms = Date.now() - t0;
    if (r.spawnError)
      return {
        ...base,
        outcome: 'error',
        packets: [],
        detail: `eapol_test could not run: ${r.spawnError}`,
        ms,
      };
    const secrets = [who.password, server.secret, hex(who.password), hex(server.secret)];
    const verdict = classify(r.output, r.code);
    return {
      ...base,
      outcome: verdict.outcome,
      packets: evidenceLines(r.output, secrets),
      ...(verdict.detail === undefined ? {} : { detail: verdict.detail }),
      ms,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Both canaries, one after the other (the leaver's result means something only beside the other's). */
export async function collectRadiusCanary(
  server: RadiusCanaryServer,
  canaries: readonly CanaryCredentials[],
  opts: CanaryRunOptions = {},
): Promise<RadiusCanaryFacts> {
  const attempts: CanaryAttempt[] = [];
  for (const who of canaries) attempts.push(await canaryAttempt(server, who, opts));
  return {
    server: server.name,
    eap: server.eap,
    attempts,
    collectedAt: (opts.now?.() ?? new Date()).toISOString(),
  };
}

// ---------------------------------------------------------------- the probe kind

export const RADIUS_CANARY_KIND = 'radius-leaver-canary';

/** One case per RADIUS server declaring a canary, from the network its `canary.from` names. */
function planCanary(input: PlanInput): ProbeCase[] {
  const { decl, dir } = input.school;
  const accounts = decl.lifecycle?.canaries;
  if (!accounts) return [];
  return (decl.radius ?? [])
    .filter((r) => r.canary?.from === input.network.name)
    .map((r) => {
      const c = r.canary!;
      const port = r.authPort ?? 1812;
      const method = c.eap === 'peap-mschapv2' ? 'PEAP/MSCHAPv2' : 'EAP-TTLS/PAP';
      return {
        kind: RADIUS_CANARY_KIND,
        id: r.name,
        network: input.network.name,
        scope: 'leaver canary',
        target: `${r.host}:${port}/udp`,
        asked: `${method} sign-ins as ${accounts.staff.account} (enabled) and ${accounts.leaver.account} (leaver) through ${r.name} with the agent's RADIUS secret`,
        expected: `${accounts.staff.account} accepted, ${accounts.leaver.account} refused`,
        params: {
          server: r.name,
          host: r.host,
          port,
          eap: c.eap,
          ca: resolve(dir, c.ca),
          servername: c.servername,
          enabledAccount: accounts.staff.account,
          leaverAccount: accounts.leaver.account,
          secretRef: c.secret,
          enabledPasswordRef: accounts.staff.password,
          leaverPasswordRef: accounts.leaver.password,
        },
        secrets: [c.secret, accounts.staff.password, accounts.leaver.password],
      };
    });
}

async function runCanary(c: ProbeCase, ctx: ProbeContext): Promise<ProbeOutcome> {
  const p = c.params as Record<string, string | number>;
  const missing = (['secretRef', 'enabledPasswordRef', 'leaverPasswordRef'] as const).filter(
    (k) => ctx.secret?.(String(p[k])) === undefined,
  );
  if (missing.length > 0) {
    const refs = missing.map((k) => String(p[k])).join(', ');
    return {
      outcome: 'error',
      answered: `not sent: ${refs} could not be read`,
      evidence: {},
      error: { code: 'E-SECRET', message: `the canary's secret ${refs} could not be read on the agent` },
    };
  }
  const server: RadiusCanaryServer = {
    name: String(p.server),
    host: String(p.host),
    port: Number(p.port),
    secret: ctx.secret!(String(p.secretRef))!,
    eap: p.eap as CanaryEap,
    ca: String(p.ca),
    servername: String(p.servername),
  };
  const timeoutSec = Math.max(1, Math.floor(ctx.timeoutMs / 1000));
  // Both at once: the leaver's answer is slowed by the server's reject delay, the other's is not.
  const [enabled, leaver] = await Promise.all(
    (
      [
        ['enabled', 'enabledAccount', 'enabledPasswordRef'],
        ['leaver', 'leaverAccount', 'leaverPasswordRef'],
      ] as const
    ).map(([kind, account, ref]) =>
      canaryAttempt(
        server,
        { kind, account: String(p[account]), password: ctx.secret!(String(p[ref]))! },
        { timeoutSec },
      ),
    ),
  );
  const both = [enabled!, leaver!];
  const outcome = both.some((a) => a.outcome === 'error')
    ? 'error'
    : both.some((a) => a.outcome === 'no-answer')
      ? 'timeout'
      : 'answered';
  const failed = both.find((a) => a.outcome === 'error');
  return {
    outcome,
    answered: both.map((a) => `${a.account} ${a.outcome}`).join(', '),
    evidence: {
      server: `${server.name} ${server.host}:${server.port}/udp`,
      eap: server.eap,
      ...Object.fromEntries(
        both.flatMap((a) => [
          [`${a.kind}Account`, a.account],
          [`${a.kind}Outcome`, a.outcome],
          [`${a.kind}Packets`, a.packets],
          [`${a.kind}Ms`, a.ms],
          ...(a.detail ? [[`${a.kind}Detail`, a.detail]] : []),
        ]),
      ),
    },
    ...(failed
      ? { error: { code: 'E-CANARY', message: `${failed.account}: ${failed.detail ?? 'failed'}` } }
      : {}),
  };
}

export const radiusCanaryKind: ProbeKind = {
  id: RADIUS_CANARY_KIND,
  title: "802.1X leaver canary: a leaver's account is refused by the school's RADIUS server",
  help: [
    'From the network radius[].canary.from names, acting as a RADIUS client with the agent’s own shared',
    'secret (radius[].canary.secret), signs in with the two canary accounts the lifecycle manages',
    '(lifecycle.canaries: staff enabled in the staff OU, leaver disabled in the leavers OU) using',
    'eapol_test (PEAP/MSCHAPv2 or EAP-TTLS/PAP, canary.eap), verifying the server certificate against',
    'canary.ca and canary.servername. Passes when the enabled canary is accepted and the leaver refused;',
    'fails when the leaver is accepted; an enabled canary refused (or no answer) is an error: the test',
    'itself is broken. The passwords are read from their secret files on the agent and never stored.',
  ].join('\n'),
  checkId: 'probe-wifi-leaver-refused',
  plan: planCanary,
  run: runCanary,
};
