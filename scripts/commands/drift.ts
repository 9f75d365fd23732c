/**
 * `schoolnet drift FILE [--json]`: what the school's live routers and switches hold against what its
 * declaration intends, feature by feature (intent/drift/). Read-only: only the collectors'
 * prints and SNMP walks. Exit 0 no drift, 1 drift, 2 a device could not be read, 3 usage or an invalid
 * declaration.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { collectRouterFacts } from '../../devices/routeros/collect.ts';
import { collectSwitchFacts } from '../../devices/snmp/collect.ts';
import { DeviceError } from '../../devices/errors.ts';
import { DeclarationError, formatProblem, loadSchool } from '../../inventory/load.ts';
import { secretResolver } from '../../inventory/secrets.ts';
import type { Device } from '../../inventory/types.ts';
import { formatDrift } from '../../intent/drift/format.ts';
import { routerDrift } from '../../intent/drift/router.ts';
import { switchDrift } from '../../intent/drift/switch.ts';
import type { DeviceDrift } from '../../intent/drift/types.ts';
import { DURATION_HELP, durationMs } from './duration.ts';

export interface DriftReport {
  school: string;
  file: string;
  generatedAt: string;
  /** True when any device differs from the declaration. */
  drift: boolean;
  /** False when a device could not be read: the report is then incomplete. */
  complete: boolean;
  devices: DeviceDrift[];
  errors: { device: string; code: string; message: string; hint?: string }[];
}

const HELP = `
Compares, per device and feature (bridge, bridge-ports, bridge-vlans, vlan-interfaces, addresses,
dhcp-networks, wifi, radius, services, snmp, users, firewall; switch-vlans, switch-ports), what the
declaration intends (the same plan \`pulumi up\` applies) with what the device holds:
  missing    intended, not on the device
  extra      on the device, not intended (firewall rules schoolnet did not write are listed, never removed)
  different  on both, with the properties that differ (intended and actual values)
RouterOS routers are read over the API, switches over SNMP (driver snmp); nothing is written.

--json prints { school, file, generatedAt, drift, complete, devices: [ { device, kind, drift,
notCompared, features: [ { feature, intended, actual, missing, extra, different, compliant } ] } ],
errors: [ { device, code, message, hint } ] }; see docs/pulumi.md.

Exit codes: 0 no drift, 1 drift found, 2 a device could not be read (report incomplete), 3 usage or
an invalid declaration.`;

export async function driftReport(
  file: string,
  opts: { timeoutMs: number; now?: () => Date },
): Promise<DriftReport> {
  const { decl, dir, file: abs } = await loadSchool(file);
  const resolveSecret = secretResolver(dir);
  const collect = { resolveSecret, timeoutMs: opts.timeoutMs, ...(opts.now ? { now: opts.now } : {}) };
  const errors: DriftReport['errors'] = [];
  const targets = decl.devices.filter(
    (d) => (d.kind === 'router' && d.driver === 'routeros') || (d.kind === 'switch' && d.driver === 'snmp'),
  );
  const results = await Promise.all(
    targets.map(async (device: Device): Promise<DeviceDrift | undefined> => {
      try {
        if (device.driver === 'routeros')
          return routerDrift(decl, device, await collectRouterFacts(device, collect));
        return switchDrift(decl, device, await collectSwitchFacts(device, collect));
      } catch (e) {
        const err = e instanceof DeviceError ? e : undefined;
        errors.push({
          device: device.name,
          code: err?.code ?? 'E-INTERNAL',
          message: (e as Error).message,
          ...(err?.hint ? { hint: err.hint } : {}),
        });
        return undefined;
      }
    }),
  );
  const devices = results.filter((d): d is DeviceDrift => d !== undefined);
  return {
    school: decl.school.id,
    file: abs,
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    drift: devices.some((d) => d.drift),
    complete: errors.length === 0,
    devices,
    errors,
  };
}

export function exitCodeOf(report: DriftReport): number {
  if (!report.complete) return 2;
  return report.drift ? 1 : 0;
}

export function renderDriftText(report: DriftReport): string {
  const lines = [`drift for ${report.school} (${report.file})`, formatDrift(report.devices)];
  for (const e of report.errors)
    lines.push(`${e.device}: could not be read: ${e.code} ${e.message}${e.hint ? `\n  ${e.hint}` : ''}`);
  lines.push(
    !report.complete
      ? 'incomplete: some devices could not be read'
      : report.drift
        ? 'drift found'
        : 'no drift: the devices hold what the declaration says',
  );
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('drift')
    .description("What a school's live routers and switches hold against its declaration, object by object")
    .argument('<file>', 'the school declaration, e.g. inventory/schools/demo/school.yaml')
    .option('--json', 'print the report as one JSON object')
    .addOption(
      new Option('--timeout <duration>', 'per-device budget').argParser(durationMs(1)).default(15_000, '15s'),
    )
    .addHelpText('after', HELP)
    .addHelpText('after', `\nDurations: ${DURATION_HELP}.`)
    .action(async (file: string, opts: { json?: boolean; timeout: number }) => {
      const timeoutMs = opts.timeout;
      let report: DriftReport;
      try {
        report = await driftReport(file, { timeoutMs });
      } catch (e) {
        if (e instanceof DeclarationError) {
          process.stderr.write(`${e.problems.map(formatProblem).join('\n')}\n`);
          process.exitCode = 3;
          return;
        }
        throw e;
      }
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderDriftText(report));
      process.exitCode = exitCodeOf(report);
    });
}
