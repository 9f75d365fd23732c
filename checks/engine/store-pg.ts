/**
 * The results store on PostgreSQL (`--store postgres://…` or `SCHOOLNET_STORE`): the same tables as
 * SQLite (schema.sql + migrations.ts, in the database schema `schoolnet`), the same crash guarantees
 * (`beginRun` commits the `incomplete` row on its own; `finishRun` writes the rest in one transaction),
 * and idempotent writes: a run id begun again restarts unless complete, finishing again replaces the
 * children, and at most one run exists per school and audit night.
 *
 * Dialect differences, all here: `$n` placeholders, `REAL` read as `DOUBLE PRECISION` (PostgreSQL's
 * REAL is 4-byte), the run order from a sequence (two agents write at once), bulk child inserts from
 * one JSON parameter, and an advisory lock around schema changes.
 *
 * Security: a store URL to anything but loopback must verify the server (`sslmode=verify-full` with
 * `sslrootcert=`); the password may come from `PGPASSWORD` or a `passfile` instead of the URL, and the
 * URL's password never appears in an error or `store.path`.
 */
import type { AuditRun, RunStatus } from './types.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';
import { PgSyncError, SyncPg } from './pg-sync.ts';
import type { Stmt } from './pg-sync.ts';
import { assembleRun, childRows, finishedRunColumns, orNull as n, summaryOf } from './store-rows.ts';
import type { DeviceRow, EvidenceRow, FindingRow, RunRow } from './store-rows.ts';
import type { ResultsStore, RunStart, RunSummary } from './store.ts';
import { schemaSql, StoreError } from './store.ts';

export const PG_SCHEMA = 'schoolnet';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);

/** The URL with its password replaced, for messages and `store.path`. */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * The `pg` client settings for a store URL. A remote server must be verified (`sslmode=verify-full`,
 * or `verify-ca`) so results and credentials never cross a network unauthenticated.
 */
export function pgClientConfig(
  url: string,
  appName = 'schoolnet',
): {
  connectionString: string;
  application_name: string;
  options: string;
  connectionTimeoutMillis: number;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreError(redactPgUrl(url), 'not a valid postgres:// URL');
  }
  const sslmode = u.searchParams.get('sslmode') ?? '';
  const host = u.searchParams.get('host') ?? u.hostname;
  const local = LOOPBACK.has(host) || host.startsWith('/');
  if (!local && sslmode !== 'verify-full' && sslmode !== 'verify-ca')
    throw new StoreError(
      redactPgUrl(url),
      `a PostgreSQL store on ${host} must verify the server: add ?sslmode=verify-full&sslrootcert=/path/to/ca.pem`,
    );
  return {
    connectionString: url,
    application_name: appName,
    // Every session works in the store's own schema.
    options: `-c search_path=${PG_SCHEMA}`,
    connectionTimeoutMillis: 10_000,
  };
}

/** schema.sql in PostgreSQL's dialect: only REAL differs (4-byte there; SQLite's REAL is 8-byte). */
export function pgSchemaSql(): string {
  return schemaSql().replace(/\bREAL\b/g, 'DOUBLE PRECISION');
}

/** Creates or migrates the schema when it is not current (needs the owner's rights). */
function ensureSchema(db: SyncPg, where: string): void {
  const present = db.query<{ present: boolean }>(
    `SELECT to_regclass('${PG_SCHEMA}.schema_version') IS NOT NULL AS present`,
  )[0]?.present;
  const current = present
    ? db.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${PG_SCHEMA}.schema_version`)[0]?.v
    : null;
  if (current === SCHEMA_VERSION) return;
  if (typeof current === 'number' && current > SCHEMA_VERSION)
    throw new StoreError(where, `schema version ${current}, this schoolnet expects ${SCHEMA_VERSION}`);
  const stmts: Stmt[] = [
    // One migrator at a time across every process and machine.
    { sql: `SELECT pg_advisory_xact_lock(hashtext('schoolnet-schema'))` },
    { sql: `CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA}` },
    { sql: `SET LOCAL search_path TO ${PG_SCHEMA}` },
    { sql: pgSchemaSql() },
    { sql: `CREATE SEQUENCE IF NOT EXISTS run_seq` },
    {
      sql: `INSERT INTO schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version)`,
    },
    { sql: `SELECT max(version) AS v FROM schema_version` },
  ];
  const out = db.batch(stmts, true);
  if (!Array.isArray(out)) throw new StoreError(where, 'schema set-up answered nothing');
  // Migrations, each in the same locked transaction shape; re-read the version under the lock.
  for (const m of MIGRATIONS) {
    const step = db.batch(
      [
        { sql: `SELECT pg_advisory_xact_lock(hashtext('schoolnet-schema'))` },
        { sql: `SET LOCAL search_path TO ${PG_SCHEMA}` },
        { sql: `SELECT 1 FROM schema_version WHERE version < $1`, params: [m.to], expectRow: true },
        { sql: m.sql },
        { sql: `UPDATE schema_version SET version = $1`, params: [m.to] },
      ],
      true,
    );
    void step; // `{ missing }` means another process already applied it.
  }
}

export function openPgStore(
  url: string,
  opts: { appName?: string; reconnectMs?: number } = {},
): ResultsStore {
  const where = redactPgUrl(url);
  const config = pgClientConfig(url, opts.appName);
  const db = new SyncPg(config, { reconnectMs: opts.reconnectMs ?? 60_000 });
  try {
    ensureSchema(db, where);
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    const why =
      e instanceof PgSyncError && e.code === '42501'
        ? `${e.message} (the schema is not installed or not current, and this role may not change it: ` +
          'run `schoolnet db init` with the owner role)'
        : (e as Error).message;
    throw new StoreError(where, `cannot open: ${why}`, { cause: e });
  }
  return new PgStore(where, db);
}

/** `beginRun`'s statement: the `incomplete` row, committed on its own (a complete run is kept). */
function beginStmts(run: RunStart): Stmt[] {
  return [
    {
      sql: `INSERT INTO runs (id, seq, school, school_json, started, as_of, status, tool_version, night)
                VALUES ($1, nextval('run_seq'), $2, $3, $4, $5, 'incomplete', $6, $7)
                ON CONFLICT (id) DO UPDATE SET school_json = excluded.school_json, started = excluded.started,
                  as_of = excluded.as_of, status = 'incomplete', tool_version = excluded.tool_version
                WHERE runs.status <> 'complete'`,
      params: [
        run.id,
        run.school.id,
        JSON.stringify(run.school),
        run.started,
        run.asOf,
        run.toolVersion,
        n(run.night),
      ],
    },
  ];
}

/**
 * A school-night's run that is already complete is kept as it is: a second attempt finishing late (an
 * agent whose job was taken over after a lost heartbeat, its link back) changes nothing, so the night
 * keeps the result the queue settled on rather than whichever attempt wrote last.
 */
const KEPT = (id: string) =>
  `EXISTS (SELECT 1 FROM runs k WHERE k.id = ${id} AND k.night IS NOT NULL AND k.status = 'complete')`;

/** `finishRun`'s statements, one transaction: the run's children replaced whole, then its row. */
function finishStmts(run: AuditRun): Stmt[] {
  const rows = childRows(run);
  const cols = finishedRunColumns(run);
  const k = cols.length;
  const p = (i: number): string => `$${k + i}`;
  // Two statements (each a round trip; data-modifying CTEs run within one), in one transaction.
  // Idempotent: finishing twice replaces the children rather than duplicating them (a complete
  // school-night run is kept whole, see KEPT). Every CTE sees the rows as they were before the
  // statement, and the first statement holds the run's row lock, so the test cannot race.
  return [
    {
      sql: `WITH target AS (SELECT id FROM runs WHERE id = $1 FOR UPDATE),
              live AS (SELECT id FROM target WHERE NOT ${KEPT('target.id')}),
              e AS (DELETE FROM evidence WHERE run_id IN (SELECT id FROM live)),
              f AS (DELETE FROM findings WHERE run_id IN (SELECT id FROM live)),
              p AS (DELETE FROM effective_policy WHERE run_id IN (SELECT id FROM live)),
              d AS (DELETE FROM devices WHERE run_id IN (SELECT id FROM live))
            SELECT id FROM target`,
      params: [run.id],
      expectRow: true,
    },
    {
      // Foreign keys (evidence → findings) are checked at the end of the statement, after every CTE.
      sql: `WITH live AS (SELECT NOT ${KEPT(`${p(1)}::text`)} AS ok),
              f AS (INSERT INTO findings SELECT x.* FROM json_populate_recordset(NULL::findings, ${p(2)}::json) x, live WHERE live.ok),
              e AS (INSERT INTO evidence SELECT x.* FROM json_populate_recordset(NULL::evidence, ${p(3)}::json) x, live WHERE live.ok),
              p AS (INSERT INTO effective_policy (run_id, clause_map_version, policy_json)
                    SELECT ${p(1)}, ${p(4)}, ${p(5)} FROM live WHERE live.ok),
              d AS (INSERT INTO devices SELECT x.* FROM json_populate_recordset(NULL::devices, ${p(6)}::json) x, live WHERE live.ok)
            UPDATE runs SET ${cols.map(([col], i) => `${col} = $${i + 1}`).join(', ')}
            WHERE id = ${p(1)} AND (SELECT ok FROM live)`,
      params: [
        ...cols.map(([, v]) => v),
        run.id,
        JSON.stringify(rows.findings),
        JSON.stringify(rows.evidence),
        run.effectivePolicy.clauseMap.version,
        JSON.stringify(run.effectivePolicy),
        JSON.stringify(rows.devices),
      ],
    },
  ];
}

class PgStore implements ResultsStore {
  readonly path: string;
  readonly kind = 'postgres' as const;
  readonly #db: SyncPg;

  constructor(path: string, db: SyncPg) {
    this.path = path;
    this.#db = db;
  }

  #batch(stmts: Stmt[], tx: boolean): Record<string, unknown>[][] | { missing: number } {
    try {
      return this.#db.batch(stmts, tx);
    } catch (e) {
      throw new StoreError(this.path, (e as Error).message, { cause: e });
    }
  }

  #rows<T>(sql: string, params: unknown[] = []): T[] {
    const out = this.#batch([{ sql, params }], false);
    return (Array.isArray(out) ? (out[0] ?? []) : []) as T[];
  }

  beginRun(run: RunStart): void {
    this.#batch(beginStmts(run), false);
  }

  finishRun(run: AuditRun): void {
    const out = this.#batch(finishStmts(run), true);
    if (!Array.isArray(out)) throw new StoreError(this.path, `run ${run.id} was never begun`);
  }

  /** `beginRun` and `finishRun` without blocking the thread; see `writeBehind`. */
  async beginRunAsync(run: RunStart): Promise<void> {
    await this.#db.batchAsync(beginStmts(run), false).catch((e: unknown) => {
      throw new StoreError(this.path, (e as Error).message, { cause: e });
    });
  }

  /** `also`: statements committed in the same transaction (after the run's own). */
  async finishRunAsync(run: AuditRun, also: Stmt[] = []): Promise<void> {
    const out = await this.#db.batchAsync([...finishStmts(run), ...also], true).catch((e: unknown) => {
      throw new StoreError(this.path, (e as Error).message, { cause: e });
    });
    if (!Array.isArray(out)) throw new StoreError(this.path, `run ${run.id} was never begun`);
  }

  getRun(id: string): AuditRun | undefined {
    const out = this.#batch(
      [
        { sql: 'SELECT * FROM runs WHERE id = $1', params: [id], expectRow: true },
        { sql: 'SELECT * FROM findings WHERE run_id = $1 ORDER BY seq', params: [id] },
        { sql: 'SELECT * FROM evidence WHERE run_id = $1 ORDER BY finding_seq, seq', params: [id] },
        { sql: 'SELECT * FROM devices WHERE run_id = $1 ORDER BY seq', params: [id] },
        { sql: 'SELECT policy_json FROM effective_policy WHERE run_id = $1', params: [id] },
      ],
      // One snapshot for the run and its children.
      true,
    );
    if (!Array.isArray(out)) return undefined;
    const [runs, findings, evidence, devices, pol] = out as [
      RunRow[],
      FindingRow[],
      EvidenceRow[],
      DeviceRow[],
      { policy_json: string }[],
    ];
    const r = runs[0];
    if (r === undefined) return undefined;
    return assembleRun(r, findings, evidence, devices, pol[0]?.policy_json);
  }

  listRuns(opts: { school?: string; limit?: number; status?: RunStatus } = {}): RunSummary[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.school !== undefined) {
      args.push(opts.school);
      where.push(`school = $${args.length}`);
    }
    if (opts.status !== undefined) {
      args.push(opts.status);
      where.push(`status = $${args.length}`);
    }
    const limit = Math.max(0, Math.floor(opts.limit ?? 100));
    const sql = `SELECT * FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY started DESC, seq DESC LIMIT ${limit}`;
    return this.#rows<RunRow>(sql, args).map(summaryOf);
  }

  latestRun(school: string): AuditRun | undefined {
    const r = this.#rows<{ id: string }>(
      'SELECT id FROM runs WHERE school = $1 ORDER BY started DESC, seq DESC LIMIT 1',
      [school],
    )[0];
    return r === undefined ? undefined : this.getRun(r.id);
  }

  previousRun(school: string, beforeRunId: string): AuditRun | undefined {
    const r = this.#rows<{ id: string }>(
      `SELECT p.id FROM runs b JOIN runs p ON p.school = $1 AND p.status = 'complete' AND p.id <> b.id
         AND (p.started < b.started OR (p.started = b.started AND p.seq < b.seq))
       WHERE b.id = $2
       ORDER BY p.started DESC, p.seq DESC LIMIT 1`,
      [school, beforeRunId],
    )[0];
    return r === undefined ? undefined : this.getRun(r.id);
  }

  runForNight(school: string, night: string): RunSummary | undefined {
    const r = this.#rows<RunRow>('SELECT * FROM runs WHERE school = $1 AND night = $2', [school, night])[0];
    return r === undefined ? undefined : summaryOf(r);
  }

  async runForNightAsync(school: string, night: string): Promise<RunSummary | undefined> {
    const out = await this.#db
      .batchAsync([{ sql: 'SELECT * FROM runs WHERE school = $1 AND night = $2', params: [school, night] }])
      .catch((e: unknown) => {
        throw new StoreError(this.path, (e as Error).message, { cause: e });
      });
    const r = (Array.isArray(out) ? out[0]?.[0] : undefined) as RunRow | undefined;
    return r === undefined ? undefined : summaryOf(r);
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * A view of a store whose run writes (`beginRun`, `finishRun`) do not block the calling thread: on
 * PostgreSQL each is sent once the one before it has been answered, and `settle()` resolves when
 * every one of them has committed (or rejects with the first failure). An agent audits several schools
 * at once in one thread; a blocking write would hold up every other audit's sockets for its round trip.
 * The caller must `settle()` before it reports the run written (the agent completes its job only
 * then), so the crash guarantees are the store's own. Other stores are returned as they are.
 */
export function writeBehind(
  store: ResultsStore,
  opts: {
    /**
     * Statements to commit in `finishRun`'s own transaction (PostgreSQL only): an agent records its
     * night completed and queues the delivery job there, so either all of it commits or none does, in
     * one commit instead of three.
     */
    alsoOnFinish?: (run: AuditRun) => Stmt[];
  } = {},
): {
  store: ResultsStore;
  settle: () => Promise<void>;
  /** `runForNight` without blocking. */
  runForNight: (school: string, night: string) => Promise<RunSummary | undefined>;
} {
  if (!(store instanceof PgStore)) {
    if (opts.alsoOnFinish !== undefined)
      throw new Error('statements in the finishing transaction need a PostgreSQL store');
    return {
      store,
      settle: () => Promise.resolve(),
      runForNight: (school, night) => Promise.resolve(store.runForNight(school, night)),
    };
  }
  const pending: Promise<void>[] = [];
  // A write made after `settle()` (an audit that outran its budget finishing late) is never awaited;
  // its failure must not surface as an unhandled rejection.
  const observed = (p: Promise<void>): Promise<void> => {
    p.catch(() => undefined);
    return p;
  };
  const after = (): Promise<unknown> => Promise.allSettled(pending);
  const view: ResultsStore = {
    path: store.path,
    kind: store.kind,
    // One run's writes in order (they may go out on different connections): each after the last.
    beginRun: (run) => void pending.push(observed(after().then(() => store.beginRunAsync(run)))),
    finishRun: (run) =>
      void pending.push(
        observed(after().then(() => store.finishRunAsync(run, opts.alsoOnFinish?.(run) ?? []))),
      ),
    getRun: (id) => store.getRun(id),
    listRuns: (opts) => store.listRuns(opts),
    latestRun: (school) => store.latestRun(school),
    previousRun: (school, before) => store.previousRun(school, before),
    runForNight: (school, night) => store.runForNight(school, night),
    close: () => undefined,
  };
  return {
    store: view,
    runForNight: (school, night) => store.runForNightAsync(school, night),
    settle: async () => {
      // Every write is awaited (none left unobserved), then the first failure is reported.
      const out = await Promise.allSettled(pending);
      const failed = out.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
