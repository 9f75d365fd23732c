/**
 * Sends a school's report by email through its declared SMTP server with nodemailer: TLS with verified
 * certificates (implicit TLS when `secure`, otherwise STARTTLS, always required unless the declaration
 * names an insecure local relay, which is never sent a password),
 * the password from a secret reference, one message to every resolved recipient.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { resolveSecret } from '../../inventory/secrets.ts';
import type { Delivery, LoadedSchool } from '../../inventory/types.ts';

export type EmailDelivery = NonNullable<Delivery['email']>;

export class RecipientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipientError';
  }
}

/** `to` entries are contact roles (`head`, `dsl`, `provider`...) from `school.contacts`, or addresses. */
export function resolveRecipients(loaded: LoadedSchool, to: readonly string[]): string[] {
  const contacts = loaded.decl.school.contacts ?? [];
  const out: string[] = [];
  for (const t of to) {
    if (t.includes('@')) out.push(t);
    else {
      const matches = contacts.filter((c) => c.role === t).map((c) => c.email);
      if (matches.length === 0)
        throw new RecipientError(
          `${loaded.file}: delivery.email.to names the role "${t}" but school.contacts has no contact with that role`,
        );
      out.push(...matches);
    }
  }
  return [...new Set(out)];
}

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface SmtpTlsOptions {
  /** Extra CA certificates (PEM text or a file path) to trust for the SMTP server, e.g. a provider's own CA. */
  ca?: string;
  /** Name to verify the server certificate against when it differs from `host`. */
  servername?: string;
}

export interface SendResult {
  accepted: string[];
  rejected: string[];
  messageId: string;
}

const pem = (ca: string): string => (ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8'));

export async function sendMail(
  smtp: EmailDelivery['smtp'],
  msg: MailMessage,
  opts: { baseDir: string; env?: NodeJS.ProcessEnv; tls?: SmtpTlsOptions; timeoutMs?: number },
): Promise<SendResult> {
  if (smtp.insecure === true && smtp.password !== undefined)
    throw new Error(
      `no password may be sent to ${smtp.host}:${smtp.port}, declared an insecure (no TLS) relay`,
    );
  const password =
    smtp.password === undefined ? undefined : await resolveSecret(smtp.password, opts.baseDir, opts.env);
  const timeout = opts.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    // Reports hold account names and findings: without implicit TLS, STARTTLS is required, always,
    // unless the declaration names an insecure local relay (which is never sent a password).
    requireTLS: !smtp.secure && smtp.insecure !== true,
    ...(smtp.user !== undefined && password !== undefined
      ? { auth: { user: smtp.user, pass: password } }
      : {}),
    tls: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(opts.tls?.ca === undefined ? {} : { ca: pem(opts.tls.ca) }),
      ...(opts.tls?.servername === undefined ? {} : { servername: opts.tls.servername }),
    },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    const info = await transport.sendMail({
      from: smtp.from,
      to: msg.to,
      subject: msg.subject,
      text: msg.text,
      ...(msg.attachments === undefined ? {} : { attachments: msg.attachments }),
    });
    const addr = (a: unknown): string =>
      typeof a === 'string' ? a : ((a as { address?: string }).address ?? '');
    return {
      accepted: (info.accepted as unknown[]).map(addr),
      rejected: (info.rejected as unknown[]).map(addr),
      messageId: info.messageId,
    };
  } finally {
    transport.close();
  }
}
