/**
 * Synchronous PostgreSQL for the results store. The store's interface is synchronous (the engine,
 * reports and scheduler call it inline, as they call node:sqlite), so the `pg` client runs in a worker
 * thread and the calling thread blocks on a shared flag (`Atomics.wait`) until the batch's answer has
 * arrived, then reads it with `receiveMessageOnPort`. One connection, one batch at a time; each batch
 * is one round of statements, optionally one transaction. Other async work in the process (pg-boss, the
 * audit's sockets) simply waits while a batch runs: a few milliseconds for a run's write.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { BatchReply, BatchRequest, Stmt } from './pg-sync-worker.ts';

export type { Stmt } from './pg-sync-worker.ts';

export class PgSyncError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'PgSyncError';
    this.code = code;
  }
}

export class SyncPg {
  readonly #worker: Worker;
  readonly #port: MessageChannel['port1'];
  readonly #asyncPort: MessageChannel['port1'];
  readonly #pending = new Map<number, { resolve: (r: BatchReply) => void }>();
  #nextId = 0;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  readonly #timeoutMs: number;
  #closed = false;

  /** `reconnectMs`: how long a batch keeps retrying while the server is away (restart, network). */
  constructor(
    config: pg.ClientConfig,
    opts: { reconnectMs?: number; timeoutMs?: number; asyncConnections?: number } = {},
  ) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const a = new MessageChannel();
    this.#asyncPort = a.port1;
    a.port1.on('message', (m: { id: number; reply: BatchReply }) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) a.port1.unref();
      p?.resolve(m.reply);
    });
    a.port1.unref();
    const reconnectMs = opts.reconnectMs ?? 60_000;
    this.#timeoutMs = opts.timeoutMs ?? reconnectMs + 60_000;
    this.#worker = new Worker(new URL('./pg-sync-worker.ts', import.meta.url), {
      workerData: {
        flag: this.#flag.buffer,
        port: port2,
        asyncPort: a.port2,
        config,
        reconnectMs,
        asyncConnections: opts.asyncConnections ?? 4,
      },
      transferList: [port2, a.port2],
    });
    // The worker must never keep the process alive on its own.
    this.#worker.unref();
    port1.unref();
  }

  /** Runs the statements (in one transaction when `tx`); the rows of each, or `{ missing }`. */
  batch(stmts: Stmt[], tx = false): Record<string, unknown>[][] | { missing: number } {
    if (this.#closed) throw new PgSyncError('the PostgreSQL connection is closed');
    Atomics.store(this.#flag, 0, 0);
    const req: BatchRequest = { stmts, tx };
    this.#port.postMessage(req);
    const waited = Atomics.wait(this.#flag, 0, 0, this.#timeoutMs);
    if (waited === 'timed-out')
      throw new PgSyncError(`no answer from PostgreSQL within ${this.#timeoutMs} ms`);
    const msg = receiveMessageOnPort(this.#port);
    if (msg === undefined) throw new PgSyncError('the PostgreSQL worker answered nothing');
    const reply = msg.message as BatchReply;
    if (!reply.ok) throw new PgSyncError(reply.message, reply.code);
    return 'missing' in reply ? { missing: reply.missing } : reply.rows;
  }

  /**
   * The same as `batch`, without blocking the calling thread: for writes whose caller can wait
   * asynchronously (an agent's audit, whose other slots keep working meanwhile). Batches run in the
   * order they were sent on each connection; async batches use up to `asyncConnections` connections
   * of their own (opened when first needed), so they may run beside each other and beside the
   * blocking ones. A caller that needs one write after another chains them itself.
   */
  batchAsync(stmts: Stmt[], tx = false): Promise<Record<string, unknown>[][] | { missing: number }> {
    if (this.#closed) return Promise.reject(new PgSyncError('the PostgreSQL connection is closed'));
    const id = this.#nextId++;
    const answered = new Promise<BatchReply>((resolve) => this.#pending.set(id, { resolve }));
    // While an answer is awaited the port keeps the process alive, as any pending I/O does.
    this.#asyncPort.ref();
    this.#asyncPort.postMessage({ stmts, tx, id } satisfies BatchRequest & { id: number });
    return answered.then((reply) => {
      if (!reply.ok) throw new PgSyncError(reply.message, reply.code);
      return 'missing' in reply ? { missing: reply.missing } : reply.rows;
    });
  }

  /** Rows of one statement. */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): T[] {
    const out = this.batch([{ sql, params }]);
    if (!Array.isArray(out)) throw new PgSyncError('unexpected reply');
    return (out[0] ?? []) as T[];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.postMessage('close');
    this.#asyncPort.close();
    for (const p of this.#pending.values())
      p.resolve({ ok: false, message: 'the PostgreSQL connection was closed before the write was answered' });
    this.#pending.clear();
    // The worker ends its connection and exits; nothing to wait for.
    setTimeout(() => void this.#worker.terminate(), 2000).unref();
  }
}
