/**
 * Directory facts from the testbed's Samba AD DC and slapd equal the demo dataset the seed loaded
 * (test/fixtures/directory/demo-school.json), account by account: expected facts are computed from the
 * dataset, not from the collector, so a decoding mistake cannot agree with itself. Times the servers
 * set (creation, password set) are checked to be from this run; last logons the seed wrote are exact.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DirectoryAccount, DirectoryFacts } from '../devices/facts.ts';
import { openDirectoryReader } from '../devices/ldap/client.ts';
import { collectDirectoryAccounts, collectDirectoryFacts } from '../devices/ldap/collect.ts';
import { servesUnpaged } from '../devices/ldap/dump.ts';
import { sameDn } from '../devices/ldap/dn.ts';
import { LDAP_OPERATIONS_CHANNEL, type LdapOperationMessage } from '../devices/ldap/observe.ts';
import { secretResolver } from '../inventory/secrets.ts';
import type { Directory } from '../inventory/types.ts';
import {
  adUserDn,
  boundInOpenLdap,
  type DemoPerson,
  displayNameOf,
  lastLogonOf,
  loadDemoDirectory,
  openLdapUserDn,
  testbedDeclaration,
  testbedDirectories,
  type TestbedDirectory,
} from '../scripts/testbed/seed-directory.ts';
import { ldapSearchPaged } from './support/ldap-cli.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const dirs = await testbedDirectories(tb);
const data = await loadDemoDirectory();
const started = Date.now();

function declared(d: TestbedDirectory, who: 'admin' | 'auditor'): Directory {
  return testbedDeclaration(d, data, who, 'DIRECTORY_PASSWORD');
}

/** Collector options resolving secrets as the audit does, with the password in a private environment. */
function opts(d: TestbedDirectory, who: 'admin' | 'auditor') {
  return {
    resolveSecret: secretResolver(process.cwd(), { DIRECTORY_PASSWORD: d[who].password }),
    timeoutMs: 10_000,
  };
}

const OU_ROLE: Record<DemoPerson['ou'], string> = {
  staff: 'staff',
  pupils: 'pupils',
  leavers: 'leavers',
  it: 'other',
};

/** What the collector must report for one seeded person (server-set times are checked separately). */
function expectedAccount(p: DemoPerson, kind: 'ad' | 'openldap'): Partial<DirectoryAccount> {
  const s = kind === 'ad' ? data.ad : data.openldap;
  const admin = p.admin ? [s.adminGroup] : [];
  const base: Partial<DirectoryAccount> = {
    dn: kind === 'ad' ? adUserDn(p, s) : openLdapUserDn(p, s),
    username: p.username,
    mail: `${p.username}@${data.domain}`,
    displayName: displayNameOf(p),
    givenName: p.givenName,
    surname: p.surname,
    ou: OU_ROLE[p.ou],
    enabled: p.enabled,
    groups: [...p.groups, ...admin].sort(),
    isAdmin: p.admin === true,
  };
  if (p.employeeId) base.employeeId = p.employeeId;
  if (kind === 'ad') {
    base.upn = `${p.username}@${data.domain}`;
    base.passwordNeverExpires = p.passwordNeverExpires === true;
    base.passwordNotRequired = p.passwordNotRequired === true;
    base.locked = false;
    base.userAccountControl =
      0x200 |
      (p.enabled ? 0 : 2) |
      (p.passwordNeverExpires ? 0x10000 : 0) |
      (p.passwordNotRequired ? 0x20 : 0);
    if (p.accountExpires) base.accountExpires = new Date(p.accountExpires).toISOString();
  } else {
    base.passwordNeverExpires = false;
    base.passwordNotRequired = false;
    // The ppolicy admin lock is how OpenLDAP disables: locked and not enabled.
    base.locked = !p.enabled;
  }
  return base;
}

function thisRun(iso: string | undefined): boolean {
  if (iso === undefined) return false;
  const t = Date.parse(iso);
  // The seed ran before this file; allow for the servers' whole-second timestamps.
  return t > started - 30 * 60_000 && t <= Date.now() + 1000;
}

describe.each([
  ['Samba AD', 'ad' as const],
  ['slapd', 'openldap' as const],
])('directory facts from %s', (_name, kind) => {
  const d = dirs[kind];
  if (!d) throw new Error(`testbed ${kind} is not running`);
  const settings = kind === 'ad' ? data.ad : data.openldap;
  let facts: DirectoryFacts;

  it('collects within the budget, as the declaration binds (the demo binds as the administrator)', async () => {
    facts = await collectDirectoryFacts(declared(d, 'admin'), opts(d, 'admin'));
    expect(facts.kind).toBe(kind);
    expect(facts.baseDn).toBe(d.baseDn);
  });

  it('reports the effective password policy and the fine-grained ones', () => {
    const { source, checkModule, ...policy } = facts.passwordPolicy;
    expect(policy).toEqual(settings.passwordPolicy);
    // The seeded ppolicy sends passwords through no check module: no deny list (AD shows none at all).
    expect(checkModule).toEqual(kind === 'ad' ? undefined : { checked: false });
    expect(source).toBe(kind === 'ad' ? 'domain' : settings.policyDn);
    expect(facts.fineGrainedPolicies).toEqual(
      settings.fineGrainedPolicies.map((f) => {
        const { name, dn, precedence, appliesTo, ...values } = f;
        return kind === 'ad'
          ? { source: name, ...values, precedence, appliesTo }
          : { source: dn, ...values, checkModule: { checked: false }, appliesTo: [...appliesTo].sort() };
      }),
    );
    expect(facts.unreadable).toBeUndefined();
  });

  it('reports every seeded account exactly, and nothing else but the built-in accounts', () => {
    const byName = new Map(facts.accounts.map((a) => [a.username, a]));
    for (const p of data.people) {
      const a = byName.get(p.username);
      expect(a, p.username).toBeDefined();
      const { dn, ...rest } = expectedAccount(p, kind);
      expect(a, p.username).toMatchObject(rest);
      // Servers spell escapes their own way (Samba writes `\\`, we wrote `\5c`): compare parsed DNs.
      expect(sameDn(a?.dn ?? '', dn ?? ''), `${p.username}: ${a?.dn} vs ${dn}`).toBe(true);
      expect(thisRun(a?.created), `${p.username} created`).toBe(true);
      expect(thisRun(a?.passwordLastSet), `${p.username} password set`).toBe(true);
    }
    const extra = facts.accounts
      .map((a) => a.username)
      .filter((u) => !data.people.some((p) => p.username === u));
    // Samba's own: the built-in administrator, guest, Kerberos and DNS accounts, and the testbed's auditor.
    expect(extra.sort()).toEqual(
      kind === 'ad' ? ['Administrator', 'Guest', 'auditor', 'dns-dc1', 'krbtgt'] : [],
    );
  });

  it('reports last logons: AD as the seed wrote them, OpenLDAP for each account that really bound', () => {
    for (const p of data.people) {
      const a = facts.accounts.find((x) => x.username === p.username);
      if (kind === 'ad') {
        const want = lastLogonOf(p, new Date());
        if (p.lastLogon) expect(a?.lastLogon, p.username).toBe(new Date(p.lastLogon).toISOString());
        else if (want)
          expect(Math.abs(Date.parse(a?.lastLogon ?? '') - want.getTime()), p.username).toBeLessThan(
            30 * 60_000,
          );
        else expect(a?.lastLogon, p.username).toBeUndefined();
      } else if (boundInOpenLdap(p)) expect(thisRun(a?.lastLogon), p.username).toBe(true);
      else expect(a?.lastLogon, p.username).toBeUndefined();
    }
  });

  it('names the members of the admin group', () => {
    const members = data.people.filter((p) => p.admin).map((p) => p.username);
    if (kind === 'ad') members.push('Administrator');
    expect(facts.adminGroups).toEqual({ [settings.adminGroup]: members.sort() });
  });

  it('lists the computer objects (AD) with their state', () => {
    if (kind === 'openldap') {
      expect(facts.computers).toEqual([]);
      return;
    }
    for (const c of data.ad.computers ?? []) {
      const got = facts.computers.find((x) => x.name === c.name);
      expect(got, c.name).toMatchObject({
        dnsHostName: `${c.name.toLowerCase()}.${data.domain}`,
        os: c.os,
        enabled: c.enabled,
      });
      if (c.lastLogon) expect(got?.lastLogon).toBe(new Date(c.lastLogon).toISOString());
    }
    // The domain controller itself is a computer too.
    expect(facts.computers.some((x) => x.name.toUpperCase() === 'DC1')).toBe(true);
  });

  it('the read-only audit account reads the same accounts', async () => {
    const viaAuditor = await collectDirectoryFacts(declared(d, 'auditor'), opts(d, 'auditor'));
    const strip = (f: DirectoryFacts) =>
      f.accounts.map((a) => ({ ...a, lastLogon: undefined })).sort((x, y) => x.dn.localeCompare(y.dn));
    expect(strip(viaAuditor)).toEqual(strip(facts));
    if (kind === 'ad')
      // An ordinary AD user sees that a fine-grained policy exists but may not read it: reported, not hidden.
      expect(viaAuditor.unreadable).toEqual(
        settings.fineGrainedPolicies.map((f) => `fine-grained password policy ${f.name}`),
      );
  });

  it('the same accounts come back whether read in one search or in concurrent partitions', async () => {
    const one = await collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'), { partitions: 1 });
    const many = await collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'), {
      partitions: 5,
      pageSize: 3,
    });
    const key = (l: DirectoryAccount[]) => l.map((a) => a.dn).sort();
    expect(key(many)).toEqual(key(one));
    expect(one.length).toBe(facts.accounts.length);
  });

  it('a page size the server refuses is asked again at 1000, with the same accounts (slapd limits the auditor to size.pr=1000; AD answers in pages of its MaxPageSize)', async () => {
    const searches = async (pageSize: number) => {
      let n = 0;
      const count = (m: unknown) => {
        if ((m as LdapOperationMessage).operation === 'search') n++;
      };
      subscribe(LDAP_OPERATIONS_CHANNEL, count);
      try {
        // Paged (a Samba DC would otherwise be read unpaged).
        const accounts = await collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'), {
          pageSize,
          unpaged: false,
        });
        return { accounts: accounts.map((a) => a.dn), n };
      } finally {
        unsubscribe(LDAP_OPERATIONS_CHANNEL, count);
      }
    };
    const small = await searches(1000);
    const big = await searches(5000);
    expect(big.accounts).toEqual(small.accounts);
    expect(small.accounts.length).toBe(facts.accounts.length);
    expect(small.n).toBe(1);
    if (kind === 'openldap') {
      // The limit is the server's own: OpenLDAP's ldapsearch is refused the same way.
      const dir = await mkdtemp(join(tmpdir(), 'schoolnet-pr-'));
      try {
        const passwordFile = join(dir, 'pw');
        await writeFile(passwordFile, d.auditor.password, { mode: 0o600 });
        const cli = { url: d.auditor.url, ca: d.caPath, bindDn: d.auditor.bindDn, passwordFile };
        const refused = ldapSearchPaged(cli, d.baseDn, '(objectClass=inetOrgPerson)', 5000);
        expect(refused.status).toBe(11);
        expect(refused.stderr).toMatch(/illegal pagedResults page size/);
        expect(ldapSearchPaged(cli, d.baseDn, '(objectClass=inetOrgPerson)', 1000).status).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      // Refused once, then read at 1000.
      expect(big.n).toBe(2);
    } else expect(big.n).toBe(1);
  });

  it('a Samba DC is known by its root DSE and read unpaged (slapd is not), and either way gives the same accounts', async () => {
    const reader = await openDirectoryReader({
      ...d.auditor,
      ca: await readFile(d.caPath, 'utf8'),
      ...(d.servername ? { servername: d.servername } : {}),
      timeoutMs: 10_000,
    });
    try {
      expect(await servesUnpaged(reader)).toBe(kind === 'ad');
    } finally {
      await reader.close();
    }
    const read = (unpaged: boolean) =>
      collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'), { unpaged }).then((l) =>
        l.map((a) => a.dn),
      );
    const [unpaged, paged] = [await read(true), await read(false)];
    expect(unpaged.length).toBe(facts.accounts.length);
    expect([...unpaged].sort()).toEqual([...paged].sort());
    // An unpaged dump leaves its session free for the other reads: one connection and bind, not two.
    let binds = 0;
    const count = (m: unknown) => {
      if ((m as LdapOperationMessage).operation === 'bind') binds++;
    };
    subscribe(LDAP_OPERATIONS_CHANNEL, count);
    try {
      await collectDirectoryFacts(declared(d, 'auditor'), opts(d, 'auditor'));
    } finally {
      unsubscribe(LDAP_OPERATIONS_CHANNEL, count);
    }
    expect(binds).toBe(kind === 'ad' ? 1 : 2);
  });

  it('an admin group that is not there is a configuration error naming it, even though it is looked for during the dump', async () => {
    const dir = { ...declared(d, 'auditor'), adminGroups: ['No Such Group'] };
    await expect(collectDirectoryFacts(dir, opts(d, 'auditor'))).rejects.toMatchObject({
      code: 'E-CONFIG',
      message: expect.stringContaining('admin group No Such Group not found'),
    });
  });

  it('the dump starts before what the accounts are kept by is known; the same accounts, in the same order, either way, and none when it fails', async () => {
    const all = await collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'));
    const isStaff = (a: DirectoryAccount) => a.ou === 'staff';
    const expected = all.filter(isStaff).map((a) => a.dn);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    // Known only after the whole dump has arrived (every account held, then sifted).
    let decided = false;
    let asked = 0;
    const late = new Promise<(a: DirectoryAccount) => boolean>((resolve) =>
      setTimeout(() => {
        decided = true;
        resolve((a) => {
          asked++;
          return isStaff(a);
        });
      }, 200),
    );
    // The search goes out while `keep` is still unknown (watched on the operations channel).
    const searchedBeforeDecided: boolean[] = [];
    const watch = (m: unknown) => {
      if ((m as LdapOperationMessage).operation === 'search') searchedBeforeDecided.push(!decided);
    };
    subscribe(LDAP_OPERATIONS_CHANNEL, watch);
    const t0 = Date.now();
    const staff = await collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'), {
      keep: late,
    }).finally(() => unsubscribe(LDAP_OPERATIONS_CHANNEL, watch));
    expect(searchedBeforeDecided[0]).toBe(true);
    expect(decided).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(staff.map((a) => a.dn)).toEqual(expected);
    expect(asked).toBe(all.length);
    // Known at once: nothing held.
    const soon = await collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'), {
      keep: Promise.resolve(isStaff),
    });
    expect(soon.map((a) => a.dn)).toEqual(expected);
    const refused = new Error('the roster cannot be read');
    await expect(
      collectDirectoryAccounts(declared(d, 'auditor'), opts(d, 'auditor'), { keep: Promise.reject(refused) }),
    ).rejects.toBe(refused);
  });
});
