#!/usr/bin/env node
// The `schoolnet` command (what `npx schoolnet` runs). It starts the CLI as a child process, passes
// SIGTERM / SIGINT / SIGHUP on to it and exits with its code, so a supervisor that stops the wrapper
// (npx, systemd, a container runtime) stops the daemon too: no orphan left behind.
// A checkout runs the TypeScript sources directly (Node >= 22.18 strips types natively), so it never
// runs stale compiled code; Node does not strip types under node_modules, so an installed copy runs dist/.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const entry = fileURLToPath(
  here.includes('/node_modules/')
    ? new URL('../dist/scripts/cli.js', import.meta.url)
    : new URL('../scripts/cli.ts', import.meta.url),
);
const child = spawn(process.execPath, [...process.execArgv, entry, ...process.argv.slice(2)], {
  stdio: 'inherit',
});

const forward = (signal) => {
  // Ctrl-C on a terminal reaches the whole foreground process group, the child included: passing it
  // on again would be a second SIGINT, which the daemons take as "stop now". Any other SIGINT (kill,
  // a supervisor) reaches only this process and is passed on.
  if (signal === 'SIGINT' && process.stdin.isTTY) return;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, forward);

child.on('error', (e) => {
  process.stderr.write(`schoolnet: cannot start ${entry}: ${e.message}\n`);
  process.exit(2);
});
child.on('exit', (code, signal) => {
  // Killed by a signal: the shell convention, 128 + its number.
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
