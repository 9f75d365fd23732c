/**
 * `<dir>/state.json`: what `testbed up` started (its supervisor and every daemon, each with its start time
 * so a reused pid is never signalled) and what it listens on, so `down` stops exactly that.
 */
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Endpoint } from './ports.ts';
import type { TestbedInfo, TestbedService } from './types.ts';

export interface RecordedProcess {
  service: TestbedService | 'supervisor';
  name: string;
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot): tells this process from a later one with its pid. */
  startTime: number;
}

export interface TestbedState {
  version: 1;
  dir: string;
  startedAt: string;
  supervisor: RecordedProcess;
  /** Empty until every service answers. */
  processes: RecordedProcess[];
  endpoints: (Endpoint & { service: TestbedService })[];
  info?: TestbedInfo;
}

export const statePath = (dir: string) => join(dir, 'state.json');

export async function readState(dir: string): Promise<TestbedState | null> {
  let text: string;
  try {
    text = await readFile(statePath(dir), 'utf8');
  } catch {
    return null;
  }
  const state = JSON.parse(text) as TestbedState;
  if (state.version !== 1)
    throw new Error(`${statePath(dir)}: unknown state version ${String(state.version)}`);
  return state;
}

export async function writeState(state: TestbedState): Promise<void> {
  const tmp = `${statePath(state.dir)}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  await rename(tmp, statePath(state.dir));
}

export async function removeState(dir: string): Promise<void> {
  await rm(statePath(dir), { force: true });
}

interface ProcStat {
  state: string;
  startTime: number;
}

function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', startTime: Number(rest[19]) };
  } catch {
    return null;
  }
}

export function startTimeOf(pid: number): number {
  return procStat(pid)?.startTime ?? -1;
}

/** True while the recorded process runs (a zombie has finished: it only waits to be reaped). */
export function isAlive(p: { pid: number; startTime: number }): boolean {
  const s = procStat(p.pid);
  return s !== null && s.startTime === p.startTime && s.state !== 'Z' && s.state !== 'X';
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Never signals a reused pid. */
export async function terminate(p: { pid: number; startTime: number }, graceMs = 3000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (isAlive(p)) process.kill(p.pid, sig);
    } catch {
      // It exited between the check and the signal.
    }
  };
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (isAlive(p) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  signal('SIGTERM');
  await waitGone(graceMs);
  signal('SIGKILL');
  await waitGone(5000);
  if (isAlive(p)) throw new Error(`process ${p.pid} (${'name' in p ? String(p.name) : ''}) survived SIGKILL`);
}
