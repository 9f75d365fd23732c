/**
 * The LDAP client: LDAPS or StartTLS with the certificate verified against a declared CA, paged
 * searches, filters only from ./filter.ts, and every failure a DeviceError.
 *
 * Two faces: `openDirectoryReader` gives search only (what the audit gets: it cannot write even by
 * mistake), `openDirectoryWriter` adds add/modify/rename/delete for the Pulumi providers and the seed.
 * The reader is our own session (./wire.ts, decoding with ./protocol.ts): reading a whole school's
 * directory is the hot path. The writer is ldapts, used through its public API only.
 */
import { isIP } from 'node:net';
import { Attribute, Change, Client } from 'ldapts';
import { DeviceError } from '../errors.ts';
import { toDeviceError } from './errors.ts';
import type { LdapFilter } from './filter.ts';
import { anyEntry } from './filter.ts';
import { type LdapOperation, publishOperation } from './observe.ts';
import { completeRanges, rangedKeys } from './ranges.ts';
import type { RawEntry } from './values.ts';
import { LdapWire } from './wire.ts';

export interface DirectoryConnection {
  /** Name used in errors (the directory's URL or the device name). */
  name: string;
  /** `ldaps://host:636`, or `ldap://host:389` with `startTls`. */
  url: string;
  startTls?: boolean;
  /** PEM text of the CA (or CAs) that signed the server certificate. */
  ca?: string | Buffer;
  /** The name on the server certificate when it differs from the URL's host (Samba: DC1.school.test). */
  servername?: string;
  bindDn: string;
  password: string;
  /** Budget for connecting and for each operation. */
  timeoutMs: number;
}

export type Scope = 'base' | 'one' | 'sub';

export interface SearchRequest {
  base: string;
  scope?: Scope;
  filter?: LdapFilter;
  /** Request only what is needed; operational attributes (pwdAccountLockedTime) must be named. */
  attributes: string[];
  /** Page size for the paged-results control; 0 = no paging (small base-scope reads). */
  pageSize?: number;
  /** Attributes to keep as Buffers (binary syntax). */
  binary?: string[];
}

export interface DirectoryReader {
  readonly name: string;
  /** Another read-only session with the same settings: slapd allows one paged search per connection,
   * so concurrent paged searches each need their own. */
  fork(): Promise<DirectoryReader>;
  /** All entries, read page by page. */
  search(req: SearchRequest): Promise<RawEntry[]>;
  /** Entries one page at a time, for callers that process as they go. */
  pages(req: SearchRequest): AsyncGenerator<RawEntry[]>;
  /**
   * Every entry handed to `each` as it arrives, none kept (the large dumps: an entry is mapped to its
   * fact while the next ones are still on the wire, and dies young). Resolves when all are handed on.
   */
  each(req: SearchRequest, each: (e: RawEntry) => void): Promise<void>;
  close(): Promise<void>;
}

export interface Modification {
  op: 'add' | 'delete' | 'replace';
  attribute: string;
  values: (string | Buffer)[];
}

export interface DirectoryWriter extends DirectoryReader {
  add(dn: string, attributes: Record<string, string | string[] | Buffer | Buffer[]>): Promise<void>;
  modify(dn: string, changes: Modification[]): Promise<void>;
  /** Move or rename: `newDn` is the full new DN. */
  rename(dn: string, newDn: string): Promise<void>;
  remove(dn: string): Promise<void>;
}

const DEFAULT_PAGE = 1000;

function parseUrl(conn: DirectoryConnection): URL {
  let u: URL;
  try {
    u = new URL(conn.url);
  } catch {
    throw new DeviceError('E-CONFIG', conn.name, `not a valid LDAP URL: ${conn.url}`, {
      hint: 'Use ldaps://host:636, or ldap://host:389 with startTls: true.',
    });
  }
  if (u.protocol !== 'ldaps:' && u.protocol !== 'ldap:')
    throw new DeviceError('E-CONFIG', conn.name, `not an LDAP URL: ${conn.url}`, {
      hint: 'Use ldaps://host:636, or ldap://host:389 with startTls: true.',
    });
  // A simple bind over plain LDAP sends the password in clear: never do it.
  if (u.protocol === 'ldap:' && !conn.startTls)
    throw new DeviceError('E-CONFIG', conn.name, `${conn.url} is unencrypted and startTls is off`, {
      hint: 'Use an ldaps:// URL or set startTls: true; the bind password must never cross the network in clear.',
    });
  return u;
}

function hostOf(u: URL): string {
  return u.hostname.replace(/^\[|\]$/g, '');
}

/** TLS options: verification is always on; the CA is the declared one when given, else the system store. */
function tlsOptions(conn: DirectoryConnection, host: string) {
  const opts: { ca?: (string | Buffer)[]; servername?: string; host: string; minVersion: 'TLSv1.2' } = {
    host,
    minVersion: 'TLSv1.2',
  };
  if (conn.ca !== undefined) opts.ca = [conn.ca];
  // SNI must not be an IP address (RFC 6066); the identity check then uses `host`.
  const sni = conn.servername ?? (isIP(host) ? undefined : host);
  if (sni !== undefined) opts.servername = sni;
  return opts;
}

function timedOut(ms: number, device: string, doing: string): DeviceError {
  return new DeviceError('E-TIMEOUT', device, `no answer within ${ms} ms while ${doing}`, {
    hint: 'Check the directory is reachable from the audit host and not overloaded.',
  });
}

/** Reject after `ms` with E-TIMEOUT, calling `onTimeout` (to drop the socket) first. */
function deadline<T>(
  p: Promise<T>,
  ms: number,
  device: string,
  doing: string,
  onTimeout: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(timedOut(ms, device, doing));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The reader: our own wire session. */
class ReaderSession {
  readonly name: string;
  private readonly wire: LdapWire;
  private readonly timeoutMs: number;

  constructor(wire: LdapWire, conn: DirectoryConnection) {
    this.wire = wire;
    this.name = conn.name;
    this.timeoutMs = conn.timeoutMs;
  }

  /** Bytes received so far (the benchmark's wire-size figure). */
  get bytesReceived(): number {
    return this.wire.bytesReceived;
  }

  async run<T>(doing: string, op: () => Promise<T>): Promise<T> {
    try {
      return await deadline(op(), this.timeoutMs, this.name, doing, () => this.wire.destroy());
    } catch (e) {
      throw toDeviceError(e, this.name, doing);
    }
  }

  async *pages(req: SearchRequest): AsyncGenerator<RawEntry[]> {
    const doing = `searching ${req.base}${req.filter ? ` for ${req.filter.text}` : ''}`;
    const it = this.wire.search(
      {
        base: req.base,
        scope: req.scope ?? 'sub',
        filter: (req.filter ?? anyEntry).wire,
        attributes: req.attributes,
      },
      req.pageSize ?? DEFAULT_PAGE,
      { attributes: req.attributes, binary: req.binary ?? [] },
    );
    try {
      for (;;) {
        // Each page gets the full operation budget: a large directory is slow in total, not per page.
        const next = await this.run(doing, () => it.next());
        if (next.done) return;
        const page = next.value;
        for (const e of page)
          if (rangedKeys(e).length > 0)
            await this.run(`${doing}, reading the rest of ${e.dn}`, () =>
              completeRanges(e, (dn, attribute) => this.one(dn, attribute, req.binary ?? [])),
            );
        yield page;
      }
    } finally {
      await it.return(undefined);
    }
  }

  async each(req: SearchRequest, each: (e: RawEntry) => void): Promise<void> {
    const doing = `searching ${req.base}${req.filter ? ` for ${req.filter.text}` : ''}`;
    const binary = req.binary ?? [];
    // Entries with a ranged attribute wait for the search to end, then have the rest read.
    const ranged: RawEntry[] = [];
    let timer: NodeJS.Timeout | undefined;
    let failed: { err: unknown } | undefined;
    let received = 0;
    const s = this.wire.stream(
      {
        base: req.base,
        scope: req.scope ?? 'sub',
        filter: (req.filter ?? anyEntry).wire,
        attributes: req.attributes,
      },
      req.pageSize ?? DEFAULT_PAGE,
      { attributes: req.attributes, binary },
      (e, isRanged) => {
        // An unpaged search is one long page: its budget, like a page's, is per 1000 entries.
        if (++received % 1000 === 0) timer?.refresh();
        if (isRanged) ranged.push(e);
        else
          try {
            each(e);
          } catch (err) {
            failed = { err };
            throw err;
          }
      },
      // Each page gets the full operation budget: a large directory is slow in total, not per page.
      () => timer?.refresh(),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => {
          this.wire.destroy();
          reject(timedOut(this.timeoutMs, this.name, doing));
        }, this.timeoutMs);
        s.done.then(resolve, reject);
      });
    } catch (e) {
      // The caller's own failure comes back as it is; the directory's becomes a DeviceError.
      throw failed !== undefined && e === failed.err ? e : toDeviceError(e, this.name, doing);
    } finally {
      clearTimeout(timer);
      s.stop();
    }
    for (const e of ranged) {
      await this.run(`${doing}, reading the rest of ${e.dn}`, () =>
        completeRanges(e, (dn, attribute) => this.one(dn, attribute, binary)),
      );
      each(e);
    }
  }

  /** One attribute of one entry (the next piece of a ranged attribute). */
  private async one(dn: string, attribute: string, binary: string[]): Promise<RawEntry | undefined> {
    for await (const page of this.wire.search(
      { base: dn, scope: 'base', filter: anyEntry.wire, attributes: [attribute] },
      0,
      { attributes: [], binary },
    ))
      return page[0];
    return undefined;
  }

  async search(req: SearchRequest): Promise<RawEntry[]> {
    const out: RawEntry[] = [];
    for await (const page of this.pages(req)) for (const e of page) out.push(e);
    return out;
  }

  close(): Promise<void> {
    return this.wire.close();
  }
}

/** The writer: ldapts, through its public API. */
class WriterSession {
  readonly name: string;
  private readonly client: Client;

  /** Each operation asked of ldapts, on the diagnostics channel (./observe.ts). */
  private publish(operation: LdapOperation): void {
    publishOperation({ device: this.name, operation });
  }
  private readonly timeoutMs: number;

  constructor(client: Client, conn: DirectoryConnection) {
    this.client = client;
    this.name = conn.name;
    this.timeoutMs = conn.timeoutMs;
  }

  /** Drop the connection without waiting for the server (used on timeouts); ldapts destroys the socket. */
  abort(): void {
    void this.client.unbind().catch(() => undefined);
  }

  async run<T>(doing: string, op: () => Promise<T>): Promise<T> {
    try {
      return await deadline(op(), this.timeoutMs, this.name, doing, () => this.abort());
    } catch (e) {
      throw toDeviceError(e, this.name, doing);
    }
  }

  async *pages(req: SearchRequest): AsyncGenerator<RawEntry[]> {
    const doing = `searching ${req.base}${req.filter ? ` for ${req.filter.text}` : ''}`;
    const pageSize = req.pageSize ?? DEFAULT_PAGE;
    const options = {
      scope: req.scope ?? 'sub',
      filter: (req.filter ?? anyEntry).wire,
      attributes: req.attributes,
      explicitBufferAttributes: req.binary ?? [],
    };
    if (pageSize === 0) {
      this.publish('search');
      const r = await this.run(doing, () => this.client.search(req.base, options));
      yield r.searchEntries as RawEntry[];
      return;
    }
    this.publish('search');
    const it = this.client.searchPaginated(req.base, { ...options, paged: { pageSize } });
    for (;;) {
      // Each page gets the full operation budget: a large directory is slow in total, not per page.
      const next = await this.run(doing, () => it.next());
      if (next.done) return;
      yield next.value.searchEntries as RawEntry[];
    }
  }

  async search(req: SearchRequest): Promise<RawEntry[]> {
    const out: RawEntry[] = [];
    for await (const page of this.pages(req)) out.push(...page);
    return out;
  }

  close(): Promise<void> {
    return this.client.unbind().catch(() => undefined);
  }

  add(dn: string, attributes: Record<string, string | string[] | Buffer | Buffer[]>): Promise<void> {
    const attrs = Object.entries(attributes).map(
      ([type, v]) => new Attribute({ type, values: (Array.isArray(v) ? v : [v]) as string[] | Buffer[] }),
    );
    return this.run(`adding ${dn}`, () => {
      this.publish('add');
      return this.client.add(dn, attrs);
    });
  }

  modify(dn: string, changes: Modification[]): Promise<void> {
    const list = changes.map(
      (c) =>
        new Change({
          operation: c.op,
          modification: new Attribute({ type: c.attribute, values: c.values as string[] | Buffer[] }),
        }),
    );
    return this.run(`modifying ${dn}`, () => {
      this.publish('modify');
      return this.client.modify(dn, list);
    });
  }

  rename(dn: string, newDn: string): Promise<void> {
    return this.run(`moving ${dn} to ${newDn}`, () => {
      this.publish('modifyDN');
      return this.client.modifyDN(dn, newDn);
    });
  }

  remove(dn: string): Promise<void> {
    return this.run(`deleting ${dn}`, () => {
      this.publish('delete');
      return this.client.del(dn);
    });
  }
}

async function connectReader(conn: DirectoryConnection, signal?: AbortSignal): Promise<ReaderSession> {
  const u = parseUrl(conn);
  // A simple bind with an empty password is an anonymous bind that succeeds (RFC 4513 5.1.2): the audit
  // would then read what anonymous may see and report a shorter directory as if it were the whole.
  if (conn.password === '')
    throw new DeviceError('E-CONFIG', conn.name, `the bind password for ${conn.bindDn} is empty`, {
      hint: 'Check the secret reference in directory.bind.password: it resolved to an empty value.',
    });
  const host = hostOf(u);
  const wire = new LdapWire(conn.name);
  const session = new ReaderSession(wire, conn);
  // The caller gave up (its own deadline, or what it waited on beside the connection failed): drop the
  // socket now rather than at the connection's own deadline.
  const abort = () => wire.destroy();
  signal?.throwIfAborted();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await session.run(u.protocol === 'ldap:' ? 'starting TLS' : 'connecting', () =>
      wire.connect({
        host,
        port: Number(u.port || (u.protocol === 'ldaps:' ? 636 : 389)),
        mode: u.protocol === 'ldaps:' ? 'ldaps' : 'starttls',
        tls: tlsOptions(conn, host),
      }),
    );
    await session.run(`binding as ${conn.bindDn}`, () => wire.bind(conn.bindDn, conn.password));
    signal?.throwIfAborted();
  } catch (e) {
    wire.destroy();
    throw signal?.aborted ? signal.reason : e;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  return session;
}

async function connect(conn: DirectoryConnection): Promise<WriterSession> {
  const u = parseUrl(conn);
  const host = hostOf(u);
  const tls = tlsOptions(conn, host);
  // ldapts treats any tlsOptions as "connect with TLS": give them only for ldaps://, and to startTLS otherwise.
  const client = new Client({
    url: `${u.protocol}//${u.host}`,
    timeout: conn.timeoutMs,
    connectTimeout: conn.timeoutMs,
    strictDN: false,
    ...(u.protocol === 'ldaps:' ? { tlsOptions: tls } : {}),
  });
  const session = new WriterSession(client, conn);
  try {
    if (u.protocol === 'ldap:') await session.run('starting TLS', () => client.startTLS(tls));
    await session.run(`binding as ${conn.bindDn}`, () => client.bind(conn.bindDn, conn.password));
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}

/**
 * A read-only session: search and close, nothing else. `signal` abandons connecting and binding (the
 * promise rejects with its reason, the socket dropped); once open, the session is the caller's to close.
 */
export async function openDirectoryReader(
  conn: DirectoryConnection,
  signal?: AbortSignal,
): Promise<DirectoryReader> {
  const s = await connectReader(conn, signal);
  return Object.freeze({
    name: s.name,
    fork: () => openDirectoryReader(conn),
    search: (req: SearchRequest) => s.search(req),
    pages: (req: SearchRequest) => s.pages(req),
    each: (req: SearchRequest, each: (e: RawEntry) => void) => s.each(req, each),
    close: () => s.close(),
  });
}

/** A session that can also write (providers, the testbed seed). */
export async function openDirectoryWriter(conn: DirectoryConnection): Promise<DirectoryWriter> {
  const s = await connect(conn);
  return Object.freeze({
    name: s.name,
    fork: () => openDirectoryReader(conn),
    search: (req: SearchRequest) => s.search(req),
    pages: (req: SearchRequest) => s.pages(req),
    each: async (req: SearchRequest, each: (e: RawEntry) => void) => {
      for await (const page of s.pages(req)) for (const e of page) each(e);
    },
    close: () => s.close(),
    add: (dn: string, a: Record<string, string | string[] | Buffer | Buffer[]>) => s.add(dn, a),
    modify: (dn: string, c: Modification[]) => s.modify(dn, c),
    rename: (dn: string, n: string) => s.rename(dn, n),
    remove: (dn: string) => s.remove(dn),
  });
}
