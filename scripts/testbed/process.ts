/**
 * Starting and stopping the testbed's daemons. Each daemon runs in the foreground as a child of the Node
 * process that started it (so Node reaps it), in its own process group (so a daemon that forks is stopped
 * whole), under `setpriv --pdeathsig SIGTERM` (so it dies with its parent even if that parent is killed).
 */
import { spawn, execFile } from 'node:child_process';
import { appendFileSync, closeSync, fchmodSync, openSync, readFileSync } from 'node:fs';

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the daemon has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM to the daemon's process group, SIGKILL after `graceMs`, resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const SETPRIV = '/usr/bin/setpriv';

export function spawnDaemon(name: string, command: string, args: string[], opts: SpawnOptions): Daemon {
  // Private whatever the umask: daemons log keys and bind attempts (snmpsim echoes its USM keys).
  const fd = openSync(opts.logFile, 'a', 0o600);
  fchmodSync(fd, 0o600);
  const child = spawn(SETPRIV, ['--pdeathsig', 'SIGTERM', '--', command, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      done = true;
      appendNote(opts.logFile, `spawn ${command} failed: ${err.message}`);
      resolve({ code: null, signal: null });
    });
  });
  if (child.pid === undefined) {
    // spawn failed synchronously (e.g. ENOENT); the 'error' event above records it.
    return { name, pid: -1, logFile: opts.logFile, exited, hasExited: () => true, stop: async () => {} };
  }
  const pid = child.pid;
  return {
    name,
    pid,
    logFile: opts.logFile,
    exited,
    hasExited: () => done,
    async stop(graceMs = 3000) {
      if (done) return;
      signalGroup(pid, 'SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([exited, timer])) === 'timeout') {
        signalGroup(pid, 'SIGKILL');
        await exited;
      }
      // A daemon's own forks share its group: make sure none outlives it.
      signalGroup(pid, 'SIGKILL');
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function appendNote(file: string, line: string): void {
  try {
    appendFileSync(file, `${line}\n`);
  } catch {
    // The log is best effort.
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function logTail(file: string, lines = 25): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion; the error names the command and shows its output. */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const out = `${stdout}${stderr}`.trim().split('\n').slice(-20).join('\n');
          reject(new Error(`${command} ${args.join(' ')} failed: ${err.message.split('\n')[0]}\n${out}`));
        } else resolve({ stdout, stderr });
      },
    );
  });
}
