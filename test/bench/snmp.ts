/**
 * SNMP benchmark: the switch audit's collection (system scalars + every subtree in SWITCH_SUBTREES) from
 * the testbed's `switch48` on snmpsim, by our net-snmp client and by Net-SNMP's own `snmpbulkwalk` /
 * `snmpget` (spawned, same subtrees, same concurrency, same max-repetitions), in the same run, over v2c
 * and v3 authPriv. Prints both timings and the ratio. A figure, never a pass/fail. Our client first asks
 * one GetNext to skip the subtrees the switch lacks; the spawned tools walk every subtree, as a script
 * around them would.
 *
 *   node test/bench/snmp.ts          # uses a running `schoolnet testbed up`, else starts snmpsim
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_MAX_REPETITIONS,
  mapLimit,
  withSnmpSession,
  type SnmpTarget,
} from '../../devices/snmp/client.ts';
import { DEFAULT_WALK_CONCURRENCY, SWITCH_SUBTREES, walkSwitch } from '../../devices/snmp/collect.ts';
import { SYSTEM } from '../../devices/snmp/mibs.ts';
import type { ServiceInfo, TestbedInfo } from '../../scripts/testbed/types.ts';

const RUNS = 7;
const CONCURRENCY = DEFAULT_WALK_CONCURRENCY;
const MAX_REPETITIONS = DEFAULT_MAX_REPETITIONS;

interface Timing {
  varbinds: number;
  ms: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const min = (xs: number[]) => Math.min(...xs);

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** Net-SNMP command-line flags for the same target (secrets on the command line: testbed only). */
function cliArgs(t: SnmpTarget): string[] {
  const common = ['-m', '', '-On', '-t', '5', '-r', '1'];
  if (t.version === '2c') return [...common, '-v2c', '-c', t.community ?? ''];
  const v3 = t.v3;
  if (!v3) throw new Error('v3 target without user');
  return [
    ...common, '-v3', '-l', 'authPriv', '-u', v3.user, '-a', 'SHA', '-A', v3.authKey, '-x', 'AES', '-X', v3.privKey ?? '',
    ...(t.context ? ['-n', t.context] : []),
  ]; // prettier-ignore
}

/** Values only: snmpbulkwalk also prints each endOfMibView / noSuch* exception as a line. */
const countVarbinds = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('.1.') && !/ = (No more variables|No Such (Object|Instance))/.test(l)).length;

async function timeNetSnmp(t: SnmpTarget): Promise<Timing> {
  const ms: number[] = [];
  let varbinds = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const vbs = await withSnmpSession(
      'bench',
      t,
      { timeoutMs: 20_000, maxRepetitions: MAX_REPETITIONS },
      (s) => walkSwitch(s, { concurrency: CONCURRENCY }),
    );
    ms.push(performance.now() - t0);
    varbinds = vbs.length;
  }
  return { varbinds, ms };
}

async function timeCli(t: SnmpTarget): Promise<Timing> {
  const at = `${t.host}:${t.port}`;
  const args = cliArgs(t);
  const ms: number[] = [];
  let varbinds = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const scalars = await run('snmpget', [...args, at, ...Object.values(SYSTEM)]);
    const walks = await mapLimit(SWITCH_SUBTREES, CONCURRENCY, (oid) =>
      run('snmpbulkwalk', [...args, `-Cr${MAX_REPETITIONS}`, at, oid]),
    );
    ms.push(performance.now() - t0);
    varbinds = countVarbinds(scalars) + walks.reduce((n, out) => n + countVarbinds(out), 0);
  }
  return { varbinds, ms };
}

function targets(s: ServiceInfo): { label: string; target: SnmpTarget }[] {
  const x = s.extra ?? {};
  const v3: SnmpTarget = {
    host: s.host,
    port: s.port,
    version: '3',
    context: 'switch48',
    v3: {
      user: s.user ?? 'auditor',
      authProtocol: 'sha',
      authKey: x.authKey ?? '',
      privProtocol: 'aes',
      privKey: x.privKey ?? '',
    },
  };
  return [
    { label: 'v2c', target: { host: s.host, port: s.port, version: '2c', community: 'switch48' } },
    { label: 'v3 authPriv SHA/AES', target: v3 },
  ];
}

/** Runs the comparison against a testbed's snmpsim and prints the figures. */
export async function benchSnmp(info: TestbedInfo): Promise<void> {
  const sim = info.services.snmpsim;
  if (!sim) throw new Error('the testbed has no snmpsim service');
  console.log(
    `switch48 on snmpsim ${sim.host}:${sim.port}: 4 scalars + ${SWITCH_SUBTREES.length} subtrees, ` +
      `${CONCURRENCY} at a time, max-repetitions ${MAX_REPETITIONS}, ${RUNS} runs each (ms)`,
  );
  for (const { label, target } of targets(sim)) {
    const ours = await timeNetSnmp(target);
    const theirs = await timeCli(target);
    const fmt = (t: Timing) =>
      `min ${min(t.ms).toFixed(0)} / median ${median(t.ms).toFixed(0)} ms, ${t.varbinds} varbinds`;
    console.log(`  ${label}`);
    console.log(`    net-snmp (schoolnet)      ${fmt(ours)}`);
    console.log(`    snmpbulkwalk (spawned)    ${fmt(theirs)}`);
    console.log(
      `    ratio snmpbulkwalk / net-snmp (median): ${(median(theirs.ms) / median(ours.ms)).toFixed(2)}x`,
    );
    if (ours.varbinds !== theirs.varbinds)
      console.log(`    NOTE: varbind counts differ (${ours.varbinds} vs ${theirs.varbinds})`);
  }
}

/** Uses a running fixed-mode testbed if there is one (`state.json` is there only while it is up), else
 * starts snmpsim alone for the run. */
export async function main(): Promise<void> {
  const fixedDir = join(import.meta.dirname, '../../.schoolnet/testbed');
  const infoFile = process.env.SCHOOLNET_TESTBED_INFO ?? join(fixedDir, 'info.json');
  const running =
    process.env.SCHOOLNET_TESTBED_INFO !== undefined || existsSync(join(fixedDir, 'state.json'));
  if (running && existsSync(infoFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as TestbedInfo;
    if (info.services.snmpsim) {
      await benchSnmp(info);
      return;
    }
  }
  const { startTestbed } = await import('../../scripts/testbed/index.ts');
  const tb = await startTestbed({ mode: 'dynamic', services: ['snmpsim'] });
  try {
    await benchSnmp(tb.info);
  } finally {
    await tb.stop();
  }
}

if (import.meta.main) await main();
