/**
 * Collecting a school's facts for one run: each device once, concurrently with a bound, each within
 * its own time budget, and only the fact sets the selected checks need. A device that fails becomes
 * `{ ok: false, error }` carrying the DeviceError code; it never stops the other devices.
 */
import { snmpEngineRecordFromEnv } from '../../devices/snmp/engine-pins.ts';
import type { CollectOptions } from '../../devices/errors.ts';
import { DeviceError } from '../../devices/errors.ts';
import type {
  CollectError,
  Collected,
  DirectoryFacts,
  RouterFacts,
  SchoolFacts,
  SwitchFacts,
  SwitchManagement,
} from '../../devices/facts.ts';
import { rosterIdAttribute } from '../../inventory/roster-id.ts';
import { SecretError, secretResolver } from '../../inventory/secrets.ts';
import type { Device, Directory, LoadedSchool } from '../../inventory/types.ts';
import type { FactNeed } from '../types.ts';
import type { DeviceStatus } from './types.ts';

/** The collectors the engine calls; injectable so the benchmark and the nightly runner can wrap them. */
export interface Collectors {
  router(device: Device, opts: CollectOptions): Promise<RouterFacts>;
  switch(device: Device, opts: CollectOptions): Promise<SwitchFacts>;
  switchCli(device: Device, opts: CollectOptions): Promise<SwitchManagement>;
  directory(dir: Directory, opts: CollectOptions): Promise<DirectoryFacts>;
  /** Roster and register come from files in the school folder, not from devices. */
  roster?(loaded: LoadedSchool): Promise<NonNullable<SchoolFacts['roster']>>;
  register?(loaded: LoadedSchool): Promise<NonNullable<SchoolFacts['register']>>;
  /** Active probes from the school's networks (devices/probes/): only where the school declares positions. */
  probes?(loaded: LoadedSchool): Promise<NonNullable<SchoolFacts['probes']>>;
}

export interface CollectSettings {
  /** Devices collected at once (default 4). */
  concurrency?: number;
  /** Per-device budget when the device declares no `timeoutMs` (default 15 s). */
  timeoutMs?: number;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TIMEOUT_MS = 15_000;
/** The probes run every network's cases, each bounded (devices/probes/run.ts): one overall budget. */
const PROBES_BUDGET_MS = 180_000;
/** Collectors promise to give up within their budget; the engine adds this grace before it stops waiting. */
const GRACE_MS = 2_000;

export interface CollectOutcome {
  facts: SchoolFacts;
  devices: DeviceStatus[];
}

/** Turns anything a collector threw into the stable error shape findings and the store keep. */
export function toCollectError(e: unknown): CollectError {
  if (e instanceof DeviceError) {
    const out: CollectError = { code: e.code, message: e.message };
    if (e.hint !== undefined) out.hint = e.hint;
    return out;
  }
  if (e instanceof SecretError)
    return {
      code: 'E-SECRET',
      message: e.message,
      hint: `set the secret ${e.ref} names (environment variable or file) where the audit runs`,
    };
  return {
    code: 'E-INTERNAL',
    message: e instanceof Error ? e.message : String(e),
    hint: 'an unexpected failure inside schoolnet: report it with this message',
  };
}

function withDeadline<T>(p: Promise<T>, ms: number, device: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DeviceError('E-TIMEOUT', device, `no result within ${ms} ms`, {
            hint: 'check the device answers, or raise timeoutMs in its declaration',
          }),
        ),
      ms,
    );
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Runs tasks with at most `limit` in flight, preserving result order. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

type Job =
  | { kind: 'router'; device: Device }
  | { kind: 'switch'; device: Device }
  | { kind: 'switch-cli'; device: Device }
  | { kind: 'directory'; dir: Directory }
  | { kind: 'roster' }
  | { kind: 'register' }
  | { kind: 'probes' };

interface JobResult {
  job: Job;
  status: DeviceStatus;
  facts?:
    | RouterFacts
    | SwitchFacts
    | SwitchManagement
    | DirectoryFacts
    | SchoolFacts['roster']
    | SchoolFacts['register']
    | SchoolFacts['probes'];
}

/** Which jobs the needs call for. Devices are matched to fact sets by driver, not kind: an AP running
 * RouterOS reports through the router facts. */
export function plan(loaded: LoadedSchool, needs: ReadonlySet<FactNeed>): Job[] {
  const { decl } = loaded;
  const jobs: Job[] = [];
  for (const device of decl.devices) {
    if (device.driver === 'routeros' && needs.has('router')) jobs.push({ kind: 'router', device });
    // CLI facts ride on their SNMP twin (see pairCli), so wanting the CLI means wanting the switch too.
    if (device.driver === 'snmp' && (needs.has('switch') || needs.has('switch-cli')))
      jobs.push({ kind: 'switch', device });
    if (device.driver === 'ssh-cli' && needs.has('switch-cli')) jobs.push({ kind: 'switch-cli', device });
  }
  if (decl.directory !== undefined && needs.has('directory'))
    jobs.push({ kind: 'directory', dir: decl.directory });
  if (decl.lifecycle !== undefined && needs.has('roster')) jobs.push({ kind: 'roster' });
  if (decl.inventory !== undefined && needs.has('register')) jobs.push({ kind: 'register' });
  if ((decl.probes?.positions.length ?? 0) > 0 && needs.has('probes')) jobs.push({ kind: 'probes' });
  return jobs;
}

function jobName(job: Job): string {
  return 'device' in job ? job.device.name : job.kind;
}

/**
 * The switch an SSH CLI device belongs to: the SNMP switch whose name the CLI device's name extends
 * (`core-sw1` for `core-sw1-cli`), else the only SNMP switch on the same host and no other name match.
 */
export function pairCli(cli: Device, switches: readonly Device[]): Device | undefined {
  const byName = switches
    .filter((s) => cli.name.startsWith(s.name))
    .sort((a, b) => b.name.length - a.name.length);
  if (byName[0] !== undefined) return byName[0];
  const sameHost = switches.filter((s) => s.host === cli.host);
  return sameHost.length === 1 ? sameHost[0] : undefined;
}

export async function collectSchool(
  loaded: LoadedSchool,
  needs: ReadonlySet<FactNeed>,
  collectors: Collectors,
  settings: CollectSettings = {},
): Promise<CollectOutcome> {
  const now = settings.now ?? (() => new Date());
  const resolveSecret = secretResolver(loaded.dir, settings.env);
  const defaultTimeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const jobs = plan(loaded, needs);
  // SNMPv3 engine IDs learned at first contact, when the operator enables it (SCHOOLNET_SNMP_ENGINES).
  const snmpEngines = snmpEngineRecordFromEnv(loaded.decl.school.id, settings.env ?? process.env);

  const run = async (job: Job): Promise<JobResult> => {
    const name = jobName(job);
    const budget =
      job.kind === 'probes'
        ? PROBES_BUDGET_MS
        : (('device' in job ? job.device.timeoutMs : undefined) ?? defaultTimeout);
    const opts: CollectOptions = {
      resolveSecret,
      timeoutMs: budget,
      now,
      ...(snmpEngines ? { snmpEngines } : {}),
    };
    const t0 = performance.now();
    try {
      const p = ((): Promise<JobResult['facts']> => {
        switch (job.kind) {
          case 'router':
            return collectors.router(job.device, opts);
          case 'switch':
            return collectors.switch(job.device, opts);
          case 'switch-cli':
            return collectors.switchCli(job.device, opts);
          case 'directory':
            // The roster's MIS id attribute is read with the accounts, so the leavers check can match on
            // it; so is the attribute that puts a leaver's account on hold, where the school names one.
            return collectors.directory(
              job.dir,
              loaded.decl.lifecycle === undefined
                ? opts
                : {
                    ...opts,
                    accountAttributes: [
                      rosterIdAttribute(loaded.decl.lifecycle, job.dir),
                      ...(loaded.decl.lifecycle.leavers.hold?.attribute === undefined
                        ? []
                        : [loaded.decl.lifecycle.leavers.hold.attribute]),
                    ],
                  },
            );
          case 'roster':
            if (collectors.roster === undefined) throw new Error('no roster reader is available');
            return collectors.roster(loaded);
          case 'register':
            if (collectors.register === undefined) throw new Error('no asset register reader is available');
            return collectors.register(loaded);
          case 'probes':
            if (collectors.probes === undefined) throw new Error('no probe runner is available here');
            return collectors.probes(loaded);
        }
      })();
      const facts = await withDeadline(p, budget + GRACE_MS, name);
      const status: DeviceStatus = { name, kind: job.kind, ok: true, ms: Math.round(performance.now() - t0) };
      if (facts !== undefined && 'collectedAt' in facts) status.collectedAt = facts.collectedAt;
      return { job, status, facts };
    } catch (e) {
      return {
        job,
        status: {
          name,
          kind: job.kind,
          ok: false,
          error: toCollectError(e),
          ms: Math.round(performance.now() - t0),
        },
      };
    }
  };

  const results = await pool(
    jobs.map((j) => () => run(j)),
    settings.concurrency ?? DEFAULT_CONCURRENCY,
  );

  const facts: SchoolFacts = {
    school: loaded.decl.school.id,
    collectedAt: now().toISOString(),
    routers: [],
    switches: [],
  };
  const failed = (r: JobResult): { ok: false; device: string; error: CollectError } => ({
    ok: false,
    device: r.status.name,
    error: r.status.error ?? { code: 'E-INTERNAL', message: 'unknown failure' },
  });
  for (const r of results) {
    if (r.job.kind === 'router')
      facts.routers.push(r.status.ok ? { ok: true, facts: r.facts as RouterFacts } : failed(r));
    if (r.job.kind === 'switch')
      facts.switches.push(r.status.ok ? { ok: true, facts: r.facts as SwitchFacts } : failed(r));
    if (r.job.kind === 'directory')
      facts.directory = r.status.ok ? { ok: true, facts: r.facts as DirectoryFacts } : failed(r);
    if (r.job.kind === 'roster' && r.status.ok) facts.roster = r.facts as SchoolFacts['roster'];
    if (r.job.kind === 'register' && r.status.ok) facts.register = r.facts as SchoolFacts['register'];
    if (r.job.kind === 'probes' && r.status.ok) facts.probes = r.facts as SchoolFacts['probes'];
  }
  // The CLI's management facts ride on the switch they describe; a CLI device with no SNMP twin
  // stands as a switch of its own so its management settings are still judged.
  const snmpDevices = loaded.decl.devices.filter((d) => d.driver === 'snmp');
  for (const r of results) {
    if (r.job.kind !== 'switch-cli' || !r.status.ok) continue;
    const mgmt = r.facts as SwitchManagement;
    const twin = pairCli(r.job.device, snmpDevices);
    if (twin !== undefined) {
      // When the twin's SNMP collection failed, its error already stands for the switch.
      const host: Collected<SwitchFacts> | undefined = facts.switches.find(
        (s) => s.ok && s.facts.device === twin.name,
      );
      if (host !== undefined && host.ok) host.facts.management = mgmt;
    } else
      facts.switches.push({
        ok: true,
        facts: {
          device: r.job.device.name,
          host: r.job.device.host,
          collectedAt: r.status.collectedAt ?? now().toISOString(),
          sysName: r.job.device.name,
          sysDescr: '',
          ports: [],
          vlans: [],
          entities: [],
          management: mgmt,
        },
      });
  }
  return { facts, devices: results.map((r) => r.status) };
}
