/**
 * A real SMTP server on loopback for delivery tests (the `smtp-server` package): STARTTLS with a
 * certificate from a test CA made here with the openssl CLI, AUTH PLAIN/LOGIN against one user, every
 * accepted message kept raw with its envelope. `parseMessage` reads the MIME parts nodemailer writes
 * (multipart/mixed, quoted-printable text, base64 attachments); mailparser is not a dependency.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { Delivery } from '../../inventory/types.ts';

export interface MailCa {
  dir: string;
  caFile: string;
  ca: string;
  cert: string;
  key: string;
}

let made: MailCa | undefined;

/** A CA and a server certificate for `mail.school.test` and 127.0.0.1. */
export function mailCertificates(): MailCa {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'schoolnet-smtp-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '3650',
    '-subj',
    '/CN=schoolnet mail test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  ssl('req', ...ec, '-subj', '/CN=mail.school.test', '-keyout', 'mail.key', '-out', 'mail.csr');
  writeFileSync(
    join(dir, 'mail.ext'),
    'subjectAltName=DNS:mail.school.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
  );
  ssl(
    'x509',
    '-req',
    '-in',
    'mail.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    'mail.ext',
    '-out',
    'mail.pem',
  );
  made = {
    dir,
    caFile: join(dir, 'ca.pem'),
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'mail.pem'), 'utf8'),
    key: readFileSync(join(dir, 'mail.key'), 'utf8'),
  };
  return made;
}

export interface Received {
  from: string;
  to: string[];
  user?: string;
  /** Whether the session had upgraded to TLS when the message came. */
  secure: boolean;
  raw: string;
}

export interface TestSmtp {
  port: number;
  user: string;
  password: string;
  messages: Received[];
  authFailures: number;
  close(): Promise<void>;
}

type EmailDelivery = NonNullable<Delivery['email']>;

/**
 * A school's SMTP settings for this server: STARTTLS on loopback, AUTH as its user, the password read
 * from SNTEST_SMTP_PASSWORD (the test sets it to the server's password in the env it audits with).
 */
export function smtpSettings(
  smtp: TestSmtp,
  over: Partial<EmailDelivery['smtp']> = {},
): EmailDelivery['smtp'] {
  return {
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    user: smtp.user,
    password: 'env:SNTEST_SMTP_PASSWORD',
    from: 'reports@provider.example.org',
    ...over,
  };
}

/** A school's email delivery through this server: always, to `to` (roles or addresses), no PDF. */
export function emailDelivery(smtp: TestSmtp, to: string[], over: Partial<EmailDelivery> = {}): Delivery {
  return {
    email: {
      to,
      when: 'always',
      smtp: smtpSettings(smtp),
      attachPdf: false,
      includeTechnicalDetail: false,
      ...over,
    },
  };
}

export async function startSmtp(
  opts: {
    user?: string;
    password?: string;
    /**
     * Holds the reply to DATA until this resolves (a slow server). A message whose client hung up
     * meanwhile is never accepted, so it is not in `messages`: as a real server would drop it.
     */
    holdData?: () => Promise<void>;
  } = {},
): Promise<TestSmtp> {
  const certs = mailCertificates();
  const user = opts.user ?? 'schoolnet-reports';
  const password = opts.password ?? 'mail-test-password';
  const state = { messages: [] as Received[], authFailures: 0 };
  const closed = new Set<string>();
  const server = new SMTPServer({
    secure: false,
    key: certs.key,
    cert: certs.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    // A test server on loopback: this only stops smtp-server refusing AUTH before STARTTLS on its
    // own; the client under test must still upgrade (it sets requireTLS), which `secure` records.
    allowInsecureAuth: false,
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user: auth.username });
      else {
        state.authFailures++;
        cb(new Error('Invalid username or password'));
      }
    },
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (opts.holdData !== undefined) await opts.holdData();
        if (closed.has(session.id)) {
          cb(new Error('client went away before the message was accepted'));
          return;
        }
        const from = session.envelope.mailFrom;
        state.messages.push({
          from: from === false ? '' : from.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    user,
    password,
    get messages() {
      return state.messages;
    },
    get authFailures() {
      return state.authFailures;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
}

export interface ParsedMessage {
  headers: Record<string, string>;
  subject: string;
  text: string;
  parts: MimePart[];
}

function splitHead(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

function decode(body: string, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (enc === 'quoted-printable') {
    const soft = body.replace(/=\r\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      const m = /^=([0-9A-F]{2})/.exec(soft.slice(i, i + 3));
      if (m?.[1] !== undefined) {
        bytes.push(parseInt(m[1], 16));
        i += 2;
      } else bytes.push(soft.charCodeAt(i));
    }
    return Buffer.from(bytes);
  }
  return Buffer.from(body, 'utf8');
}

/** RFC 2047 encoded words (nodemailer encodes a non-ASCII subject). */
function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, kind: string, text: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decode(text.replace(/_/g, ' '), 'quoted-printable').toString('utf8'),
  );
}

export function parseMessage(raw: string): ParsedMessage {
  const { headers, body } = splitHead(raw);
  const parts: MimePart[] = [];
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  if (boundary === undefined)
    parts.push({ headers, body: decode(body, headers['content-transfer-encoding']) });
  else
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const p = splitHead(chunk.replace(/^\r\n/, ''));
      parts.push({
        headers: p.headers,
        body: decode(p.body.replace(/\r\n$/, ''), p.headers['content-transfer-encoding']),
      });
    }
  const textPart = parts.find((p) => (p.headers['content-type'] ?? 'text/plain').startsWith('text/plain'));
  return {
    headers,
    subject: decodeWords(headers.subject ?? ''),
    text: textPart?.body.toString('utf8').replace(/\r\n/g, '\n') ?? '',
    parts,
  };
}
