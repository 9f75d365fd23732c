/**
 * `schoolnet demo`: the README's main command. Brings the local testbed up (fixed ports, detached, as
 * `schoolnet testbed up` does; one already up is reused), audits the demo school
 * (`inventory/schools/demo/school.yaml`) against it twice with a change in between (telnet disabled on
 * the router, so one finding resolves and the report shows a trend), keeps the run in `.schoolnet/results.db`, writes
 * the report to `.schoolnet/reports/demo/` (HTML, and the JSON result) and
 * prints where it is. Exit codes as `schoolnet audit`.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { auditSchool, isConfigError } from '../../checks/engine/index.ts';
import { openStore } from '../../checks/engine/store.ts';
import { percent, summarise } from '../../checks/engine/summary.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import { connectRouterOs } from '../../devices/routeros/client.ts';
import { loadSchool } from '../../inventory/load.ts';
import { renderRun } from '../../reports/index.ts';
import { bodyOf, digest, subjectOf } from '../schedule/digest.ts';
import { routerOsProfileOption } from '../testbed/routeros.ts';
import type { TestbedInfo } from '../testbed/types.ts';

const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/**
 * Sets telnet on the testbed's router disabled (or back), through the RouterOS API as the testbed's
 * provisioning user; returns a function that puts it back as it was.
 */
async function setTelnet(disabled: boolean): Promise<() => Promise<void>> {
  const info = JSON.parse(
    await readFile(join(REPO, '.schoolnet', 'testbed', 'info.json'), 'utf8'),
  ) as TestbedInfo;
  const ros = info.services.routeros;
  const user = ros?.extra?.adminUser;
  const password = ros?.extra?.adminPassword;
  if (ros === undefined || user === undefined || password === undefined)
    throw new Error(
      'the testbed has no RouterOS test server with a provisioning user (see schoolnet testbed status)',
    );
  const connect = () =>
    connectRouterOs({ device: 'core-router', host: ros.host, port: ros.port, user, password });
  const client = await connect();
  try {
    // 7.19+ also lists live connections under service names: the service is the non-connection row.
    const row = (await client.print('/ip/service')).find(
      (r) => r.name === 'telnet' && r.connection !== 'true' && r.dynamic !== 'true',
    );
    if (row?.['.id'] === undefined) throw new Error('the testbed router has no telnet service');
    const id = row['.id'];
    const was = row.disabled === 'true';
    await client.set('/ip/service', id, { disabled });
    return async () => {
      const again = await connect();
      try {
        await again.set('/ip/service', id, { disabled: was });
      } finally {
        await again.close();
      }
    };
  } finally {
    await client.close();
  }
}

/** `schoolnet testbed up` in a child: it detaches the services' supervisor, or reuses a running testbed. */
function testbedUp(routeros: { version?: string; board?: string } = {}): Promise<void> {
  const extra = [
    ...(routeros.version ? ['--routeros-version', routeros.version] : []),
    ...(routeros.board ? ['--routeros-board', routeros.board] : []),
  ];
  return new Promise((resolveUp, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'cli.ts'), 'testbed', 'up', ...extra], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolveUp()
        : reject(new Error(`schoolnet testbed up failed (exit ${code}); see the messages above`)),
    );
  });
}

export async function runDemo(
  opts: { now?: Date; routeros?: { version?: string; board?: string } } = {},
): Promise<number> {
  const err = (t: string) => process.stderr.write(`${t}\n`);
  try {
    // An unknown RouterOS version or board is a configuration error (3), before anything starts.
    routerOsProfileOption(opts.routeros?.version, opts.routeros?.board);
  } catch (e) {
    err(`schoolnet demo: ${(e as Error).message}`);
    return 3;
  }
  try {
    err('schoolnet demo: starting the local testbed (first start provisions Samba: up to a minute)...');
    await testbedUp(opts.routeros);
  } catch (e) {
    err(`schoolnet demo: ${(e as Error).message}`);
    return 2;
  }
  const dataDir = join(REPO, '.schoolnet');
  const storePath = join(dataDir, 'results.db');
  const outDir = join(dataDir, 'reports', 'demo');
  const store = openStore(storePath);
  try {
    const school = await loadSchool(join(REPO, 'inventory', 'schools', 'demo', 'school.yaml'));
    err('schoolnet demo: auditing Demo Primary School (read-only)...');
    const first = await auditSchool(school, { store, ...(opts.now === undefined ? {} : { now: opts.now }) });
    // A change between the two audits, as a technician would make it: telnet switched off on the
    // router through its API (as the provisioning user, not the read-only auditor), so one finding
    // resolves and the report has a trend to show. Put back afterwards so the next demo shows it again.
    err('schoolnet demo: fixing one finding on the router (disabling telnet), then auditing again...');
    const undo = await setTelnet(true);
    let run: AuditRun;
    try {
      run = await auditSchool(school, { store, ...(opts.now === undefined ? {} : { now: opts.now }) });
    } finally {
      await undo();
    }
    const trend = digest(run, store.previousRun(run.school.id, run.id) ?? first);
    await mkdir(outDir, { recursive: true });
    const json = join(outDir, `${run.id}.json`);
    await writeFile(json, `${JSON.stringify(run, null, 2)}\n`);
    await writeFile(join(outDir, 'latest.json'), `${JSON.stringify(run, null, 2)}\n`);
    const summaryFile = join(outDir, 'summary.txt');
    await writeFile(summaryFile, `${subjectOf(trend)}\n\n${bodyOf(trend, run)}`);
    const report = join(outDir, `${run.id}.html`);
    const html = await renderRun(run, 'html', { store });
    await writeFile(report, html);
    await writeFile(join(outDir, 'index.html'), html);
    const fixed = trend.resolved.map((t) => t.title).join('; ');
    process.stdout.write(
      `${summarise(run, { storePath })}\n\nTrend: score ${percent(first.score)} -> ${percent(run.score)}` +
        `${fixed === '' ? '' : ` (fixed: ${fixed})`}\n\nReport: ${report}\nSummary (as emailed): ${summaryFile}\n`,
    );
    err('Stop the testbed with: schoolnet testbed down');
    const verdict = demoOutcome(first, run, trend.resolved.length);
    if (verdict.code !== 0) err(`schoolnet demo: did not run as intended: ${verdict.why}`);
    return verdict.code;
  } catch (e) {
    err(`schoolnet demo: ${(e as Error).message}`);
    return isConfigError(e) ? 3 : 2;
  } finally {
    store.close();
  }
}

/**
 * Whether the demo ran as intended: both audits complete, every device answered (no error finding),
 * the demo school's deliberate faults found, and the one fix made between the audits seen as fixed.
 * Its findings are the demo's point, so they give 0; anything else is 2 with the reason.
 */
export function demoOutcome(
  first: Pick<AuditRun, 'status' | 'counts'>,
  second: Pick<AuditRun, 'status' | 'counts'>,
  resolved: number,
): { code: 0 | 2; why?: string } {
  for (const [name, r] of [
    ['first', first],
    ['second', second],
  ] as const) {
    if (r.status !== 'complete') return { code: 2, why: `the ${name} audit is ${r.status}` };
    if (r.counts.error > 0)
      return {
        code: 2,
        why: `the ${name} audit has ${r.counts.error} error(s): a testbed service did not answer`,
      };
  }
  if (first.counts.fail === 0) return { code: 2, why: "the demo school's deliberate faults were not found" };
  if (resolved === 0) return { code: 2, why: 'the fix made between the two audits was not seen as fixed' };
  return { code: 0 };
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'Start the local testbed, audit the demo school against it, write its report and print the path.',
    )
    .addHelpText(
      'after',
      '\nThe run is kept in .schoolnet/results.db and the report written to .schoolnet/reports/demo/.\n' +
        'Exit codes: 0 the demo ran as intended (its findings are its point: the demo school has deliberate\n' +
        'faults), 2 it did not (a testbed service did not answer, an audit was incomplete, the faults were\n' +
        'not found or the fix between the two audits was not seen), 3 configuration error.',
    )
    .option(
      '--routeros-version <x.y[.z]>',
      'RouterOS release of the test router: 6.49.x or 7.1 to 7.24.x (default 7.20, with /interface/wifi)',
    )
    .option('--routeros-board <board>', 'its board: hap-ax3 (default), hap-ac2, rb5009 or chr')
    .action(async (o: { routerosVersion?: string; routerosBoard?: string }) => {
      process.exitCode = await runDemo({
        routeros: {
          ...(o.routerosVersion ? { version: o.routerosVersion } : {}),
          ...(o.routerosBoard ? { board: o.routerosBoard } : {}),
        },
      });
    });
}
