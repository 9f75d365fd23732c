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
import { exitCodeOf } from '../../checks/engine/run.ts';
import { openStore } from '../../checks/engine/store.ts';
import { percent, summarise } from '../../checks/engine/summary.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import { connectRouterOs } from '../../devices/routeros/client.ts';
import { loadSchool } from '../../inventory/load.ts';
import { renderRun } from '../../reports/index.ts';
import { bodyOf, digest, subjectOf } from '../schedule/digest.ts';
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
    const row = (await client.print('/ip/service')).find((r) => r.name === 'telnet');
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
function testbedUp(): Promise<void> {
  return new Promise((resolveUp, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'cli.ts'), 'testbed', 'up'], {
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

export async function runDemo(opts: { now?: Date } = {}): Promise<number> {
  const err = (t: string) => process.stderr.write(`${t}\n`);
  try {
    err('schoolnet demo: starting the local testbed (first start provisions Samba: up to a minute)...');
    await testbedUp();
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
    return exitCodeOf(run);
  } catch (e) {
    err(`schoolnet demo: ${(e as Error).message}`);
    return isConfigError(e) ? 3 : 2;
  } finally {
    store.close();
  }
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
        'Exit codes as `schoolnet audit`: the demo school has deliberate faults, so 1 (failures) is expected.',
    )
    .action(async () => {
      process.exitCode = await runDemo();
    });
}
