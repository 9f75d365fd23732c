/**
 * The worker thread behind `SyncPg` (pg-sync.ts): owns one `pg` connection, runs each batch it is sent
 * (in one transaction when asked), posts the rows back and wakes the waiting thread through the shared
 * flag. A batch that fails because the server went away (restart, network) is retried on a new
 * connection until `reconnectMs` has passed: a batch is one transaction, so a retry never half-applies,
 * and the store's writes are idempotent, so a COMMIT whose answer was lost is harmless to repeat.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import pg from 'pg';
import { inlineParams } from './pg-inline.ts';

export interface Stmt {
  sql: string;
  params?: unknown[];
  /** Roll back and answer `{ missing: index }` when this statement returns no row. */
  expectRow?: boolean;
}

export interface BatchRequest {
  stmts: Stmt[];
  tx: boolean;
}

export type BatchReply =
  | { ok: true; rows: Record<string, unknown>[][] }
  | { ok: true; missing: number }
  | { ok: false; message: string; code?: string };

interface Init {
  flag: SharedArrayBuffer;
  port: MessagePort;
  asyncPort: MessagePort;
  config: pg.ClientConfig;
  reconnectMs: number;
  asyncConnections: number;
}

const init = workerData as Init;
const flag = new Int32Array(init.flag);

/** Errors after which a new connection may succeed (server gone, restarting, or not yet up). */
function transient(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return (
    /^(08|57P)/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code) ||
    /Connection terminated|connection ended|Client has encountered a connection error|not queryable/i.test(
      (e as Error).message ?? '',
    )
  );
}

/**
 * One connection and the batches queued for it, run one at a time in the order sent: a transaction
 * must never interleave with another batch's statements.
 */
class Lane {
  #client: pg.Client | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  queued = 0;

  async #connection(): Promise<pg.Client> {
    if (this.#client !== undefined) return this.#client;
    const c = new pg.Client(init.config);
    // An idle connection the server drops must not crash the thread; the next batch reconnects.
    c.on('error', () => {
      if (this.#client === c) this.#client = undefined;
    });
    await c.connect();
    this.#client = c;
    return c;
  }

  async drop(): Promise<void> {
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => undefined);
  }

  /**
   * A transaction in as few round trips as its statements allow: BEGIN, the statements with their
   * parameters written in (pg-inline.ts), and COMMIT, sent as one simple query. Each statement still
   * runs on its own snapshot (read committed) and the row locks it takes hold to the end, as when sent
   * one by one; an error ends the query and the transaction is rolled back. A statement that must
   * return a row ends its part of the query, so it is checked (and the transaction rolled back)
   * before anything after it runs: a run's finish (a row check, then everything else) is two round
   * trips instead of four or more. Undefined when a statement cannot be written in.
   */
  async #runOneTrip(c: pg.Client, req: BatchRequest): Promise<BatchReply | undefined> {
    const texts: string[] = [];
    for (const s of req.stmts) {
      const t = inlineParams(s.sql, s.params);
      if (t === undefined) return undefined;
      texts.push(t);
    }
    const rows: Record<string, unknown>[][] = [];
    try {
      let i = 0;
      while (i < texts.length) {
        let j = i;
        while (j < texts.length - 1 && req.stmts[j]?.expectRow !== true) j++;
        const lead = i === 0 ? ['BEGIN'] : [];
        const commit = j === texts.length - 1 && req.stmts[j]?.expectRow !== true;
        const sql = [...lead, ...texts.slice(i, j + 1), ...(commit ? ['COMMIT'] : [])].join(';\n');
        const out = (await c.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
        const results = (Array.isArray(out) ? out : [out]).slice(lead.length, lead.length + j + 1 - i);
        for (const [k, r] of results.entries()) {
          if (req.stmts[i + k]?.expectRow === true && r.rows.length === 0) {
            await c.query('ROLLBACK');
            return { ok: true, missing: i + k };
          }
          rows.push(r.rows as Record<string, unknown>[]);
        }
        if (j === texts.length - 1 && !commit) await c.query('COMMIT');
        i = j + 1;
      }
      return { ok: true, rows };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async #runBatch(req: BatchRequest): Promise<BatchReply> {
    const c = await this.#connection();
    if (req.tx && req.stmts.length > 0) {
      const done = await this.#runOneTrip(c, req);
      if (done !== undefined) return done;
    }
    const rows: Record<string, unknown>[][] = [];
    if (req.tx) await c.query('BEGIN');
    try {
      for (const [i, s] of req.stmts.entries()) {
        const r = await c.query(s.sql, s.params);
        if (s.expectRow === true && r.rows.length === 0) {
          if (req.tx) await c.query('ROLLBACK');
          return { ok: true, missing: i };
        }
        rows.push(r.rows as Record<string, unknown>[]);
      }
      if (req.tx) await c.query('COMMIT');
      return { ok: true, rows };
    } catch (e) {
      if (req.tx) await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async #handle(req: BatchRequest): Promise<BatchReply> {
    const deadline = Date.now() + init.reconnectMs;
    for (;;) {
      try {
        return await this.#runBatch(req);
      } catch (e) {
        if (transient(e) && Date.now() < deadline) {
          await this.drop();
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        if (transient(e)) await this.drop();
        const code = (e as { code?: string }).code;
        return { ok: false, message: (e as Error).message, ...(code === undefined ? {} : { code }) };
      }
    }
  }

  enqueue(req: BatchRequest, answer: (reply: BatchReply) => void): void {
    this.queued++;
    this.#chain = this.#chain
      .then(() => this.#handle(req))
      .then((reply) => {
        this.queued--;
        answer(reply);
      });
  }

  close(): Promise<unknown> {
    this.#chain = this.#chain.then(() => this.drop());
    return this.#chain;
  }
}

// The blocking caller's batches on one connection; batches of callers that do not block
// (`SyncPg.batchAsync`) on up to `asyncConnections` more, each to the least busy, so one agent's
// concurrent audits write at once rather than one after another.
const syncLane = new Lane();
const asyncLanes: Lane[] = [];
function asyncLane(): Lane {
  const idle = asyncLanes.find((l) => l.queued === 0);
  if (idle !== undefined) return idle;
  if (asyncLanes.length < Math.max(1, init.asyncConnections)) {
    const l = new Lane();
    asyncLanes.push(l);
    return l;
  }
  return asyncLanes.reduce((a, b) => (b.queued < a.queued ? b : a));
}

function close(): void {
  void Promise.all([syncLane.close(), ...asyncLanes.map((l) => l.close())]).then(() => {
    init.port.close();
    init.asyncPort.close();
    parentPort?.close();
  });
}

init.port.on('message', (req: BatchRequest | 'close') => {
  if (req === 'close') return close();
  syncLane.enqueue(req, (reply) => {
    init.port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});

// Answered on their own port with their id.
init.asyncPort.on('message', (req: BatchRequest & { id: number }) => {
  asyncLane().enqueue(req, (reply) => init.asyncPort.postMessage({ id: req.id, reply }));
});
