/**
 * The LDAP client against the testbed's Samba AD DC and slapd: LDAPS and StartTLS with the certificate
 * verified, every failure a typed DeviceError (untrusted certificate, wrong name, wrong password,
 * nothing listening, a server that never answers, an unencrypted URL), the audit's session able to
 * search only, and filters that cannot be widened by what is in a value.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import fc from 'fast-check';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError } from '../devices/errors.ts';
import {
  type DirectoryConnection,
  type DirectoryWriter,
  openDirectoryReader,
  openDirectoryWriter,
} from '../devices/ldap/client.ts';
import { childDn } from '../devices/ldap/dn.ts';
import { and, eq, present } from '../devices/ldap/filter.ts';
import { text } from '../devices/ldap/values.ts';
import { testbedDirectories, type TestbedDirectory } from '../scripts/testbed/seed-directory.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const dirs = await testbedDirectories(tb, 5000);
function need(d: TestbedDirectory | undefined, what: string): TestbedDirectory {
  if (!d) throw new Error(`testbed ${what} is not running: not started`);
  return d;
}
const ad = need(dirs.ad, 'samba');
const ldap = need(dirs.openldap, 'openldap');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeviceError) return e.code;
    throw e;
  }
  throw new Error('expected a DeviceError, but the call succeeded');
}

async function whoAmI(conn: DirectoryConnection, base: string): Promise<number> {
  const r = await openDirectoryReader(conn);
  try {
    return (await r.search({ base, scope: 'base', attributes: ['1.1'], pageSize: 0 })).length;
  } finally {
    await r.close();
  }
}

/** A CA nobody trusts, made for this run. */
let otherCa: string;
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'schoolnet-ldap-'));
  // prettier-ignore
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '1', '-subj', '/CN=Untrusted Test CA', '-keyout', join(scratch, 'key.pem'), '-out', join(scratch, 'ca.pem')], { stdio: 'ignore' });
  otherCa = readFileSync(join(scratch, 'ca.pem'), 'utf8');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  ['Samba AD', ad],
  ['slapd', ldap],
])('%s', (_name, d) => {
  it('binds over LDAPS with the CA verified, and reads the base entry', async () => {
    expect(await whoAmI(d.auditor, d.baseDn)).toBe(1);
  });

  it('binds over StartTLS with the CA verified', async () => {
    expect(d.auditorStartTls.url.startsWith('ldap://')).toBe(true);
    expect(await whoAmI(d.auditorStartTls, d.baseDn)).toBe(1);
  });

  it('refuses a certificate signed by a CA it was not given (E-TLS), over LDAPS and StartTLS', async () => {
    expect(await codeOf(whoAmI({ ...d.auditor, ca: otherCa }, d.baseDn))).toBe('E-TLS');
    expect(await codeOf(whoAmI({ ...d.auditorStartTls, ca: otherCa }, d.baseDn))).toBe('E-TLS');
    // No CA declared: the system store does not know the testbed's CA either.
    const { ca: _ca, ...withoutCa } = d.auditor;
    expect(await codeOf(whoAmI(withoutCa, d.baseDn))).toBe('E-TLS');
  });

  it('refuses a certificate for another name (E-TLS)', async () => {
    expect(await codeOf(whoAmI({ ...d.auditor, servername: 'intruder.school.test' }, d.baseDn))).toBe(
      'E-TLS',
    );
  });

  it('the refusal is about trust: the same port does complete a handshake when verification is off', async () => {
    const u = new URL(d.auditor.url);
    const cipher = await new Promise<string>((resolve, reject) => {
      // Verification deliberately off, in this test only: it shows the port really speaks TLS, so the
      // E-TLS above comes from the untrusted certificate and nothing else.
      const s = tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
        resolve(s.getCipher().name);
        s.destroy();
      });
      s.on('error', reject);
    });
    expect(cipher).not.toBe('');
  });

  it('refuses an empty password before connecting (it would be an anonymous bind) as E-CONFIG', async () => {
    expect(await codeOf(whoAmI({ ...d.auditor, password: '' }, d.baseDn))).toBe('E-CONFIG');
  });

  it('reports a wrong password as E-AUTH', async () => {
    expect(await codeOf(whoAmI({ ...d.auditor, password: 'wrong-password-1A' }, d.baseDn))).toBe('E-AUTH');
  });

  it('the audit session can only search', async () => {
    const r = await openDirectoryReader(d.auditor);
    try {
      expect(Object.keys(r).sort()).toEqual(['close', 'each', 'fork', 'name', 'pages', 'search']);
      expect(Object.isFrozen(r)).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('reads large results page by page', async () => {
    const r = await openDirectoryReader(d.auditor);
    try {
      const pages: number[] = [];
      for await (const page of r.pages({
        base: d.baseDn,
        filter: present('objectClass'),
        attributes: ['1.1'],
        pageSize: 7,
      }))
        pages.push(page.length);
      expect(pages.length).toBeGreaterThan(3);
      expect(pages.slice(0, -1).every((n) => n === 7)).toBe(true);
    } finally {
      await r.close();
    }
  });
});

describe('failures end in a typed error, in time', () => {
  let silent: Server;
  let silentPort: number;
  const open = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never says a word: a hung directory.
    silent = createServer((sock) => {
      open.add(sock);
      sock.on('close', () => open.delete(sock));
      sock.on('error', () => undefined);
      sock.resume(); // read (and drop) what arrives, so the client's close is seen
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const sock of open) sock.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it.each([
    ['LDAPS', (port: number) => ({ ...ldap.auditor, url: `ldaps://127.0.0.1:${port}` })],
    ['StartTLS', (port: number) => ({ ...ldap.auditorStartTls, url: `ldap://127.0.0.1:${port}` })],
  ])(
    'a server that never answers (%s) is E-TIMEOUT within the budget, and the socket is closed',
    async (_t, conn) => {
      const t0 = Date.now();
      const code = await codeOf(whoAmI({ ...conn(silentPort), timeoutMs: 300 }, ldap.baseDn));
      expect(code).toBe('E-TIMEOUT');
      expect(Date.now() - t0).toBeLessThan(3000);
      for (let i = 0; i < 40 && open.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(open.size).toBe(0);
    },
  );

  it('nothing listening is E-REFUSED', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect(await codeOf(whoAmI({ ...ldap.auditor, url: `ldaps://127.0.0.1:${port}` }, ldap.baseDn))).toBe(
      'E-REFUSED',
    );
  });

  it('an unencrypted URL without StartTLS is refused before connecting (E-CONFIG)', async () => {
    expect(await codeOf(whoAmI({ ...ldap.auditorStartTls, startTls: false }, ldap.baseDn))).toBe('E-CONFIG');
  });
});

describe('filters built from hostile values match exactly, live on slapd', () => {
  const ou = `ou=FilterTests-${process.pid},${ldap.baseDn}`;
  let w: DirectoryWriter;
  beforeAll(async () => {
    w = await openDirectoryWriter(ldap.admin);
    await w.add(ou, { objectClass: ['organizationalUnit'] });
  });
  afterAll(async () => {
    for (const e of await w.search({ base: ou, scope: 'one', attributes: ['1.1'] })) await w.remove(e.dn);
    await w.remove(ou);
    await w.close();
  });

  it('finds the seeded name with metacharacters, and a lone "*" finds nobody', async () => {
    const r = await openDirectoryReader(ldap.auditor);
    try {
      const hits = await r.search({
        base: ldap.baseDn,
        filter: eq('cn', 'Sam (Test*) Smith\\'),
        attributes: ['uid'],
      });
      expect(hits.map((h) => text(h, 'uid'))).toEqual(['sam.smith']);
      expect(await r.search({ base: ldap.baseDn, filter: eq('cn', '*'), attributes: ['uid'] })).toEqual([]);
      expect(
        await r.search({ base: ldap.baseDn, filter: eq('cn', 'Sam (Test'), attributes: ['uid'] }),
      ).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it('for any value, an equality filter finds its entry and never a longer one', async () => {
    let n = 0;
    // Directory strings cannot hold NUL or be blank; slapd also folds case and inner spaces for cn.
    const value = fc
      .string({
        unit: fc.constantFrom('*', '(', ')', '\\', '=', '&', '|', '!', 'a', 'B', 'é', 'ñ', "'", '𝒳', ' '),
        minLength: 1,
      })
      .filter((s) => s.trim() !== '');
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        n++;
        const exact = childDn('uid', `exact${n}`, ou);
        const longer = childDn('uid', `longer${n}`, ou);
        await w.add(exact, { objectClass: ['inetOrgPerson'], uid: `exact${n}`, sn: 'x', cn: v });
        await w.add(longer, { objectClass: ['inetOrgPerson'], uid: `longer${n}`, sn: 'x', cn: `${v}z` });
        try {
          const hits = await w.search({
            base: ou,
            scope: 'one',
            filter: and(eq('cn', v), present('uid')),
            attributes: ['uid'],
          });
          expect(hits.map((h) => h.dn)).toEqual([exact]);
        } finally {
          await w.remove(exact);
          await w.remove(longer);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('the reader on the wire, live', () => {
  it('ranged attributes: Samba answers member;range=0-2 and the reader fetches and merges the rest', async () => {
    // Samba (like Windows) hands out ranges of a multi-valued attribute when asked (`;range=`), the way
    // AD does on its own for groups over 1,500 members; the reader must follow `member;range=3-*`.
    const w = await openDirectoryWriter(ad.admin);
    const group = `CN=RangeTest-${process.pid},CN=Users,${ad.baseDn}`;
    try {
      const users = await w.search({
        base: ad.baseDn,
        filter: and(eq('objectCategory', 'person'), eq('objectClass', 'user')),
        attributes: ['1.1'],
      });
      const members = users.slice(0, 8).map((u) => u.dn);
      expect(members).toHaveLength(8);
      await w.add(group, {
        objectClass: 'group',
        sAMAccountName: `RangeTest${process.pid}`,
        member: members,
      });
      // What Samba itself answers, read with ldapts (not our decoder): the first three, under the ranged name.
      const raw = new Client({
        url: ad.auditor.url,
        tlsOptions: { ca: [ad.auditor.ca as string], servername: ad.servername },
      });
      try {
        await raw.bind(ad.auditor.bindDn, ad.auditor.password);
        const { searchEntries } = await raw.search(group, {
          scope: 'base',
          attributes: ['member;range=0-2'],
        });
        expect(Object.keys(searchEntries[0] ?? {}).filter((k) => k !== 'dn')).toEqual(['member;range=0-2']);
        expect(searchEntries[0]?.['member;range=0-2']).toHaveLength(3);
      } finally {
        await raw.unbind();
      }
      const r = await openDirectoryReader(ad.auditor);
      try {
        const [ranged] = await r.search({
          base: group,
          scope: 'base',
          attributes: ['member;range=0-2'],
          pageSize: 0,
        });
        const [whole] = await r.search({ base: group, scope: 'base', attributes: ['member'], pageSize: 0 });
        expect(Object.keys(ranged ?? {}).sort()).toEqual(['dn', 'member']);
        const norm = (v: unknown) => (v as string[]).map((m) => m.toLowerCase()).sort();
        expect(norm(ranged?.member)).toEqual(norm(members));
        expect(norm(whole?.member)).toEqual(norm(members));
      } finally {
        await r.close();
      }
    } finally {
      await w.remove(group).catch(() => undefined);
      await w.close();
    }
  });

  it('referrals are ignored and binary and non-ASCII values come back as the server holds them', async () => {
    const r = await openDirectoryReader(ad.auditor);
    try {
      // Samba returns continuation references (DomainDnsZones, Configuration...) for a subtree search
      // of the domain: the reader skips them and returns only entries.
      const all = await r.search({
        base: ad.baseDn,
        filter: eq('objectClass', 'domain'),
        attributes: ['objectGUID', 'objectSid', 'name'],
        binary: ['objectGUID', 'objectSid'],
      });
      expect(all.map((e) => e.dn.toLowerCase())).toEqual([ad.baseDn.toLowerCase()]);
      const [domain] = all;
      expect(Buffer.isBuffer(domain?.objectGUID)).toBe(true);
      expect((domain?.objectGUID as Buffer).length).toBe(16);
      expect((domain?.objectSid as Buffer)[0]).toBe(1); // SID revision 1
    } finally {
      await r.close();
    }
  });
});
