/**
 * The long-lived process behind `schoolnet testbed up`: started detached by the CLI, it starts the testbed
 * (fixed mode) so the daemons are its children (reaped, and stopped with it via their parent-death signal)
 * and hosts the in-process RouterOS test server. It records itself and every daemon in `<dir>/state.json`,
 * tells the CLI over IPC when everything answers, and stops everything on SIGTERM/SIGINT/SIGHUP.
 *
 * Usage (by the CLI only): node scripts/testbed/supervisor.ts --dir DIR [--services a,b] [--ports fixed|dynamic]
 *   [--routeros-version X --routeros-board B]
 */
import { parseArgs } from 'node:util';
import { startTestbed, type Testbed } from './index.ts';
import { startTimeOf, writeState, type TestbedState } from './state.ts';
import type { TestbedService } from './types.ts';

export type SupervisorMessage =
  { type: 'log'; line: string } | { type: 'ready'; state: TestbedState } | { type: 'error'; message: string };

function send(msg: SupervisorMessage): void {
  if (process.connected) process.send?.(msg);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      services: { type: 'string' },
      ports: { type: 'string' },
      'routeros-version': { type: 'string' },
      'routeros-board': { type: 'string' },
    },
  });
  if (!values.dir) throw new Error('supervisor: --dir is required');
  const ports = values.ports === 'dynamic' ? 'dynamic' : 'fixed';
  const services = values.services ? (values.services.split(',') as TestbedService[]) : undefined;
  const state: TestbedState = {
    version: 1,
    dir: values.dir,
    startedAt: new Date().toISOString(),
    supervisor: {
      service: 'supervisor',
      name: 'supervisor',
      pid: process.pid,
      startTime: startTimeOf(process.pid),
    },
    processes: [],
    endpoints: [],
  };
  // Recorded before anything starts, so `down` can stop a start-up that hangs.
  await writeState(state);

  // Filled in once the testbed is up; read by the signal handlers.
  const running: { testbed?: Testbed } = {};
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`supervisor: ${why}, stopping\n`);
    // Before the testbed is up, exiting is enough: each daemon gets SIGTERM when its parent dies.
    await running.testbed?.stop();
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void shutdown(sig));
  // The CLI going away is expected (it disconnects once the testbed is up).
  process.on('disconnect', () => undefined);

  const testbed = await startTestbed({
    mode: 'fixed',
    dir: values.dir,
    fresh: false,
    ports,
    ...(services ? { services } : {}),
    routeros: {
      ...(values['routeros-version'] ? { version: values['routeros-version'] } : {}),
      ...(values['routeros-board'] ? { board: values['routeros-board'] } : {}),
    },
    log: (line) => {
      process.stdout.write(`${line}\n`);
      send({ type: 'log', line });
    },
  });
  running.testbed = testbed;
  if (stopping) return void (await testbed.stop());
  state.processes = testbed.processes.map((p) => ({ ...p, startTime: startTimeOf(p.pid) }));
  state.endpoints = testbed.endpoints;
  state.info = testbed.info;
  await writeState(state);
  process.stdout.write(`supervisor: testbed up, ${state.processes.length} daemons\n`);
  send({ type: 'ready', state });
  // Stay alive (an interval keeps the event loop busy) until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`supervisor: ${message}\n`);
  send({ type: 'error', message });
  process.exitCode = 2;
  // Let the IPC message flush, then leave (startTestbed already stopped whatever it had started).
  setTimeout(() => process.exit(2), 200);
});
