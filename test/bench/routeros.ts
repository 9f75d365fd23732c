/**
 * `npm run bench -- routeros`: how long collecting a router's facts takes against the RouterOS API test
 * server loaded with the demo fixture (median of N runs, each a fresh connection and login), next to
 * python3-librouteros sending the same print commands one after another (what a provider would otherwise
 * script). Figures only; nothing here fails on speed.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { collectRouterFacts } from '../../devices/routeros/collect.ts';
import { DEFAULT_USERS, startRouterOsServer } from '../support/routeros/server.ts';

export interface RouterOsBench {
  runs: number;
  commands: number;
  medianMs: number;
  minMs: number;
  /** The same prints through python3-librouteros, or why it could not run. */
  librouteros: { medianMs: number; minMs: number } | { error: string };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const round = (ms: number): number => Math.round(ms * 10) / 10;

export async function benchRouterOs(runs = 20): Promise<RouterOsBench> {
  const auditor = DEFAULT_USERS[0] as (typeof DEFAULT_USERS)[0];
  const server = await startRouterOsServer({ fixture: 'demo', record: true });
  try {
    const device = {
      name: 'core-router',
      kind: 'router' as const,
      driver: 'routeros' as const,
      host: '127.0.0.1',
      port: server.port,
      credentials: { user: auditor.name, password: 'env:UNUSED' as const },
      insecure: true, // the test server's plain API on loopback
    };
    const options = { resolveSecret: async () => auditor.password, timeoutMs: 10_000 };
    await collectRouterFacts(device, options); // warm-up (module loading, JIT)
    const sentences = server.transcript.map((e) => e.sentence);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await collectRouterFacts(device, options);
      times.push(performance.now() - start);
    }
    const librouteros = await timeLibrouteros(server.port, auditor, sentences, runs);
    return {
      runs,
      commands: sentences.length,
      medianMs: round(median(times)),
      minMs: round(Math.min(...times)),
      librouteros,
    };
  } finally {
    await server.close();
  }
}

function timeLibrouteros(
  port: number,
  user: { name: string; password: string },
  sentences: string[][],
  runs: number,
): Promise<RouterOsBench['librouteros']> {
  const script = resolve(import.meta.dirname, '../../test/support/routeros/librouteros-bench.py');
  return new Promise((done) => {
    const child = execFile(
      '/usr/bin/python3',
      [script],
      { env: { ...process.env, ROUTEROS_PROBE_PASSWORD: user.password }, timeout: 120_000 },
      (err, stdout) => {
        if (err) {
          done({ error: err.message.split('\n')[0] ?? String(err) });
          return;
        }
        const ms = (JSON.parse(stdout) as { runs_ms: number[] }).runs_ms;
        done({ medianMs: round(median(ms)), minMs: round(Math.min(...ms)) });
      },
    );
    child.stdin?.end(JSON.stringify({ port, user: user.name, runs, sentences }));
  });
}

export async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 20);
  const r = await benchRouterOs(runs);
  console.log(
    `RouterOS facts from the demo fixture (${r.commands} print commands, ${r.runs} runs, new connection each):`,
  );
  console.log(
    `  schoolnet collectRouterFacts  median ${r.medianMs} ms  min ${r.minMs} ms  (commands in parallel, tagged)`,
  );
  if ('error' in r.librouteros)
    console.log(`  python3-librouteros           not run: ${r.librouteros.error}`);
  else
    console.log(
      `  python3-librouteros           median ${r.librouteros.medianMs} ms  min ${r.librouteros.minMs} ms  (same prints, one at a time)`,
    );
}

if (import.meta.main) await main();
