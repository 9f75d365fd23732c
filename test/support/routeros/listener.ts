import net from 'node:net';
import tls from 'node:tls';
import { SentenceDecoder, encodeSentence } from '../../../devices/routeros/protocol.ts';
import type {
  CommandHandler,
  CommandResult,
  Exchange,
  Fault,
  FaultRule,
  Request,
  RouterUser,
  SessionInfo,
} from './types.ts';

/**
 * The RouterOS API endpoint of the test server: TCP (api) and TLS (api-ssl) listeners, one session per
 * connection doing what RouterOS does on the wire: the plain login of RouterOS >= 6.43 (a wrong password
 * gets `!trap` then the connection is closed), `.tag` echoed on every reply sentence, `!done` closing every
 * command (after `!trap` too), `!empty` for an empty result when asked to behave like RouterOS >= 7.18,
 * `/cancel` (with or without `=tag=`) and `/quit`. Faults are injected here; commands go to a handler.
 */

export interface ApiListenerOptions {
  host?: string;
  /** Plain api port; 0 or omitted picks a free one. */
  port?: number;
  tls?: { cert: string | Buffer; key: string | Buffer; port?: number };
  handler: CommandHandler;
  users: RouterUser[];
  emptyReplies: boolean;
  faults?: FaultRule[];
  /** Keep every command and its replies in `transcript` (for recording contract fixtures). */
  record?: boolean;
}

export interface ApiListener {
  host: string;
  port: number;
  tlsPort?: number;
  /** Commands and replies, when `record` was set. */
  transcript: Exchange[];
  /** Every /login attempt (user name and outcome; never the password). */
  logins: { user: string; ok: boolean }[];
  /** Adds a fault (null clears the faults for that command, or all of them without one). */
  setFault(fault: Fault | null, opts?: { command?: string; times?: number }): void;
  /** Connections currently open. */
  connections(): number;
  /** Drops every session whose path the router no longer admits (after a change made outside a command). */
  recheck(): void;
  /** Connections refused or dropped because the management path was cut. */
  cut: { session: number; state: 'new' | 'established' }[];
  close(): Promise<void>;
}

/** Bytes no RouterOS stream contains: 0xF8-0xFF are reserved control bytes. */
export const GARBAGE = Buffer.concat([
  Buffer.from([0xf9, 0xfa, 0xfb, 0xfc]),
  Buffer.from('not the RouterOS API'),
]);

interface Context {
  options: ApiListenerOptions;
  faults: FaultRule[];
  transcript: Exchange[];
  logins: { user: string; ok: boolean }[];
  sessions: Map<number, { info: SessionInfo; socket: net.Socket }>;
  cut: { session: number; state: 'new' | 'established' }[];
  nextSession: number;
  /** Tells the handler which sessions are open. */
  publish(): void;
  recheck(): void;
}

export async function serveApi(options: ApiListenerOptions): Promise<ApiListener> {
  const host = options.host ?? '127.0.0.1';
  const ctx: Context = {
    options,
    faults: [...(options.faults ?? [])],
    transcript: [],
    logins: [],
    sessions: new Map(),
    cut: [],
    nextSession: 1,
    publish() {
      options.handler.sessionsChanged?.([...ctx.sessions.values()].map((s) => s.info));
    },
    recheck() {
      for (const [id, s] of ctx.sessions) {
        if (options.handler.admits?.('established', s.info) === false) {
          ctx.cut.push({ session: id, state: 'established' });
          s.socket.destroy();
        }
      }
    },
  };
  const sockets = new Set<net.Socket>();
  const accept = (service: 'api' | 'api-ssl') => (socket: net.Socket) => {
    sockets.add(socket);
    const info: SessionInfo = {
      id: ctx.nextSession++,
      service,
      remote: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`,
      local: socket.localAddress ?? '',
    };
    // A path the router no longer lets through: the SYN never gets an answer that matters; drop at once.
    if (options.handler.admits?.('new', info) === false) {
      ctx.cut.push({ session: info.id, state: 'new' });
      socket.destroy();
      return;
    }
    ctx.sessions.set(info.id, { info, socket });
    ctx.publish();
    socket.once('close', () => {
      sockets.delete(socket);
      ctx.sessions.delete(info.id);
      ctx.publish();
    });
    new Session(socket, ctx, info);
  };
  const plain = net.createServer(accept('api'));
  await listen(plain, options.port ?? 0, host);
  let secure: tls.Server | undefined;
  if (options.tls) {
    secure = tls.createServer({ cert: options.tls.cert, key: options.tls.key }, accept('api-ssl'));
    // A client that rejects our certificate aborts the handshake: expected in the TLS tests, not an error here.
    secure.on('tlsClientError', () => undefined);
    await listen(secure, options.tls.port ?? 0, host);
  }
  const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;
  return {
    host,
    port: portOf(plain),
    ...(secure ? { tlsPort: portOf(secure) } : {}),
    transcript: ctx.transcript,
    logins: ctx.logins,
    setFault(fault, opts = {}) {
      if (fault === null) {
        ctx.faults = opts.command === undefined ? [] : ctx.faults.filter((f) => f.command !== opts.command);
        return;
      }
      ctx.faults.push({ fault, ...opts });
    },
    connections: () => sockets.size,
    recheck: () => ctx.recheck(),
    cut: ctx.cut,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([closeServer(plain), secure ? closeServer(secure) : Promise.resolve()]);
    },
  };
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function takeFault(ctx: Context, command: string): Fault | undefined {
  const rule = ctx.faults.find((f) => f.command === undefined || f.command === command);
  if (rule === undefined) return undefined;
  if (rule.times !== undefined) {
    rule.times -= 1;
    if (rule.times <= 0) ctx.faults.splice(ctx.faults.indexOf(rule), 1);
  }
  return rule.fault;
}

export function parseRequest(words: string[]): Request | { bad: string } {
  const [command = '', ...rest] = words;
  const req: Request = { command, attrs: {}, query: [], words: [command] };
  for (const w of rest) {
    if (w.startsWith('.tag=')) {
      req.tag = w.slice(5);
      continue;
    }
    req.words.push(w);
    if (w.startsWith('=')) {
      const eq = w.indexOf('=', 1);
      if (eq < 0) req.attrs[w.slice(1)] = '';
      else req.attrs[w.slice(1, eq)] = w.slice(eq + 1);
    } else if (w.startsWith('?')) {
      req.query.push(w.slice(1));
    } else {
      return { bad: w };
    }
  }
  return req;
}

export function replySentences(result: CommandResult, emptyReplies: boolean): string[][] {
  switch (result.kind) {
    case 'rows': {
      const out = result.rows.map((row) => ['!re', ...Object.entries(row).map(([k, v]) => `=${k}=${v}`)]);
      if (out.length === 0 && emptyReplies) out.push(['!empty']);
      out.push(['!done']);
      return out;
    }
    case 'done':
      return [result.ret === undefined ? ['!done'] : ['!done', `=ret=${result.ret}`]];
    case 'trap': {
      const words = ['!trap'];
      if (result.category !== undefined) words.push(`=category=${result.category}`);
      words.push(`=message=${result.message}`);
      return [words, ['!done']];
    }
    case 'raw':
      return result.sentences.map((s) => [...s]);
  }
}

class Session {
  private readonly socket: net.Socket;
  private readonly ctx: Context;
  private readonly decoder = new SentenceDecoder();
  private user: RouterUser | undefined;
  /** Commands waiting on a delay fault, by tag: calling the function cancels them. */
  private readonly running = new Map<string, () => void>();
  private untagged = 0;
  private readonly info: SessionInfo;

  constructor(socket: net.Socket, ctx: Context, info: SessionInfo) {
    this.socket = socket;
    this.ctx = ctx;
    this.info = info;
    // One write per reply; without this, Nagle holds each reply behind the previous one's ACK (~40 ms).
    socket.setNoDelay(true);
    // Clients vanish (ECONNRESET) and the TLS tests abort handshakes; neither may take the server down.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      for (const cancel of this.running.values()) cancel();
      this.running.clear();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    let sentences: string[][];
    try {
      sentences = this.decoder.push(chunk);
    } catch {
      // RouterOS drops a connection that sends a broken stream.
      this.socket.destroy();
      return;
    }
    for (const words of sentences) {
      if (this.socket.destroyed) return;
      this.handle(words);
    }
  }

  private handle(words: string[]): void {
    const req = parseRequest(words);
    if ('bad' in req) {
      const tag = words.find((w) => w.startsWith('.tag='))?.slice(5);
      this.send(tag, [['!trap', `=message=unknown parameter ${req.bad}`], ['!done']]);
      return;
    }
    if (!req.command.startsWith('/')) {
      this.send(req.tag, replySentences({ kind: 'trap', message: 'no such command', category: 0 }, false));
      return;
    }
    const fault = takeFault(this.ctx, req.command);
    if (fault === undefined) {
      this.respond(req);
      return;
    }
    switch (fault.kind) {
      case 'delay': {
        const key = req.tag ?? `#untagged-${this.untagged++}`;
        const timer = setTimeout(() => {
          this.running.delete(key);
          if (!this.socket.destroyed) this.respond(req);
        }, fault.ms);
        this.running.set(key, () => {
          clearTimeout(timer);
          this.running.delete(key);
          if (!this.socket.destroyed) {
            this.send(req.tag, replySentences({ kind: 'trap', message: 'interrupted', category: 2 }, false));
          }
        });
        return;
      }
      case 'drop': {
        const bytes = this.encode(req.tag, this.replyFor(req).sentences);
        const part = bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
        this.socket.write(part, () => this.socket.destroy());
        return;
      }
      case 'garbage':
        this.socket.write(GARBAGE);
        return;
      case 'fatal':
        this.socket.end(encodeSentence(['!fatal', fault.message ?? 'session terminated by the test server']));
        return;
      case 'empty':
        this.send(req.tag, [['!empty'], ['!done']]);
        return;
    }
  }

  private respond(req: Request): void {
    const { sentences, close } = this.replyFor(req);
    // The command may have cut the path it came on: the router applied it, the reply never arrives.
    if (this.ctx.options.handler.admits?.('established', this.info) === false) {
      this.ctx.recheck();
      return;
    }
    this.send(req.tag, sentences);
    if (close) this.socket.end();
    this.ctx.recheck();
  }

  private replyFor(req: Request): { sentences: string[][]; close?: boolean } {
    const emptyReplies = this.ctx.options.emptyReplies;
    switch (req.command) {
      case '/login': {
        const user = this.ctx.options.users.find(
          (u) => u.name === req.attrs.name && u.password === req.attrs.password,
        );
        this.ctx.logins.push({ user: req.attrs.name ?? '', ok: user !== undefined });
        if (user === undefined) {
          return {
            sentences: replySentences({ kind: 'trap', message: 'invalid user name or password (6)' }, false),
            close: true,
          };
        }
        this.user = user;
        return { sentences: [['!done']] };
      }
      case '/quit':
        return { sentences: [['!fatal', 'session terminated on request']], close: true };
      case '/cancel': {
        const tag = req.attrs.tag;
        const victims = tag === undefined ? [...this.running.values()] : [this.running.get(tag)];
        for (const cancel of victims) cancel?.();
        return { sentences: [['!done']] };
      }
    }
    if (this.user === undefined) {
      return { sentences: replySentences({ kind: 'trap', message: 'not logged in' }, false) };
    }
    const sentences = replySentences(
      this.ctx.options.handler.execute(req, this.user, this.info),
      emptyReplies,
    );
    if (this.ctx.options.record) this.ctx.transcript.push({ sentence: req.words, replies: sentences });
    return { sentences };
  }

  private encode(tag: string | undefined, sentences: string[][]): Buffer {
    // `.tag` goes last in each sentence, after the attributes.
    return Buffer.concat(
      sentences.map((s) =>
        encodeSentence(tag === undefined || s[0] === '!fatal' ? s : [...s, `.tag=${tag}`]),
      ),
    );
  }

  private send(tag: string | undefined, sentences: string[][]): void {
    if (!this.socket.destroyed) this.socket.write(this.encode(tag, sentences));
  }
}
