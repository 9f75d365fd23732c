/**
 * The RouterOS API client used by the audits (read) and the Pulumi providers (write): node-routeros 1.6.9
 * for connecting, logging in (the plain >= 6.43 login), encoding words and matching replies to commands by
 * `.tag` (its Channel), with per-instance repairs for what it gets wrong (see receiver.ts for the parser):
 *  - its parser is swapped for SentenceReceiver on this connection only (no global monkey-patching);
 *  - a pinned certificate is checked before node-routeros can write the login (it sends the password the
 *    moment the TLS handshake ends);
 *  - every socket and library 'error' has a listener, so none can crash the process;
 *  - its promises never settle when the connection drops, on `!fatal`, or on a silent router: every call
 *    here has its own timeout and is rejected when the connection ends;
 *  - a `!trap`'s category is kept (its Channel rejects with the message only).
 * Every failure is a DeviceError with a stable code.
 */
import type { Socket } from 'node:net';
import type { TLSSocket, TlsOptions } from 'node:tls';
import { Channel, RosException, RouterOSAPI, type Connector } from 'node-routeros';
import type { DeviceError } from '../errors.ts';
import { deviceError, socketErrorCode } from './failures.ts';
import { SentenceReceiver, type ReceiverFailure } from './receiver.ts';
import {
  normaliseFingerprint,
  peerFingerprint,
  tlsConnectionOptions,
  type RouterOsTlsOptions,
} from './tls.ts';

export type { RouterOsTlsOptions } from './tls.ts';

export interface RouterOsConnectOptions {
  /** Device name, used in every error message. */
  device: string;
  host: string;
  /** Defaults to 8728, or 8729 with TLS; always passed explicitly to node-routeros. */
  port?: number;
  user: string;
  password: string;
  /** api-ssl. Omit (or false) for the plain api service. */
  tls?: RouterOsTlsOptions | false;
  /** TCP connect + TLS handshake + login. Default 10 s. */
  connectTimeoutMs?: number;
  /** Default for each command. Default 10 s. */
  commandTimeoutMs?: number;
}

/** A row as RouterOS prints it: every value is a string (`true`/`false` for booleans). */
export type RouterOsRow = Record<string, string>;
export type RouterOsValue = string | number | boolean | readonly string[];
export type RouterOsProps = Readonly<Record<string, RouterOsValue>>;

export interface PrintOptions {
  /** `.proplist`: only these properties are sent back (ask for `.id` explicitly if you need it). */
  proplist?: readonly string[];
  /**
   * Query. An object means "every key equals its value" (`?key=value`, ANDed); an array is raw query
   * words (`?type=vlan`, `?-comment`, `?#|`...) for anything else.
   */
  where?: Readonly<Record<string, string | number | boolean>> | readonly string[];
  timeoutMs?: number;
}

interface CallOptions {
  timeoutMs?: number;
}

// node-routeros internals reached on purpose; the version is pinned in package.json.
interface ApiInternals {
  connector: Connector;
}
interface ConnectorInternals {
  socket: Socket | TLSSocket;
  receiver: unknown;
  write(data: string[]): Connector;
}

const MENU = /^(\/[a-z0-9][a-z0-9-]*)+$/;
const PROP = /^[a-z0-9.][a-z0-9.-]*$/i;
// node-routeros closes connections idle longer than this (socket.setTimeout); our own timeouts are shorter.
const IDLE_SECONDS = 600;

export async function connectRouterOs(options: RouterOsConnectOptions): Promise<RouterOsClient> {
  const client = new RouterOsClient(options);
  await client.open();
  return client;
}

export class RouterOsClient {
  readonly device: string;
  private readonly options: RouterOsConnectOptions;
  private api: RouterOSAPI | undefined;
  private socket: Socket | TLSSocket | undefined;
  private failure: DeviceError | undefined;
  private rejectOpen: ((e: DeviceError) => void) | undefined;
  private openTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<(e: DeviceError) => void>();
  private closing = false;

  /** Use connectRouterOs(). */
  constructor(options: RouterOsConnectOptions) {
    this.options = options;
    this.device = options.device;
  }

  /** True once the connection has ended (closed by us, the router, or a failure). */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** @internal connectRouterOs calls this once. */
  open(): Promise<void> {
    const o = this.options;
    const tls = o.tls || undefined;
    const port = o.port ?? (tls ? 8729 : 8728);
    const pin = tls?.fingerprint === undefined ? undefined : normaliseFingerprint(tls.fingerprint);
    if (pin === null) {
      return Promise.reject(
        deviceError('E-CONFIG', this.device, `tls.fingerprint is not a SHA-256 fingerprint (64 hex digits)`),
      );
    }
    const api = new RouterOSAPI({
      host: o.host,
      port,
      user: o.user,
      password: o.password,
      timeout: IDLE_SECONDS,
      keepalive: false,
      // Typed as server TlsOptions by node-routeros, but handed to tls.connect as ConnectionOptions.
      ...(tls ? { tls: tlsConnectionOptions(tls) as TlsOptions } : {}),
    });
    this.api = api;
    const where = `${o.host}:${port}${tls ? ' (api-ssl)' : ''}`;
    // After login node-routeros re-emits socket errors and idle timeouts here; without a listener they throw.
    api.on('error', (e: unknown) => this.lost(this.fromLibraryError(e, where)));

    return new Promise<void>((resolve, reject) => {
      this.rejectOpen = reject;
      const timer = setTimeout(() => {
        this.lost(
          deviceError('E-TIMEOUT', this.device, `no answer from ${where} within ${this.connectTimeout} ms`),
        );
      }, this.connectTimeout);
      this.openTimer = timer;
      let login: Promise<unknown>;
      try {
        login = api.connect(); // creates the socket synchronously; no I/O has happened yet
      } catch (e) {
        clearTimeout(timer);
        reject(
          deviceError('E-PROTOCOL', this.device, `cannot start a connection: ${String(e)}`, { cause: e }),
        );
        return;
      }
      const connector = (api as unknown as ApiInternals).connector as unknown as ConnectorInternals;
      const socket = connector.socket;
      this.socket = socket;
      connector.receiver = new SentenceReceiver((f) => this.lost(this.fromReceiver(f, where)));
      // node-routeros writes each word separately; with Nagle's algorithm and delayed ACKs every command
      // then waits ~40 ms. Send each sentence as one write, at once.
      socket.setNoDelay(true);
      const write = connector.write.bind(connector);
      connector.write = (data: string[]): Connector => {
        socket.cork();
        try {
          return write(data);
        } finally {
          socket.uncork();
        }
      };
      let secured = false;
      // First in line, so the raw error (with its code) is seen before node-routeros wraps it and drops the code.
      socket.prependListener('error', (e: NodeJS.ErrnoException) => {
        const code = !secured && tls && e.code === 'ECONNRESET' ? 'E-TLS' : socketErrorCode(e);
        this.lost(deviceError(code, this.device, `${where}: ${e.message}`, { cause: e }));
      });
      socket.once('close', () => {
        const during = tls && !secured ? ' during the TLS handshake' : '';
        this.lost(
          deviceError(
            tls && !secured ? 'E-TLS' : 'E-CLOSED',
            this.device,
            `${where} closed the connection${during}`,
          ),
        );
      });
      if (tls) {
        socket.once('secureConnect', () => (secured = true));
        if (pin !== undefined) this.guardWithPin(socket as TLSSocket, pin, where);
      }
      login.then(
        () => {
          clearTimeout(timer);
          this.rejectOpen = undefined;
          if (this.failure) reject(this.failure);
          else resolve();
        },
        (e: unknown) => {
          clearTimeout(timer);
          this.rejectOpen = undefined;
          const auth = authFailure(e);
          const err = auth
            ? deviceError('E-AUTH', this.device, `${where} refused the login for user ${o.user}: ${auth}`)
            : (this.failure ?? this.fromLibraryError(e, where));
          this.lost(err);
          reject(err);
        },
      );
    });
  }

  /** `<menu>/print`, e.g. print('/ip/address', { proplist: ['address', 'interface'], where: { disabled: false } }). */
  async print(menu: string, opts: PrintOptions = {}): Promise<RouterOsRow[]> {
    checkMenu(menu, this.device);
    const words = [`${menu}/print`];
    if (opts.proplist !== undefined) words.push(`=.proplist=${opts.proplist.join(',')}`);
    words.push(...queryWords(opts.where, this.device));
    return this.run(words, opts);
  }

  /** `<menu>/add`; returns the new item's `.id` (RouterOS's `=ret=`), or '' if the router sent none. */
  async add(menu: string, props: RouterOsProps, opts: CallOptions = {}): Promise<string> {
    checkMenu(menu, this.device);
    const rows = await this.run([`${menu}/add`, ...attributeWords(props, this.device)], opts);
    return rows.find((r) => r.ret !== undefined)?.ret ?? '';
  }

  /** `<menu>/set`. `id` is the item's `.id` (or name); undefined for singleton menus such as /ip/dns or /snmp. */
  async set(
    menu: string,
    id: string | undefined,
    props: RouterOsProps,
    opts: CallOptions = {},
  ): Promise<void> {
    checkMenu(menu, this.device);
    const words = [`${menu}/set`];
    if (id !== undefined) words.push(`=.id=${id}`);
    await this.run([...words, ...attributeWords(props, this.device)], opts);
  }

  async remove(menu: string, ids: string | readonly string[], opts: CallOptions = {}): Promise<void> {
    checkMenu(menu, this.device);
    await this.run([`${menu}/remove`, `=.id=${list(ids)}`], opts);
  }

  /** Moves items so they sit just before `before`; to the end of the list when it is omitted. */
  async move(
    menu: string,
    ids: string | readonly string[],
    before?: string,
    opts: CallOptions = {},
  ): Promise<void> {
    checkMenu(menu, this.device);
    const words = [`${menu}/move`, `=numbers=${list(ids)}`];
    if (before !== undefined) words.push(`=destination=${before}`);
    await this.run(words, opts);
  }

  /** Any other command (enable, disable, unset, comment...): `/ip/firewall/filter/disable` with attributes. */
  async command(path: string, props: RouterOsProps = {}, opts: CallOptions = {}): Promise<RouterOsRow[]> {
    checkMenu(path, this.device);
    return this.run([path, ...attributeWords(props, this.device)], opts);
  }

  /** Ends the session. Never throws; safe to call twice. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.closing = true;
    this.lost(deviceError('E-CLOSED', this.device, 'the connection was closed by schoolnet'));
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        socket.destroy();
        done();
      }, 500);
      socket.once('close', done);
      socket.end();
    });
  }

  private get connectTimeout(): number {
    return this.options.connectTimeoutMs ?? 10_000;
  }

  private run(words: string[], opts: CallOptions): Promise<RouterOsRow[]> {
    if (this.failure) return Promise.reject(this.failure);
    const api = this.api;
    if (!api) return Promise.reject(deviceError('E-CLOSED', this.device, 'not connected'));
    const connector = (api as unknown as ApiInternals).connector;
    const command = words[0] as string;
    const timeoutMs = opts.timeoutMs ?? this.options.commandTimeoutMs ?? 10_000;
    const channel = new Channel(connector);
    let trap: Record<string, string> | undefined;
    // Channel rejects with the message alone; the trap's attributes (category) are read here.
    channel.on('trap', (data: Record<string, string>) => {
      trap ??= data;
    });
    return new Promise<RouterOsRow[]>((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(onLost);
        return true;
      };
      const onLost = (e: DeviceError): void => {
        if (finish()) reject(e);
      };
      this.pending.add(onLost);
      const timer = setTimeout(() => {
        if (!finish()) return;
        this.cancel(channel.Id, connector);
        reject(
          deviceError('E-TIMEOUT', this.device, `${command}: no reply within ${timeoutMs} ms`, {
            detail: { command },
          }),
        );
      }, timeoutMs);
      channel.write([...words]).then(
        (rows) => {
          if (finish()) resolve(rows.map(toRow));
        },
        (e: unknown) => {
          if (!finish()) return;
          const message = trap?.message ?? (e instanceof Error ? e.message : String(e));
          const detail: Record<string, string | number> = { command, message };
          const category = trap?.category;
          if (category !== undefined) detail.category = /^\d+$/.test(category) ? Number(category) : category;
          reject(
            deviceError('E-TRAP', this.device, `${command}: ${message}`, { detail, hint: trapHint(message) }),
          );
        },
      );
    });
  }

  /** Tells the router to stop a command we gave up on; its late replies are ignored by the receiver. */
  private cancel(tag: string, connector: Connector): void {
    connector.stopRead(tag);
    if (this.failure) return;
    const channel = new Channel(connector);
    channel.on('trap', () => undefined);
    channel.write(['/cancel', `=tag=${tag}`]).catch(() => undefined);
  }

  private lost(err: DeviceError): void {
    if (this.failure) return;
    this.failure = err;
    // A pending connect timer would keep the process alive after a failure it can no longer report.
    clearTimeout(this.openTimer);
    const rejectOpen = this.rejectOpen;
    this.rejectOpen = undefined;
    rejectOpen?.(err);
    for (const reject of [...this.pending]) reject(err);
    this.pending.clear();
    if (!this.closing) this.socket?.destroy();
  }

  private guardWithPin(socket: TLSSocket, pin: string, where: string): void {
    // node-routeros logs in from its secureConnect listener; hold those listeners until the pin matches,
    // so the password never reaches a peer with the wrong certificate.
    const held = socket.rawListeners('secureConnect') as ((this: TLSSocket) => void)[];
    socket.removeAllListeners('secureConnect');
    socket.once('secureConnect', () => {
      const seen = peerFingerprint(socket);
      if (seen !== pin) {
        this.lost(
          deviceError(
            'E-TLS',
            this.device,
            `${where}: certificate fingerprint ${seen ?? '(none)'} does not match the pinned ${pin}`,
            {
              detail: { expected: pin, seen: seen ?? '' },
            },
          ),
        );
        return;
      }
      for (const listener of held) listener.call(socket);
    });
  }

  private fromReceiver(f: ReceiverFailure, where: string): DeviceError {
    return f.kind === 'fatal'
      ? deviceError('E-FATAL', this.device, `${where} ended the session: ${f.message}`, {
          detail: { message: f.message },
        })
      : deviceError(
          'E-PROTOCOL',
          this.device,
          `${where} sent something that is not the RouterOS API: ${f.message}`,
        );
  }

  private fromLibraryError(e: unknown, where: string): DeviceError {
    if (e instanceof RosException && e.errno === 'SOCKTMOUT') {
      return deviceError('E-TIMEOUT', this.device, `${where}: connection idle too long`, { cause: e });
    }
    const message = e instanceof Error && e.message !== '' ? e.message : String(e);
    return deviceError('E-CLOSED', this.device, `${where}: ${message}`, { cause: e });
  }
}

function authFailure(e: unknown): string | undefined {
  if (e instanceof RosException && e.errno === 'CANTLOGIN') return 'invalid user name or password';
  const message = e instanceof Error ? e.message : '';
  return /invalid user name or password|cannot log in|not enough permissions/i.test(message)
    ? message
    : undefined;
}

function trapHint(message: string): string | undefined {
  if (/no such command/.test(message)) return 'This RouterOS version or its packages lack that menu.';
  if (/not enough permissions/.test(message)) return "The RouterOS user's group lacks the policy this needs.";
  return undefined;
}

function toRow(raw: Record<string, unknown>): RouterOsRow {
  const row: RouterOsRow = {};
  for (const [k, v] of Object.entries(raw)) row[k] = String(v);
  return row;
}

function list(ids: string | readonly string[]): string {
  return typeof ids === 'string' ? ids : ids.join(',');
}

function checkMenu(menu: string, device: string): void {
  if (!MENU.test(menu))
    throw deviceError('E-CONFIG', device, `not a RouterOS menu path: ${JSON.stringify(menu)}`);
}

function value(v: RouterOsValue): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return v.join(',');
}

function attributeWords(props: RouterOsProps, device: string): string[] {
  return Object.entries(props).map(([k, v]) => {
    if (!PROP.test(k))
      throw deviceError('E-CONFIG', device, `not a RouterOS property name: ${JSON.stringify(k)}`);
    return `=${k}=${value(v)}`;
  });
}

function queryWords(where: PrintOptions['where'], device: string): string[] {
  if (where === undefined) return [];
  if (Array.isArray(where)) {
    const words = where as readonly string[];
    for (const w of words) {
      if (!w.startsWith('?'))
        throw deviceError('E-CONFIG', device, `query words start with "?": ${JSON.stringify(w)}`);
    }
    return [...words];
  }
  return Object.entries(where as Record<string, string | number | boolean>).map(([k, v]) => {
    if (!PROP.test(k))
      throw deviceError('E-CONFIG', device, `not a RouterOS property name: ${JSON.stringify(k)}`);
    return `?${k}=${String(v)}`;
  });
}
