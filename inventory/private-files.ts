/**
 * Private by default: what the toolkit writes (results store, scheduler records, reports, logs, the
 * testbed's secrets and logs) holds staff and pupil account names or keys, so it is created 0600 in
 * 0700 folders. The CLI sets the process umask once (children, such as the testbed's daemons, inherit
 * it); the stores also set their own modes, for use as a library.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Files 0600, folders 0700, for everything this process (and its children) creates from now on. */
export function privateUmask(): void {
  process.umask(0o077);
}

/** Creates (or tightens) `file` as 0600 inside a 0700-created folder, before a database opens it. */
export function privateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
