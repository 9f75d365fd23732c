/**
 * Waiting for the central database. A site agent at a school is often started before the school's
 * link to the centre is up, or while PostgreSQL restarts: it waits, retrying with backoff, instead of
 * exiting (which would leave its site's jobs queued until someone notices). A refusal that cannot heal
 * by waiting (wrong password, no such role or database, TLS certificate not trusted) fails at once, so a
 * misconfigured agent says so on its first try.
 */
import pg from 'pg';
import { pgClientConfig } from '../../checks/engine/store-pg.ts';

/** PostgreSQL SQLSTATEs that waiting cannot fix (authorisation and catalogue errors). */
const PERMANENT_SQLSTATES = new Set([
  '28000', // invalid_authorization_specification (pg_hba.conf refused, no such role)
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name (no such database)
  '42501', // insufficient_privilege
  '42P01', // undefined_table (schema not installed by the planner)
]);

/** Node TLS verification codes: a certificate that is not trusted will not become trusted by waiting. */
const PERMANENT_TLS = /^(?:CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|ERR_TLS_CERT)/;

/** Whether an error, or the error it wraps (`cause`), is one waiting cannot heal. */
export function isPermanent(e: unknown): boolean {
  for (let at = e, depth = 0; at !== null && typeof at === 'object' && depth < 5; depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string') return PERMANENT_SQLSTATES.has(code) || PERMANENT_TLS.test(code);
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}

export interface RetryOptions {
  /** First delay; doubles up to `maxMs` (defaults 1 s and 30 s). */
  firstMs?: number;
  maxMs?: number;
  /** Called before each wait, with the error and the delay to come. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
  /** Aborting stops the waiting: the last error is thrown. */
  signal?: AbortSignal;
}

/**
 * Runs `attempt` until it resolves, waiting between failures. A permanent error (see `isPermanent`)
 * or an abort ends it with that error.
 */
export async function untilConnected<T>(attempt: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const first = o.firstMs ?? 1000;
  const max = o.maxMs ?? 30_000;
  const aborted = (): boolean => o.signal?.aborted === true;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      if (isPermanent(error) || aborted()) throw error;
      const delayMs = Math.min(first * 2 ** (n - 1), max);
      o.onRetry?.(error, n, delayMs);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delayMs);
        o.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
      if (aborted()) throw error;
    }
  }
}

/**
 * Resolves once PostgreSQL at `url` accepts this login (one connection, opened and closed), without
 * blocking the thread: the synchronous store would otherwise hold the whole process for its reconnect
 * window on every try while the server is away.
 */
export async function reachable(url: string, appName = 'schoolnet'): Promise<void> {
  const client = new pg.Client({ ...pgClientConfig(url, appName), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => undefined);
  }
}
