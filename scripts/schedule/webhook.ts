/**
 * The second delivery channel: a JSON POST of the run summary to a provider's ticketing tool. When the
 * declaration names a secret, the body is signed with HMAC-SHA256 and the hex digest sent as
 * `X-Schoolnet-Signature: sha256=<hex>` (the receiver recomputes it over the raw body), with the run id
 * in `X-Schoolnet-Run` for idempotency on retries.
 */
import { createHmac } from 'node:crypto';
import { resolveSecret } from '../../inventory/secrets.ts';
import type { Delivery } from '../../inventory/types.ts';
import { PermanentError } from './retry.ts';

export type WebhookDelivery = NonNullable<Delivery['webhook']>;

export const SIGNATURE_HEADER = 'x-schoolnet-signature';

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The webhook's URL as the store keeps it: origin and path, never a query string that may hold a token. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export async function postWebhook(
  hook: WebhookDelivery,
  payload: unknown,
  opts: { baseDir: string; env?: NodeJS.ProcessEnv; runId: string; timeoutMs?: number },
): Promise<number> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'schoolnet',
    'x-schoolnet-run': opts.runId,
  };
  if (hook.secret !== undefined)
    headers[SIGNATURE_HEADER] = sign(body, await resolveSecret(hook.secret, opts.baseDir, opts.env));
  let res: Response;
  try {
    res = await fetch(hook.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`POST ${redactUrl(hook.url)}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, {
      cause: e,
    });
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return res.status;
  const msg = `POST ${redactUrl(hook.url)}: HTTP ${res.status}`;
  // 4xx other than timeout / rate limit will not get better by asking again.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw new PermanentError(msg);
  throw new Error(msg);
}
