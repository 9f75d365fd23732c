/**
 * After a school's run: decide whether to send (always, or only when something changed since the
 * previous complete run), then email the report and post the webhook, each retried with backoff and
 * each outcome recorded in the store's deliveries table: sent, failed (with attempts and the last
 * error) or skipped. Never throws: a delivery problem must not take the scheduler down, and is never
 * lost silently.
 */
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import type { Digest } from './digest.ts';
import { bodyOf, digest, subjectOf } from './digest.ts';
import type { SmtpTlsOptions } from './mailer.ts';
import { resolveRecipients, sendMail } from './mailer.ts';
import { renderPdf } from './pdf.ts';
import type { DeliveryRecord, NightlyRecords } from './records.ts';
import type { RetryPolicy } from './retry.ts';
import { DEFAULT_RETRY, withRetry } from './retry.ts';
import { postWebhook, redactUrl } from './webhook.ts';

export interface DeliverOptions {
  store?: ResultsStore;
  /** Where each delivery outcome is recorded (the SQLite records, or PostgreSQL's). */
  records: Pick<NightlyRecords, 'delivery'>;
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
  smtpTls?: SmtpTlsOptions;
  /** Renders the PDF attachment (default: the reports module's PDF). */
  pdf?: (run: AuditRun, d: Digest) => Promise<Buffer>;
  clock?: () => Date;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /**
   * Deliveries of this run already sent (`channel|recipient`), e.g. before a restart: not sent again.
   */
  alreadySent?: ReadonlySet<string>;
  /** Nights before this one that were missed or not delivered, owned up to in the digest. */
  nights?: readonly string[];
}

/** The `alreadySent` key of a delivery. */
export const sentKey = (channel: string, recipient: string): string => `${channel}|${recipient}`;

/** The webhook payload: the run summary, no findings' evidence (it can name people). */
export function webhookPayload(d: Digest): Record<string, unknown> {
  return { type: 'schoolnet.run', ...d };
}

export async function deliverRun(
  loaded: LoadedSchool,
  run: AuditRun,
  opts: DeliverOptions,
): Promise<DeliveryRecord[]> {
  const delivery = loaded.decl.delivery;
  const out: DeliveryRecord[] = [];
  if (delivery === undefined) return out;
  const clock = opts.clock ?? (() => new Date());
  const log = opts.log ?? (() => undefined);
  const record = (r: Omit<DeliveryRecord, 'updated' | 'runId'>) => {
    const full: DeliveryRecord = { ...r, runId: run.id, updated: clock().toISOString() };
    opts.records.delivery(full);
    out.push(full);
    log(r.status === 'failed' ? 'error' : 'info', `delivery ${r.channel} ${r.status}`, {
      school: run.school.id,
      runId: run.id,
      channel: r.channel,
      recipient: r.recipient,
      attempts: r.attempts,
      ...(r.lastError === undefined ? {} : { error: r.lastError }),
    });
  };
  const previous = opts.store?.previousRun(run.school.id, run.id);
  const d = digest(run, previous);
  if (opts.nights !== undefined && opts.nights.length > 0) d.nights = [...opts.nights];
  const sent = opts.alreadySent ?? new Set<string>();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const base = { baseDir: loaded.dir, ...(opts.env === undefined ? {} : { env: opts.env }) };

  const email = delivery.email;
  if (email !== undefined) {
    let to: string[] = [];
    try {
      to = resolveRecipients(loaded, email.to).filter((r) => !sent.has(sentKey('email', r)));
    } catch (e) {
      record({
        channel: 'email',
        recipient: email.to.join(','),
        status: 'failed',
        attempts: 0,
        lastError: (e as Error).message,
      });
    }
    if (to.length > 0 && email.when === 'changed' && !d.changed)
      for (const r of to)
        record({
          channel: 'email',
          recipient: r,
          status: 'skipped',
          attempts: 0,
          lastError: 'nothing changed since the previous run',
        });
    else if (to.length > 0) {
      let attachments: { filename: string; content: Buffer; contentType: string }[] | undefined;
      let pdfError: string | undefined;
      if (email.attachPdf)
        try {
          const pdf = await (
            opts.pdf ??
            ((r: AuditRun) =>
              renderPdf(r, {
                includeTechnical: email.includeTechnicalDetail,
                loaded,
                ...(opts.env === undefined ? {} : { env: opts.env }),
                ...(opts.store === undefined ? {} : { store: opts.store }),
              }))
          )(run, d);
          attachments = [
            {
              filename: `${run.school.id}-${run.id.slice(0, 8)}-report.pdf`,
              content: pdf,
              contentType: 'application/pdf',
            },
          ];
        } catch (e) {
          pdfError = `the PDF could not be made: ${(e as Error).message}`;
        }
      if (pdfError !== undefined)
        // Sending without the promised attachment would look like a complete report; record it instead.
        for (const r of to)
          record({ channel: 'email', recipient: r, status: 'failed', attempts: 0, lastError: pdfError });
      else {
        const res = await withRetry(
          () =>
            sendMail(
              email.smtp,
              {
                to,
                subject: subjectOf(d),
                text: bodyOf(d, run, { technical: email.includeTechnicalDetail, attached: email.attachPdf }),
                ...(attachments === undefined ? {} : { attachments }),
              },
              { ...base, ...(opts.smtpTls === undefined ? {} : { tls: opts.smtpTls }) },
            ),
          retry,
          (attempt, error, delayMs) =>
            log('warn', 'email send failed; retrying', {
              school: run.school.id,
              runId: run.id,
              attempt,
              error,
              delayMs,
            }),
        );
        for (const r of to) {
          const rejected = res.value?.rejected.includes(r) === true;
          record({
            channel: 'email',
            recipient: r,
            status: res.ok && !rejected ? 'sent' : 'failed',
            attempts: res.attempts,
            ...(res.ok
              ? rejected
                ? { lastError: 'recipient rejected by the SMTP server' }
                : {}
              : { lastError: res.lastError ?? 'unknown error' }),
          });
        }
      }
    }
  }

  const hook = delivery.webhook;
  if (hook !== undefined) {
    const recipient = redactUrl(hook.url);
    if (sent.has(sentKey('webhook', recipient))) return out;
    if (hook.when === 'changed' && !d.changed)
      record({
        channel: 'webhook',
        recipient,
        status: 'skipped',
        attempts: 0,
        lastError: 'nothing changed since the previous run',
      });
    else {
      const res = await withRetry(
        () => postWebhook(hook, webhookPayload(d), { ...base, runId: run.id }),
        retry,
        (attempt, error, delayMs) =>
          log('warn', 'webhook failed; retrying', {
            school: run.school.id,
            runId: run.id,
            attempt,
            error,
            delayMs,
          }),
      );
      record({
        channel: 'webhook',
        recipient,
        status: res.ok ? 'sent' : 'failed',
        attempts: res.attempts,
        ...(res.ok ? {} : { lastError: res.lastError ?? 'unknown error' }),
      });
    }
  }
  return out;
}
