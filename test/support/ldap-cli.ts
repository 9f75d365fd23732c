/**
 * OpenLDAP's command-line clients (ldapsearch, ldapmodify from Debian's ldap-utils), for tests that check
 * what our code wrote to a directory with a client we did not write. TLS is verified against the given
 * CA; the password is read from a file (`-y`), never passed on the command line.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export interface LdapCliAccess {
  url: string;
  /** The CA certificate file (PEM). */
  ca: string;
  bindDn: string;
  /** A file holding only the password (no newline). */
  passwordFile: string;
}

export interface LdifEntry {
  dn: string;
  attrs: Record<string, string[]>;
}

function env(a: LdapCliAccess): NodeJS.ProcessEnv {
  return { ...process.env, LDAPTLS_CACERT: a.ca, LDAPTLS_REQCERT: 'demand' };
}

/** Parses `ldapsearch -LLL -o ldif-wrap=no` output (base64 values, `attr:: `, decoded). */
export function parseLdif(text: string): LdifEntry[] {
  const out: LdifEntry[] = [];
  for (const block of text.split(/\n\n+/)) {
    let entry: LdifEntry | undefined;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([^:]+)(::?) ?(.*)$/.exec(line);
      if (!m) throw new Error(`ldapsearch printed a line that is not LDIF: ${JSON.stringify(line)}`);
      const value = m[2] === '::' ? Buffer.from(m[3]!, 'base64').toString('utf8') : m[3]!;
      if (m[1] === 'dn') entry = { dn: value, attrs: {} };
      else if (entry) (entry.attrs[m[1]!] ??= []).push(value);
    }
    if (entry) out.push(entry);
  }
  return out;
}

export function ldapSearch(
  a: LdapCliAccess,
  base: string,
  filter: string,
  attrs: string[],
  scope = 'sub',
): LdifEntry[] {
  // prettier-ignore
  const text = execFileSync('ldapsearch', [
    '-LLL', '-x', '-o', 'ldif-wrap=no', '-H', a.url, '-D', a.bindDn, '-y', a.passwordFile,
    '-s', scope, '-b', base, filter, ...attrs,
  ], { env: env(a), encoding: 'utf8' });
  return parseLdif(text);
}

/** Applies an LDIF change (a change made "by hand", as an administrator would with ldapmodify). */
export function ldapModify(a: LdapCliAccess, ldif: string): void {
  execFileSync('ldapmodify', ['-x', '-H', a.url, '-D', a.bindDn, '-y', a.passwordFile], {
    env: env(a),
    input: ldif,
    encoding: 'utf8',
  });
}

/** A paged `ldapsearch -E pr=<size>/noprompt`: its exit status (the LDAP result code) and what it printed. */
export function ldapSearchPaged(
  a: LdapCliAccess,
  base: string,
  filter: string,
  pageSize: number,
): { status: number | null; stdout: string; stderr: string } {
  // prettier-ignore
  const r = spawnSync('ldapsearch', [
    '-LLL', '-x', '-o', 'ldif-wrap=no', '-H', a.url, '-D', a.bindDn, '-y', a.passwordFile,
    '-b', base, '-E', `pr=${pageSize}/noprompt`, filter, '1.1',
  ], { env: env(a), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
