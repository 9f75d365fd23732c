/** Shapes shared by the RouterOS API test server, its fixtures and the tests that drive it. */

/** A row as RouterOS prints it: property name -> string value (`.id` like `*1A`, booleans `true`/`false`). */
export type Row = Record<string, string>;

/**
 * A router's starting configuration (`test/fixtures/routeros/<name>.json`). `menus` maps a menu path
 * (`/ip/address`) to its rows in print order; singleton menus (`/ip/dns`) hold exactly one row. Rows without
 * `.id` are numbered on load. The RouterOS version is the one `/system/resource` prints.
 */
export interface RouterConfig {
  description?: string;
  /** Deliberate faults, for the humans and tests that rely on them. */
  faults?: { id: string; what: string }[];
  menus: Record<string, Row[]>;
}

export interface RouterUser {
  name: string;
  password: string;
  /**
   * A `/user/group` name: its `policy` decides what the user may do (`read` prints, `write` changes
   * configuration, `policy` changes users and groups). The factory groups are read, write and full.
   */
  group: string;
}

/** How one API session reaches the router (for the management-path model). */
export interface SessionInfo {
  id: number;
  service: 'api' | 'api-ssl';
  /** Client address:port and the router's address:port, as /ip/service connection rows print them. */
  remote: string;
  local: string;
}

/** What can go wrong on purpose. */
export type Fault =
  /** Answer after this many milliseconds (a /cancel ends the wait). */
  | { kind: 'delay'; ms: number }
  /** Send part of the reply, then drop the connection. */
  | { kind: 'drop' }
  /** Send bytes that are not the API instead of a reply; keep the connection open. */
  | { kind: 'garbage' }
  /** Send `!fatal` with this message and close. */
  | { kind: 'fatal'; message?: string }
  /** Answer `!empty` + `!done` whatever the data (RouterOS >= 7.18 for an empty result). */
  | { kind: 'empty' };

export interface FaultRule {
  fault: Fault;
  /** Exact command word (`/ip/address/print`, `/login`); every command when omitted. */
  command?: string;
  /** How many commands it hits before it wears off; forever when omitted. */
  times?: number;
}

/** One write the server received: add, set, remove, move, enable, disable, comment, unset. */
export interface WriteRecord {
  command: string;
  /** Attribute words as given (`.id`, `numbers`, properties). */
  args: Record<string, string>;
  time: string;
  user: string;
  /** False when the router refused it (trap); it is recorded all the same. */
  ok: boolean;
  error?: string;
}

/** The reply to one command, before `.tag` is added. */
export type CommandResult =
  | { kind: 'rows'; rows: Row[] }
  | { kind: 'done'; ret?: string }
  | { kind: 'trap'; message: string; category?: number }
  /** Sentences exactly as recorded (the replay server). */
  | { kind: 'raw'; sentences: string[][] };

/** A parsed request sentence. */
export interface Request {
  command: string;
  /** `=name=value` words, in order (duplicates keep the last). */
  attrs: Record<string, string>;
  /** `?...` words, in order, without the `?`. */
  query: string[];
  tag?: string;
  /** The sentence as received, without `.tag`. */
  words: string[];
}

/** Whatever executes commands for a logged-in session: the in-memory router, or a recording. */
export interface CommandHandler {
  execute(req: Request, user: RouterUser, session?: SessionInfo): CommandResult;
  /**
   * Whether a session's packets still reach the API (`new`: a connection being opened; `established`: one
   * already open). A handler without a management-path model always admits.
   */
  admits?(state: 'new' | 'established', session: SessionInfo): boolean;
  /** Called when sessions open and close, so the router can list them (/ip/service, 7.19+). */
  sessionsChanged?(sessions: readonly SessionInfo[]): void;
}

/** One command and its reply sentences (without `.tag`), as recorded for the contract tests. */
export interface Exchange {
  sentence: string[];
  replies: string[][];
}
