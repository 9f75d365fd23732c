/**
 * Waiting until a daemon really answers (a bind, a get, a banner), not merely until its port is open.
 * Fails fast if the daemon exits, and the error always shows the daemon's log tail.
 */
import { isListening, type Endpoint } from './ports.ts';
import { logTail, type Daemon } from './process.ts';

export interface WaitOptions {
  /** What is being waited for, e.g. "slapd LDAPS bind on 127.0.0.1:13636". */
  what: string;
  daemon?: Daemon;
  /** Probe only once these are bound (a probe to a closed UDP port waits out its whole timeout). */
  listening?: Endpoint[];
  timeoutMs?: number;
  intervalMs?: number;
}

export async function waitUntil(probe: () => Promise<unknown>, opts: WaitOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (opts.daemon?.hasExited()) {
      const { code, signal } = await opts.daemon.exited;
      throw readinessError(opts, `the daemon exited (code ${code}, signal ${signal})`, last);
    }
    try {
      const closed = (opts.listening ?? []).find((e) => !isListening(e));
      if (closed) throw new Error(`nothing listens on ${closed.host}:${closed.port}/${closed.proto} yet`);
      await probe();
      return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw readinessError(opts, `no answer after ${timeoutMs} ms`, last);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

function readinessError(opts: WaitOptions, why: string, last: unknown): Error {
  const lastMsg = last instanceof Error ? last.message : last === undefined ? 'none' : String(last);
  const tail = opts.daemon ? `\n--- ${opts.daemon.logFile} (tail) ---\n${logTail(opts.daemon.logFile)}` : '';
  return new Error(`${opts.what}: ${why}; last probe error: ${lastMsg}${tail}`);
}
