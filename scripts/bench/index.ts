/**
 * `npm run bench [-- NAME...]`: the performance benchmarks the issues name, each compared in the same run
 * with the tool users would otherwise use. Names: routeros, snmp, directory, audit, report, fleet, agents.
 * Benchmarks print figures; they are not tests and never fail a build on speed.
 */
const benches: Record<string, () => Promise<void>> = {
  routeros: async () => (await import('./routeros.ts')).main(),
  snmp: async () => (await import('./snmp.ts')).main(),
  directory: async () => (await import('./directory.ts')).main(),
  audit: async () => (await import('./audit.ts')).main(),
  report: async () => (await import('./report.ts')).main(),
  fleet: async () => (await import('./fleet.ts')).main(),
  agents: async () => (await import('./agents.ts')).main(),
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
