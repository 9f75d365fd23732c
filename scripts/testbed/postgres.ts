/**
 * A private PostgreSQL cluster (Debian's `postgresql` package): `initdb` in the service's own folder,
 * listening on 127.0.0.1 only (no Unix socket outside that folder), TLS with a certificate from the
 * run's CA, and only TLS + SCRAM password logins accepted from loopback (pg_hba: `hostssl`, nothing
 * else). PostgreSQL refuses to run as root, so the cluster runs as the `postgres` system user, under the
 * same parent-death signal as every testbed daemon.
 *
 * `PostgresCluster` is also used on its own by the fault tests, which stop and restart the server in
 * the middle of a night.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { ServiceContext, StartedService } from './context.ts';
import { reachableDir } from './shared-dir.ts';
import type { Daemon, SpawnOptions } from './process.ts';
import { run, spawnDaemon } from './process.ts';
import type { TestCa } from './tls.ts';
import { waitUntil } from './wait.ts';

export const POSTGRES = {
  fixedPort: 15432,
  superuser: 'postgres',
  database: 'schoolnet',
  /** The Debian package's server binaries (PostgreSQL 15 on Debian 12). */
  binDir: findBinDir(),
  osUser: 'postgres',
} as const;

function findBinDir(): string {
  const env = process.env.SCHOOLNET_PG_BINDIR;
  if (env) return env;
  for (const v of ['17', '16', '15']) {
    const d = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(d, 'postgres'))) return d;
  }
  return '/usr/lib/postgresql/15/bin';
}

/** A connection string that verifies the server certificate against `ca` (sslmode=verify-full). */
export function postgresUrl(o: {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ca: string;
}): string {
  const q = new URLSearchParams({ sslmode: 'verify-full', sslrootcert: o.ca });
  return `postgres://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@${o.host}:${o.port}/${encodeURIComponent(o.database)}?${q.toString()}`;
}

export interface ClusterOptions {
  /** Folder for the data directory, socket, certificate and log (created, handed to the postgres user). */
  dir: string;
  host?: string;
  port: number;
  password: string;
  ca: TestCa;
  /**
   * Networks (CIDR) whose TLS + SCRAM logins are accepted besides `host` itself: a test's network
   * namespace on the far end of a veth pair. Default: none.
   */
  clients?: string[];
  /** Starts the server (a new daemon each time): the testbed's ctx.spawn, or a plain spawnDaemon. */
  spawn?: (name: string, command: string, args: string[], opts?: Partial<SpawnOptions>) => Daemon;
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const e of await readdir(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) await chownTree(p, uid, gid);
    else await chown(p, uid, gid);
  }
}

function osIds(user: string): { uid: number; gid: number } {
  // /etc/passwd: name:x:uid:gid:...
  const line = (
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`)) ?? ''
  ).split(':');
  const uid = Number(line[2]);
  const gid = Number(line[3]);
  if (line.length < 4 || !Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error(`no system user "${user}": install Debian's postgresql package (scripts/setup.sh)`);
  return { uid, gid };
}

export class PostgresCluster {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly dataDir: string;
  readonly #o: ClusterOptions;
  #daemon: Daemon | undefined;

  constructor(o: ClusterOptions) {
    this.#o = o;
    this.host = o.host ?? '127.0.0.1';
    this.port = o.port;
    this.dir = o.dir;
    this.dataDir = join(o.dir, 'data');
  }

  get daemon(): Daemon | undefined {
    return this.#daemon;
  }

  /** The superuser's URL, verifying the certificate. */
  get url(): string {
    return postgresUrl({
      host: this.host,
      port: this.port,
      user: POSTGRES.superuser,
      password: this.#o.password,
      database: POSTGRES.database,
      ca: this.#o.ca.cert,
    });
  }

  /** initdb, certificate, config; then `start()`. */
  async init(): Promise<void> {
    const { uid, gid } = osIds(POSTGRES.osUser);
    const d = this.dir;
    await mkdir(d, { recursive: true });
    await chmod(d, 0o755);
    const pair = await this.#o.ca.issue({
      dir: join(d, 'tls'),
      name: 'server',
      cn: 'localhost',
      dns: ['localhost'],
      ips: [this.host],
    });
    const pwfile = join(d, 'pwfile');
    await writeFile(pwfile, `${this.#o.password}\n`, { mode: 0o600 });
    await chownTree(d, uid, gid);
    await run('/usr/bin/setpriv', [
      `--reuid=${uid}`,
      `--regid=${gid}`,
      '--clear-groups',
      '--',
      join(POSTGRES.binDir, 'initdb'),
      '-D',
      this.dataDir,
      '-U',
      POSTGRES.superuser,
      `--pwfile=${pwfile}`,
      '--auth-local=scram-sha-256',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
    // Listening on loopback only, with TLS; the socket stays inside our folder. fsync off (a test
    // cluster; a crashed server still keeps what the OS page cache holds), synchronous_commit stays on
    // so a committed transaction survives a server restart.
    const conf = `listen_addresses = '${this.host}'
port = ${this.port}
unix_socket_directories = '${d}'
ssl = on
ssl_cert_file = '${pair.cert}'
ssl_key_file = '${pair.key}'
ssl_ca_file = '${join(d, 'tls', 'ca.pem')}'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
max_connections = 200
shared_buffers = 32MB
fsync = off
full_page_writes = off
log_destination = 'stderr'
log_min_messages = warning
`;
    await copyFile(this.#o.ca.cert, join(d, 'tls', 'ca.pem'));
    await writeFile(join(this.dataDir, 'postgresql.auto.conf'), conf);
    // Only TLS logins with a SCRAM password, from loopback; the local socket for the superuser only.
    const hba = [
      `local all ${POSTGRES.superuser} scram-sha-256`,
      ...[`${this.host}/32`, ...(this.#o.clients ?? [])].map((c) => `hostssl all all ${c} scram-sha-256`),
      '',
    ].join('\n');
    await writeFile(join(this.dataDir, 'pg_hba.conf'), hba);
    await chownTree(d, uid, gid);
    await chmod(join(d, 'tls', 'server.key'), 0o600);
  }

  /** Starts the server and waits until a verified TLS login answers `SELECT 1`; creates the database. */
  async start(): Promise<void> {
    const { uid, gid } = osIds(POSTGRES.osUser);
    const spawn =
      this.#o.spawn ??
      ((name: string, command: string, args: string[], opts?: Partial<SpawnOptions>) =>
        spawnDaemon(name, command, args, { logFile: join(this.dir, `${name}.log`), ...opts }));
    // The inner setpriv drops to the postgres user and sets the parent-death signal again (a change of
    // user clears it).
    this.#daemon = spawn('postgres', '/usr/bin/setpriv', [
      `--reuid=${uid}`,
      `--regid=${gid}`,
      '--clear-groups',
      '--pdeathsig',
      'SIGTERM',
      '--',
      join(POSTGRES.binDir, 'postgres'),
      '-D',
      this.dataDir,
    ]);
    const admin = this.url.replace(`/${POSTGRES.database}?`, '/postgres?');
    await waitUntil(
      async () => {
        const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 2000 });
        await c.connect();
        try {
          const { rows } = await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_database WHERE datname = $1`,
            [POSTGRES.database],
          );
          if (rows[0]?.n === 0) await c.query(`CREATE DATABASE ${POSTGRES.database}`);
        } finally {
          await c.end();
        }
      },
      {
        what: `postgres verified TLS login on ${this.host}:${this.port}`,
        daemon: this.#daemon,
        timeoutMs: 30_000,
      },
    );
  }

  /** Fast shutdown (SIGINT: roll back open transactions, close connections). */
  async stop(): Promise<void> {
    const d = this.#daemon;
    if (d === undefined) return;
    this.#daemon = undefined;
    try {
      process.kill(d.pid, 'SIGINT');
    } catch {
      // already gone
    }
    await Promise.race([d.exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    await d.stop();
  }
}

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = '127.0.0.1';
  const port = await ctx.port(host, POSTGRES.fixedPort);
  const password = await ctx.secret('postgres-password');
  const cluster = new PostgresCluster({
    // initdb and the server run as `postgres`, which must reach the folder through the private run folder.
    dir: await reachableDir(ctx, 'schoolnet-postgres-'),
    host,
    port,
    password,
    ca: ctx.ca,
    spawn: (name, command, args, opts) => ctx.spawn(name, command, args, opts),
  });
  await cluster.init();
  await cluster.start();
  return {
    endpoints: [{ host, port, proto: 'tcp' }],
    info: {
      host,
      port,
      user: POSTGRES.superuser,
      password,
      ca: ctx.ca.cert,
      extra: {
        database: POSTGRES.database,
        url: cluster.url,
        sslmode: 'verify-full',
        servername: 'localhost',
        dataDir: cluster.dataDir,
      },
    },
  };
}
