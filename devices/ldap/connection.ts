/**
 * From the declaration's `directory` block to connection settings: the bind password through the secret
 * resolver, the CA from a file (relative paths resolve against the declaration's folder, as secrets do)
 * or inline PEM.
 */
import type { Directory } from '../../inventory/types.ts';
import { DeviceError } from '../errors.ts';
import type { DirectoryConnection } from './client.ts';

export function directoryName(dir: Pick<Directory, 'url'>): string {
  return `directory ${dir.url}`;
}

export async function directoryConnection(
  dir: Directory,
  resolveSecret: (ref: string) => Promise<string>,
  timeoutMs: number,
): Promise<DirectoryConnection> {
  const name = directoryName(dir);
  let password: string;
  try {
    password = await resolveSecret(dir.bind.password);
  } catch (e) {
    throw new DeviceError('E-SECRET', name, `cannot resolve directory.bind.password (${dir.bind.password})`, {
      hint: 'Set the environment variable or create the file the reference names.',
      cause: e,
    });
  }
  let ca: string | undefined;
  const caRef = dir.tls?.ca;
  if (caRef !== undefined) {
    if (caRef.includes('-----BEGIN')) ca = caRef;
    else {
      // The secret resolver already knows how to read a file relative to the declaration's folder.
      const ref = caRef.startsWith('file:') ? caRef : `file:${caRef}`;
      try {
        ca = await resolveSecret(ref);
      } catch (e) {
        throw new DeviceError('E-CONFIG', name, `cannot read the directory CA certificate ${caRef}`, {
          hint: 'directory.tls.ca is a PEM file path (relative to the declaration) or inline PEM.',
          cause: e,
        });
      }
    }
  }
  const conn: DirectoryConnection = { name, url: dir.url, bindDn: dir.bind.dn, password, timeoutMs };
  if (dir.startTls) conn.startTls = true;
  if (ca !== undefined) conn.ca = ca;
  if (dir.tls?.servername) conn.servername = dir.tls.servername;
  return conn;
}
