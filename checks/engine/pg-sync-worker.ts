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

  async #runBatch(req: BatchRequest): Promise<BatchReply> {
    const c = await this.#connection();
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
