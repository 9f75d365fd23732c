/**
 * Admin groups' transitive members, as the directory audit expands them from `member` values, equal the
 * answer of Samba AD's own in-chain matching rule (LDAP_MATCHING_RULE_IN_CHAIN, 1.2.840.113556.1.4.1941),
 * on a private Samba AD DC holding nested groups, a membership cycle, a contact, a computer and a group of
 * 1,600 members (past AD's 1,500-value range, so `member` comes back ranged).
 *
 * The DC is this file's own (started here, not the shared testbed's): the groups change the `memberOf` of
 * the accounts in them, which other test files compare exactly.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryFacts } from '../devices/facts.ts';
import { openDirectoryReader } from '../devices/ldap/client.ts';
import { collectDirectoryFacts } from '../devices/ldap/collect.ts';
import { and, eq, extensible } from '../devices/ldap/filter.ts';
import { text } from '../devices/ldap/values.ts';
import type { Directory } from '../inventory/types.ts';
import { startTestbed, type Testbed } from '../scripts/testbed/index.ts';
import { run } from '../scripts/testbed/process.ts';
import { testbedDirectories, type TestbedDirectory } from '../scripts/testbed/seed-directory.ts';

const BIG = 1600;
let tb: Testbed;
let ad: TestbedDirectory;
let scratch: string;
let facts: DirectoryFacts;

function ldif(base: string): string {
  const ou = `OU=Nest,${base}`;
  const user = (name: string) =>
    `dn: CN=${name},${ou}\nobjectClass: user\nsAMAccountName: ${name}\nuserAccountControl: 544\n`;
  const group = (name: string, members: string[]) =>
    `dn: CN=${name},${ou}\nobjectClass: group\nsAMAccountName: ${name}\n` +
    members.map((m) => `member: CN=${m},${ou}\n`).join('');
  const bigMembers = Array.from({ length: BIG }, (_, i) => `bulk${i}`);
  return [
    `dn: ${ou}\nobjectClass: organizationalUnit\n`,
    ...['head1', 'deputy2', 'tech3', 'outsider4', ...bigMembers].map(user),
    `dn: CN=visitor-contact,${ou}\nobjectClass: contact\n`,
    `dn: CN=LAB-PC1,${ou}\nobjectClass: computer\nsAMAccountName: LAB-PC1$\nuserAccountControl: 4096\n`,
    group('Bulk Operators', bigMembers),
    // A cycle: Level Three holds Level Two, which holds Level Three.
    group('Level Three', ['tech3']),
    group('Level Two', ['deputy2', 'Level Three', 'Bulk Operators']),
    group('School Admins', ['head1', 'Level Two', 'visitor-contact', 'LAB-PC1']),
    group('Unrelated', ['outsider4']),
  ].join('\n');
}

beforeAll(async () => {
  tb = await startTestbed({ mode: 'dynamic', services: ['samba'] });
  scratch = await mkdtemp(join(tmpdir(), 'schoolnet-nesting-'));
  const found = (await testbedDirectories(tb.info, 60_000)).ad;
  if (!found) throw new Error('the private testbed did not start Samba');
  ad = found;
  const smbConf = tb.info.services.samba?.extra?.smbConf;
  if (smbConf === undefined) throw new Error('the testbed did not say where Samba keeps smb.conf');
  const file = join(scratch, 'nest.ldif');
  await writeFile(file, ldif(ad.baseDn));
  // Through Samba's own ldb modules (which link `member` to `memberOf`), as an LDAP add would.
  const sam = join(dirname(dirname(smbConf)), 'private', 'sam.ldb');
  await run('ldbadd', ['-H', sam, '--option', `include=${smbConf}`, file], { timeoutMs: 300_000 });
  // Cycle closed after both groups exist.
  const cycle = join(scratch, 'cycle.ldif');
  await writeFile(
    cycle,
    `dn: CN=Level Three,OU=Nest,${ad.baseDn}\nchangetype: modify\nadd: member\nmember: CN=Level Two,OU=Nest,${ad.baseDn}\n`,
  );
  await run('ldbmodify', ['-H', sam, '--option', `include=${smbConf}`, cycle], { timeoutMs: 60_000 });
  const dir: Directory = {
    kind: 'ad',
    url: ad.admin.url,
    tls: { ca: ad.caPath, ...(ad.servername ? { servername: ad.servername } : {}) },
    baseDn: ad.baseDn,
    bind: { dn: ad.admin.bindDn, password: 'env:NESTING_PASSWORD' },
    ous: {
      staff: `OU=Nest,${ad.baseDn}`,
      pupils: `OU=Pupils,${ad.baseDn}`,
      leavers: `OU=Leavers,${ad.baseDn}`,
    },
    adminGroups: ['School Admins', 'Domain Admins'],
    passwordPolicy: {
      minLength: 12,
      complexity: true,
      historyLength: 10,
      maxAgeDays: 90,
      lockoutThreshold: 5,
      lockoutDurationMinutes: 30,
    },
  };
  facts = await collectDirectoryFacts(dir, {
    resolveSecret: async (ref: string) =>
      ref === 'env:NESTING_PASSWORD' ? ad.admin.password : readFile(ref.slice('file:'.length), 'utf8'),
    timeoutMs: 120_000,
  });
}, 400_000);

afterAll(async () => {
  await tb?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The DC's own transitive answer for a group, named as the audit names members. */
async function inChain(groupDn: string): Promise<string[]> {
  const r = await openDirectoryReader(ad.admin);
  try {
    const found = await r.search({
      base: ad.baseDn,
      filter: and(eq('objectCategory', 'person'), extensible('memberOf', '1.2.840.113556.1.4.1941', groupDn)),
      attributes: ['sAMAccountName'],
    });
    return found.map((e) => text(e, 'sAMAccountName') ?? /^CN=([^,]+)/i.exec(e.dn)?.[1] ?? e.dn).sort();
  } finally {
    await r.close();
  }
}

describe('admin groups expanded from their members (private Samba AD DC)', () => {
  it("equals the DC's in-chain answer, through nesting, a cycle and a ranged 1,600-member group", async () => {
    const mine = facts.adminGroups['School Admins'];
    expect(mine).toEqual(await inChain(`CN=School Admins,OU=Nest,${ad.baseDn}`));
    expect(facts.adminGroups['Domain Admins']).toEqual(
      await inChain(`CN=Domain Admins,CN=Users,${ad.baseDn}`),
    );
  });

  it('holds exactly the people reachable from the group, and not computers or outsiders', () => {
    const mine = facts.adminGroups['School Admins'] ?? [];
    const bulk = Array.from({ length: BIG }, (_, i) => `bulk${i}`);
    expect(mine).toEqual(['deputy2', 'head1', 'tech3', 'visitor-contact', ...bulk].sort());
    expect(mine).not.toContain('outsider4');
    expect(mine).not.toContain('LAB-PC1$');
  });

  it('marks the accounts reached through nesting as admins, and only those', () => {
    const admin = new Set(facts.adminGroups['School Admins']);
    const nest = facts.accounts.filter((a) => /OU=Nest,/i.test(a.dn));
    expect(nest.length).toBe(BIG + 4);
    for (const a of nest) expect(a.isAdmin, a.username).toBe(admin.has(a.username));
  });
});
