/**
 * What every service module gets (`start(ctx)`) and returns. A service owns `ctx.dir` (its own folder in
 * the run directory), asks `ctx.port()` for each port, writes its secrets with `ctx.secret()`, and starts
 * its processes with `ctx.spawn()` so that `stop()` and `testbed down` stop exactly those, even when the
 * service failed half-way through starting.
 */
import type { ServiceInfo, TestbedService } from './types.ts';
import type { Daemon } from './process.ts';
import type { Endpoint, Proto } from './ports.ts';
import type { TestCa } from './tls.ts';

export interface ServiceContext {
  service: TestbedService;
  /** The service's own folder inside the run directory (created). */
  dir: string;
  /** The run directory. */
  runDir: string;
  /** The repository root (for fixtures). */
  repoDir: string;
  /** fixed: the well-known ports; dynamic: ports chosen by the kernel at run time. */
  ports: 'fixed' | 'dynamic';
  /** The port to listen on: `fixed` when ports are fixed, else a free one for the given protocols. */
  port(host: string, fixed: number, protos?: Proto[]): Promise<number>;
  /** The run's random secret of that name (made on first use), written to `<runDir>/secrets/<name>` (mode 600). */
  secret(name: string, length?: number): Promise<string>;
  /** Writes a given secret (e.g. a generated key) to `<runDir>/secrets/<name>` (mode 600); returns the path. */
  putSecret(name: string, value: string): Promise<string>;
  /** The run's certificate authority, shared by every TLS service. */
  ca: TestCa;
  /** Starts a daemon in the foreground, logging to `<dir>/<name>.log`. */
  spawn(
    name: string,
    command: string,
    args: string[],
    opts?: { cwd?: string; env?: NodeJS.ProcessEnv },
  ): Daemon;
  /** Registers clean-up for something that is not a daemon (a temporary directory). */
  onStop(fn: () => Promise<void>): void;
}

export interface StartedService {
  info: ServiceInfo;
  /** Everything the service listens on (checked free before start, and closed after `down`). */
  endpoints: Endpoint[];
}

export interface RunningService extends StartedService {
  daemons: Daemon[];
  stop(): Promise<void>;
}

export type StartService = (ctx: ServiceContext) => Promise<StartedService>;
