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
}

const init = workerData as Init;
const flag = new Int32Array(init.flag);
let client: pg.Client | undefined;

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

async function connection(): Promise<pg.Client> {
  if (client !== undefined) return client;
  const c = new pg.Client(init.config);
  // An idle connection the server drops must not crash the thread; the next batch reconnects.
  c.on('error', () => {
    if (client === c) client = undefined;
  });
  await c.connect();
  client = c;
  return c;
}

async function drop(): Promise<void> {
  const c = client;
  client = undefined;
  await c?.end().catch(() => undefined);
}

async function runBatch(req: BatchRequest): Promise<BatchReply> {
  const c = await connection();
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

async function handle(req: BatchRequest): Promise<BatchReply> {
  const deadline = Date.now() + init.reconnectMs;
  for (;;) {
    try {
      return await runBatch(req);
    } catch (e) {
      if (transient(e) && Date.now() < deadline) {
        await drop();
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (transient(e)) await drop();
      const code = (e as { code?: string }).code;
      return { ok: false, message: (e as Error).message, ...(code === undefined ? {} : { code }) };
    }
  }
}

// One batch at a time, in the order they were sent, whichever port sent them: batches share one
// connection, and a transaction must never interleave with another batch's statements.
let chain: Promise<unknown> = Promise.resolve();
function enqueue(req: BatchRequest, answer: (reply: BatchReply) => void): void {
  chain = chain.then(() => handle(req)).then(answer);
}

function close(): void {
  chain = chain.then(() =>
    drop().then(() => {
      init.port.close();
      init.asyncPort.close();
      parentPort?.close();
    }),
  );
}

init.port.on('message', (req: BatchRequest | 'close') => {
  if (req === 'close') return close();
  enqueue(req, (reply) => {
    init.port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});

// Batches whose caller does not block (`SyncPg.batchAsync`): answered on their own port with their id.
init.asyncPort.on('message', (req: BatchRequest & { id: number }) => {
  enqueue(req, (reply) => init.asyncPort.postMessage({ id: req.id, reply }));
});
