/**
 * `npm run bench [-- NAME...]`: the performance benchmarks the issues name, each compared in the same run
 * with the tool users would otherwise use. Names: routeros, snmp, directory, audit, report, fleet, agents,
 * inputs.
 * Benchmarks print figures; they are not tests and never fail a build on speed.
 * They live under test/ because they drive the test servers and builders (test/support, test/builders),
 * which production code never imports.
 */
import * as agents from './agents.ts';
import * as audit from './audit.ts';
import * as directory from './directory.ts';
import * as fleet from './fleet.ts';
import * as inputs from './inputs.ts';
import * as report from './report.ts';
import * as routeros from './routeros.ts';
import * as snmp from './snmp.ts';

const benches: Record<string, () => Promise<void>> = {
  routeros: routeros.main,
  snmp: snmp.main,
  directory: directory.main,
  audit: audit.main,
  report: report.main,
  fleet: fleet.main,
  agents: agents.main,
  inputs: inputs.main,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(benches);
let failed = 0;
for (const name of names) {
  const run = benches[name];
  if (!run) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    process.exitCode = 3;
    continue;
  }
  console.log(`\n== ${name}`);
  try {
    await run();
  } catch (e) {
    failed++;
    console.error(`benchmark ${name} failed: ${(e as Error).stack ?? e}`);
  }
}
if (failed > 0) process.exitCode = 2;
