/**
 * How the directory providers reach a directory. Everything is plain data (it is stored in the Pulumi
 * state, marked secret because of the password) and carries the CA as PEM text, so a provider run on
 * another machine needs no file from this one. Writes go through the project's LDAP client.
 */
import { openDirectoryWriter, type DirectoryWriter } from '../../devices/ldap/client.ts';

export interface DirectoryConnectionInputs {
  kind: 'ad' | 'openldap';
  /** ldaps://host:636, or ldap://host:389 with startTls. */
  url: string;
  startTls?: boolean;
  /** PEM of the CA that signed the directory's certificate. */
  ca?: string;
  servername?: string;
  /** An account allowed to write (the audit's read-only account is not). */
  bindDn: string;
  /** Secret: only ever passed as a Pulumi secret; the connection output is marked secret. */
  password: string;
  baseDn: string;
  timeoutMs?: number;
}

export type Failure = { property: string; reason: string };

export function connectionProblems(c: Partial<DirectoryConnectionInputs> | undefined): Failure[] {
  const out: Failure[] = [];
  if (!c) return [{ property: 'connection', reason: 'a directory connection is required' }];
  if (c.kind !== 'ad' && c.kind !== 'openldap')
    out.push({ property: 'connection.kind', reason: 'must be ad or openldap' });
  if (!/^ldaps?:\/\/[^/]+$/.test(c.url ?? ''))
    out.push({ property: 'connection.url', reason: `not an LDAP URL: ${c.url}` });
  else if (c.url?.startsWith('ldap://') && !c.startTls)
    out.push({
      property: 'connection.startTls',
      reason: 'an ldap:// URL needs startTls: the password must not travel in clear',
    });
  if (!c.bindDn) out.push({ property: 'connection.bindDn', reason: 'required' });
  if (!c.password) out.push({ property: 'connection.password', reason: 'required' });
  if (!c.baseDn) out.push({ property: 'connection.baseDn', reason: 'required' });
  return out;
}

export async function withWriter<T>(
  c: DirectoryConnectionInputs,
  fn: (w: DirectoryWriter) => Promise<T>,
): Promise<T> {
  const w = await openDirectoryWriter({
    name: `directory ${c.url}`,
    url: c.url,
    ...(c.startTls ? { startTls: true } : {}),
    ...(c.ca ? { ca: c.ca } : {}),
    ...(c.servername ? { servername: c.servername } : {}),
    bindDn: c.bindDn,
    password: c.password,
    timeoutMs: c.timeoutMs ?? 15_000,
  });
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}

/** Whether an entry exists (E-NOTFOUND from the base search means no). */
export async function entryExists(w: DirectoryWriter, dn: string): Promise<boolean> {
  try {
    return (await w.search({ base: dn, scope: 'base', attributes: ['1.1'], pageSize: 0 })).length > 0;
  } catch (e) {
    if ((e as { code?: string }).code === 'E-NOTFOUND') return false;
    throw e;
  }
}

export function sameConnection(
  a: DirectoryConnectionInputs | undefined,
  b: DirectoryConnectionInputs,
): boolean {
  return (
    !!a &&
    a.url === b.url &&
    a.kind === b.kind &&
    a.bindDn === b.bindDn &&
    a.password === b.password &&
    a.baseDn === b.baseDn &&
    (a.ca ?? '') === (b.ca ?? '') &&
    (a.servername ?? '') === (b.servername ?? '') &&
    !!a.startTls === !!b.startTls
  );
}
