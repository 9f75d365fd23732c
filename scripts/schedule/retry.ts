/**
 * Bounded retries with exponential backoff for deliveries: a transient SMTP or HTTP failure is tried
 * again a few times; the last error is kept so the store can say why a delivery failed.
 */
export interface RetryPolicy {
  /** Total tries including the first (default 4). */
  attempts: number;
  /** Delay before the second try; doubled each time (default 2 s). */
  baseDelayMs: number;
  /** Cap on one delay (default 60 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 2_000, maxDelayMs: 60_000 };

export interface Attempted<T> {
  ok: boolean;
  value?: T;
  attempts: number;
  lastError?: string;
}

/** An error a retry cannot fix (e.g. HTTP 400): stop at once. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (attempt: number, error: string, delayMs: number) => void,
): Promise<Attempted<T>> {
  let lastError = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt };
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
      if (e instanceof PermanentError || attempt === policy.attempts)
        return { ok: false, attempts: attempt, lastError };
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      onRetry?.(attempt, lastError, delay);
      await sleep(delay);
    }
  }
  return { ok: false, attempts: policy.attempts, lastError };
}
