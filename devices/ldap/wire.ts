/**
 * Our own LDAP session over node:tls for the directory reader: LDAPS, or StartTLS on a plain connection,
 * the certificate always verified by node:tls; a simple bind; searches whose responses are decoded by
 * ./protocol.ts as they arrive; unbind. Writes (providers, the testbed seed) stay with ldapts
 * (./client.ts): they are few and not on a hot path.
 *
 * A paged search asks for the next page as soon as the previous one is complete, so the server prepares
 * page n+1 while the caller maps page n; at most two pages are held. Errors keep what toDeviceError
 * (./errors.ts) reads: a socket error its `code` string, an LDAP result its numeric `code`.
 */
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect, type TLSSocket } from 'node:tls';
import {
  type EntryShape,
  encodeAbandon,
  encodeSearch,
  encodeSimpleBind,
  encodeStartTls,
  encodeUnbind,
  type LdapResult,
  MessageFramer,
  NOTICE_OF_DISCONNECTION_OID,
  type Response,
  ResponseDecoder,
  type SearchParams,
} from './protocol.ts';
import { operationOf, publishOperation } from './observe.ts';
import type { RawEntry } from './values.ts';

/** A non-success LDAP result; `code` is the result code (RFC 4511 section 4.1.9). */
export class LdapResultError extends Error {
  override name = 'LdapResultError';
  readonly code: number;
  readonly matchedDN: string;
  constructor(result: LdapResult, doing: string) {
    super(
      `${doing}: LDAP result ${result.resultCode}${result.diagnosticMessage ? ` (${result.diagnosticMessage})` : ''}`,
    );
    this.code = result.resultCode;
    this.matchedDN = result.matchedDN;
  }
}

export interface WireOptions {
  host: string;
  port: number;
  /** `ldaps`: TLS from the first byte; `starttls`: plain connection upgraded by the extended operation. */
  mode: 'ldaps' | 'starttls';
  /** Passed to tls.connect; verification is never turned off here. */
  tls: ConnectionOptions;
}

interface Handler {
  decoder: ResponseDecoder;
  onResponse(r: Response): void;
  onError(e: Error): void;
}

/** What a paged search does with what arrives (see `LdapWire.paged`). */
interface Sink {
  entry(e: RawEntry, ranged: boolean): void;
  /** A page is complete: true to ask for the next one now. */
  page(): boolean;
}

interface Paging {
  /** Settles when the search is over. */
  done: Promise<void>;
  /** Ask for the next page, held back when `Sink.page` said false. */
  resume(): void;
  /** Stop early: abandon the search (the server's paged state released). */
  stop(): void;
}

const GENERIC = new ResponseDecoder();

/** RFC 4511 adminLimitExceeded. */
const ADMIN_LIMIT_EXCEEDED = 11;

/**
 * The page size a server that refuses a larger one is asked for instead: Active Directory's default
 * MaxPageSize, and what directory tools ask for (ldapsearch's `-E pr=1000`).
 */
const COMMON_PAGE = 1000;

/** Bytes read from the socket at a time for LDAPS (node:tls decrypts into it; it is reused). */
const RECEIVE_BUFFER = 64 * 1024;

/** The messageID of the LDAPMessage at `buf[start]` (tag and length already validated by the framer). */
function peekId(buf: Buffer, start: number): number {
  let p = start + 1;
  const first = buf[p] as number;
  p += first < 0x80 ? 1 : 1 + (first & 0x7f);
  if (buf[p] !== 0x02) return -1;
  const len = buf[p + 1] as number;
  if (len < 1 || len > 4) return -1;
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + (buf[p + 2 + i] as number);
  return v;
}

export class LdapWire {
  /** The device name, for the operations published on the diagnostics channel (./observe.ts). */
  private readonly device: string;
  private socket: Socket | TLSSocket | undefined;
  private framer = new MessageFramer();
  private readonly handlers = new Map<number, Handler>();
  private nextId = 1;
  private closed: Error | undefined;

  constructor(device = 'ldap') {
    this.device = device;
  }

  /** Bytes received on this session (decrypted LDAP), for the benchmark. */
  get bytesReceived(): number {
    return this.framer.bytes;
  }

  async connect(o: WireOptions): Promise<void> {
    if (o.mode === 'ldaps') {
      // node:tls decrypts straight into one reused buffer and calls back (tls.connect's documented
      // `onread`, missing from its type): no Buffer and no stream event per TLS record, and slapd sends
      // each entry in a record of its own.
      const buffer = Buffer.allocUnsafe(RECEIVE_BUFFER);
      const options: ConnectionOptions & { onread: OnReadOpts } = {
        ...o.tls,
        host: o.host,
        port: o.port,
        onread: {
          buffer,
          callback: (n: number) => {
            this.onData(buffer.subarray(0, n));
            return true;
          },
        },
      };
      const s = tlsConnect(options);
      this.attach(s, false);
      await once(s, 'secureConnect');
    } else {
      const plain = netConnect({ host: o.host, port: o.port });
      this.attach(plain);
      await once(plain, 'connect');
      const r = await this.request(encodeStartTls(this.id()), 'starting TLS');
      if (r.kind !== 'result' || r.result.resultCode !== 0)
        throw r.kind === 'result' ? new LdapResultError(r.result, 'starting TLS') : bad('StartTLS', r);
      this.detach(plain);
      const s = tlsConnect({ ...o.tls, socket: plain });
      this.attach(s);
      await once(s, 'secureConnect');
    }
    this.socket?.setNoDelay(true);
  }

  async bind(dn: string, password: string): Promise<void> {
    const r = await this.request(encodeSimpleBind(this.id(), dn, password), `binding as ${dn}`);
    if (r.kind !== 'result' || r.op !== 0x61) throw bad('bind', r);
    if (r.result.resultCode !== 0) throw new LdapResultError(r.result, `binding as ${dn}`);
  }

  /**
   * A paged search (`pageSize` 0: one unpaged search, one page), its entries handed to `sink.entry` as
   * each message is decoded, in the socket's read callback. When a page is complete, `sink.page()` says
   * whether to ask for the next one now; if not, `resume()` does it later. Result references (referrals
   * to other servers) are ignored: the audit reads one directory.
   */
  private paged(
    params: Omit<SearchParams, 'paged'>,
    pageSize: number,
    shape: EntryShape,
    sink: Sink,
  ): Paging {
    const decoder = new ResponseDecoder(shape);
    // The page size asked for; a server that refuses it before sending anything is asked again with
    // the common one (slapd's `limits ... size.pr=N`: adminLimitExceeded, "illegal pagedResults page size").
    let size = pageSize;
    let anything = false;
    let inFlight: number | undefined;
    let nextCookie: Buffer | undefined;
    let settled = false;
    let resolveDone: () => void = () => {};
    let rejectDone: (e: Error) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      if (e) rejectDone(e);
      else resolveDone();
    };
    const send = (cookie: Buffer) => {
      const id = this.id();
      inFlight = id;
      this.handlers.set(id, {
        decoder,
        onResponse: (r) => {
          if (settled) return;
          if (r.kind === 'entry') {
            anything = true;
            try {
              sink.entry(r.entry, r.ranged);
            } catch (e) {
              // The caller's own failure: stop reading, and give it back as it is.
              stop();
              finish(e instanceof Error ? e : new Error(String(e)));
            }
          } else if (r.kind === 'done') {
            this.handlers.delete(id);
            inFlight = undefined;
            if (
              r.result.resultCode === ADMIN_LIMIT_EXCEEDED &&
              !anything &&
              cookie.length === 0 &&
              size > COMMON_PAGE
            ) {
              size = COMMON_PAGE;
              send(cookie);
            } else if (r.result.resultCode !== 0)
              finish(new LdapResultError(r.result, `searching ${params.base}`));
            else if (pageSize > 0 && r.cookie && r.cookie.length > 0) {
              if (sink.page()) send(r.cookie);
              else nextCookie = r.cookie;
            } else {
              sink.page();
              finish();
            }
          }
          // SearchResultReference and intermediate responses: nothing to do.
        },
        onError: (e) => {
          this.handlers.delete(id);
          inFlight = undefined;
          finish(e);
        },
      });
      this.write(encodeSearch(id, { ...params, ...(pageSize > 0 ? { paged: { size, cookie } } : {}) }));
    };
    /** Abandon what is in flight, and release the server's paged state. */
    const stop = () => {
      if (this.closed !== undefined) return;
      if (inFlight !== undefined) {
        this.handlers.delete(inFlight);
        this.write(encodeAbandon(this.id(), inFlight));
        inFlight = undefined;
      }
      if (nextCookie !== undefined) {
        const id = this.id();
        this.handlers.set(id, { decoder, onResponse: () => this.handlers.delete(id), onError: () => {} });
        this.write(encodeSearch(id, { ...params, paged: { size: 0, cookie: nextCookie } }));
        nextCookie = undefined;
      }
    };
    try {
      send(Buffer.alloc(0));
    } catch (e) {
      finish(e instanceof Error ? e : new Error(String(e)));
    }
    return {
      done,
      resume: () => {
        if (nextCookie === undefined || settled) return;
        const c = nextCookie;
        nextCookie = undefined;
        try {
          send(c);
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)));
        }
      },
      stop: () => {
        if (settled) return;
        settled = true;
        stop();
      },
    };
  }

  /**
   * Every entry of a search handed to `each` as it is decoded, while later ones are still arriving: the
   * next page is asked for as soon as one is complete, and nothing is kept here. `onPage` is told when
   * each page is complete (the caller's per-page deadline). Resolves when the search is done; rejects
   * with the first error, including one thrown by `each`.
   */
  stream(
    params: Omit<SearchParams, 'paged'>,
    pageSize: number,
    shape: EntryShape,
    each: (entry: RawEntry, ranged: boolean) => void,
    onPage: () => void = () => {},
  ): { done: Promise<void>; stop: () => void } {
    const p = this.paged(params, pageSize, shape, {
      entry: each,
      page: () => {
        onPage();
        return true;
      },
    });
    return { done: p.done, stop: p.stop };
  }

  /**
   * The entries of a search, a page at a time, for callers that wait on something between pages: the
   * next page is asked for as soon as the previous one is complete, unless two are already waiting.
   */
  async *search(
    params: Omit<SearchParams, 'paged'>,
    pageSize: number,
    shape: EntryShape,
  ): AsyncGenerator<RawEntry[]> {
    const ready: RawEntry[][] = [];
    let entries: RawEntry[] = [];
    let finished = false;
    let error: Error | undefined;
    let wake: (() => void) | undefined;
    const signal = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const p = this.paged(params, pageSize, shape, {
      entry: (e) => entries.push(e),
      page: () => {
        ready.push(entries);
        entries = [];
        signal();
        return ready.length < 2;
      },
    });
    p.done.then(
      () => {
        finished = true;
        signal();
      },
      (e: unknown) => {
        error = e instanceof Error ? e : new Error(String(e));
        signal();
      },
    );
    try {
      for (;;) {
        while (ready.length === 0 && error === undefined && !finished)
          await new Promise<void>((r) => (wake = r));
        const page = ready.shift();
        if (page !== undefined) {
          p.resume();
          yield page;
          continue;
        }
        if (error !== undefined) throw error;
        return;
      }
    } finally {
      // The caller stopped early: abandon what is in flight, and release the server's paged state.
      if (!finished && error === undefined) p.stop();
    }
  }

  /** Unbind and close; never throws. */
  async close(): Promise<void> {
    const s = this.socket;
    if (!s || this.closed) return;
    try {
      this.write(encodeUnbind(this.id()));
      // Wait for the unbind to leave, not for the server: a hung server must not hang the close.
      await new Promise<void>((resolve) => {
        setTimeout(resolve, 1000).unref();
        s.end(resolve);
      });
    } catch {
      // closing anyway
    } finally {
      this.destroy();
    }
  }

  /** Drop the connection now (timeouts). */
  destroy(): void {
    this.fail(new Error('Connection closed by the client'));
    this.socket?.destroy();
  }

  // ---------------------------------------------------------------- plumbing

  private id(): number {
    const id = this.nextId;
    this.nextId = id >= 0x7fffffff ? 1 : id + 1;
    return id;
  }

  private write(b: Buffer): void {
    if (this.closed) throw this.closed;
    publishOperation({ device: this.device, ...operationOf(b) });
    this.socket?.write(b);
  }

  /** One request, one response (bind, StartTLS). */
  private request(msg: Buffer, doing: string): Promise<Response> {
    const id = peekId(msg, 0);
    return new Promise<Response>((resolve, reject) => {
      this.handlers.set(id, {
        decoder: GENERIC,
        onResponse: (r) => {
          this.handlers.delete(id);
          resolve(r);
        },
        onError: (e) => {
          this.handlers.delete(id);
          reject(e);
        },
      });
      try {
        this.write(msg);
      } catch (e) {
        this.handlers.delete(id);
        reject(e instanceof Error ? e : new Error(`${doing}: ${String(e)}`));
      }
    });
  }

  private readonly onData = (chunk: Buffer) => {
    try {
      this.framer.push(chunk, (buf, start, end) => {
        const id = peekId(buf, start);
        const h = this.handlers.get(id);
        const r = (h?.decoder ?? GENERIC).decode(buf, start, end);
        if (h) h.onResponse(r);
        else if (id === 0) {
          // Unsolicited notification: the server is closing the connection.
          const why =
            r.kind === 'result' && r.name === NOTICE_OF_DISCONNECTION_OID
              ? `the server disconnected: ${r.result.diagnosticMessage || `result ${r.result.resultCode}`}`
              : 'unsolicited notification from the server';
          this.fail(Object.assign(new Error(`Connection closed: ${why}`), { code: 'ECONNRESET' }));
          this.socket?.destroy();
        }
        // Anything else answers a request we abandoned.
      });
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.socket?.destroy();
    }
  };

  private readonly onError = (e: Error) => this.fail(e);
  private readonly onClose = () => this.fail(new Error('Connection closed'));

  /** `data`: whether what arrives comes as 'data' events (not when read with `onread`). */
  private attach(s: Socket | TLSSocket, data = true): void {
    this.socket = s;
    if (data) s.on('data', this.onData);
    s.on('error', this.onError);
    s.on('close', this.onClose);
  }

  private detach(s: Socket): void {
    s.off('data', this.onData);
    s.off('error', this.onError);
    s.off('close', this.onClose);
  }

  /** Every pending request fails with `e`; later writes fail too. */
  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    const pending = [...this.handlers.values()];
    this.handlers.clear();
    for (const h of pending) h.onError(e);
  }
}

function once(s: Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ok = () => {
      s.off('error', ko);
      s.off('close', closed);
      resolve();
    };
    const ko = (e: Error) => {
      s.off(event, ok);
      s.off('close', closed);
      reject(e);
    };
    const closed = () => ko(new Error('Connection closed'));
    s.once(event, ok);
    s.once('error', ko);
    s.once('close', closed);
  });
}

function bad(doing: string, r: Response): Error {
  return new Error(
    `unexpected reply to ${doing}: ${r.kind} (operation 0x${('op' in r ? r.op : 0).toString(16)})`,
  );
}
