/**
 * Directory benchmark (`npm run bench -- directory`), each comparison in the same run as OpenLDAP's
 * `ldapsearch -E pr=1000/noprompt` over the same LDAPS settings, alternating, medians of RUNS (and, for
 * comparison, ldapsearch asking for pages as large as our dump's, `-E pr=5000`):
 *  (a) slapd with 50,000 users (slapadd): the directory audit's collection (`collectDirectoryFacts`:
 *      policies, every account, groups) against ldapsearch fetching the same entries and attributes;
 *  (b) slapd: the leavers check of a 2,000-row roster (the roster parsed while the session connects
 *      and binds, one dump, match), as `schoolnet leavers` runs it, against ldapsearch of the same
 *      account dump;
 *  (c) memory, each figure in a fresh process, beside the size of the LDAP responses it reads: the
 *      account dump streamed with nothing kept (target: RSS growth <= 2x the dump's wire size), the
 *      leavers' dump keeping every account, and (a) keeping everything;
 *  (d) Samba AD with 5,000 users (seeded with ldbadd): (a) and (b) again, against AD's searches.
 * Prints wall and CPU time for our process and the ratios (target <= 1.0). A figure, never a pass/fail.
 *
 *   node test/bench/directory.ts [slapd users] [samba users]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { matchLeavers } from '../../checks/lib/leavers.ts';
import {
  AD_COMPUTER_ATTRS,
  AD_LEAVER_ATTRS,
  AD_USER_ATTRS,
  OPENLDAP_GROUP_ATTRS,
  OPENLDAP_LEAVER_ATTRS,
  OPENLDAP_USER_ATTRS,
} from '../../devices/ldap/accounts.ts';
import { openDirectoryReader } from '../../devices/ldap/client.ts';
import { collectDirectoryAccounts, collectDirectoryFacts } from '../../devices/ldap/collect.ts';
import { AD_DOMAIN_POLICY_ATTRS, FGPP_ATTRS, PPOLICY_ATTRS } from '../../devices/ldap/policy.ts';
import { rosterAndAccounts } from '../../scripts/commands/leavers.ts';
import type { Directory, Lifecycle } from '../../inventory/types.ts';
import { startTestbed } from '../../scripts/testbed/index.ts';
import { freePort } from '../../scripts/testbed/ports.ts';
import { run, spawnDaemon, type Daemon } from '../../scripts/testbed/process.ts';
import { randomSecret } from '../../scripts/testbed/secrets.ts';
import { testbedDirectories } from '../../scripts/testbed/seed-directory.ts';
import { sshaHash } from '../../scripts/testbed/slapd.ts';
import { createCa } from '../../scripts/testbed/tls.ts';
import { waitUntil } from '../../scripts/testbed/wait.ts';

const RUNS = 9;
const BASE = 'dc=school,dc=test';
const ADMIN = `cn=admin,${BASE}`;
const OUS = { staff: `ou=Staff,${BASE}`, pupils: `ou=Pupils,${BASE}`, leavers: `ou=Leavers,${BASE}` };

// Fictional names with a spread of initials, as a real school's usernames have.
const GIVEN = ['amara', 'ben', 'cara', 'dev', 'elin', 'finn', 'gita', 'hugo', 'ines', 'jonah', 'kofi', 'lena', 'milo',
  'nia', 'olu', 'pia', 'quin', 'rhys', 'sana', 'teo', 'uma', 'vik', 'wren', 'xan', 'yara', 'zed']; // prettier-ignore
const SURNAME = ['ashby', 'brook', 'cole', 'dale', 'ely', 'frost', 'gale', 'holt', 'ivey', 'joss', 'kerr', 'lowe',
  'marsh', 'nash', 'orme', 'pike', 'quill', 'rowe', 'stone', 'tate', 'usher', 'vane', 'west', 'yeo']; // prettier-ignore
const WEIGHTED_INITIALS = 'aaabbccddeefghhijjjkllmmmnnoprrsssttwz';

interface Person {
  uid: string;
  given: string;
  surname: string;
  ou: keyof typeof OUS;
  disabled: boolean;
}

export function people(n: number): Person[] {
  const out: Person[] = [];
  for (let i = 0; i < n; i++) {
    const initial = WEIGHTED_INITIALS[i % WEIGHTED_INITIALS.length] as string;
    const given = GIVEN.find((g) => g.startsWith(initial)) ?? 'amara';
    const surname = SURNAME[(i * 7) % SURNAME.length] as string;
    const ou = i % 50 === 0 ? 'leavers' : i % 10 === 1 ? 'staff' : 'pupils';
    out.push({
      uid: `${given}.${surname}${i}`,
      given,
      surname: `${surname}${i}`,
      ou,
      disabled: i % 10 === 0,
    });
  }
  return out;
}

function ldif(list: Person[], password: string): string {
  const hash = sshaHash(password);
  const parts = [
    `dn: ${BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: school\no: Bench School\n`,
    `dn: ou=policies,${BASE}\nobjectClass: organizationalUnit\nou: policies\n`,
    `dn: cn=default,ou=policies,${BASE}\nobjectClass: organizationalRole\nobjectClass: pwdPolicy\ncn: default\npwdAttribute: userPassword\npwdMinLength: 12\npwdInHistory: 10\npwdMaxAge: 7776000\npwdMaxFailure: 5\npwdLockout: TRUE\npwdLockoutDuration: 1800\npwdCheckQuality: 1\n`,
    ...Object.values(OUS).map(
      (dn) => `dn: ${dn}\nobjectClass: organizationalUnit\nou: ${dn.slice(3, dn.indexOf(','))}\n`,
    ),
    `dn: ou=Groups,${BASE}\nobjectClass: organizationalUnit\nou: Groups\n`,
  ];
  for (const p of list)
    parts.push(
      `dn: uid=${p.uid},${OUS[p.ou]}\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.given} ${p.surname}\n` +
        `sn: ${p.surname}\ngivenName: ${p.given}\nmail: ${p.uid}@school.test\nuserPassword: ${hash}\n` +
        (p.disabled ? 'pwdAccountLockedTime: 000001010000Z\n' : ''),
    );
  const members = (ou: keyof typeof OUS) =>
    list.filter((p) => p.ou === ou).map((p) => `member: uid=${p.uid},${OUS[ou]}`);
  parts.push(
    `dn: cn=Staff,ou=Groups,${BASE}\nobjectClass: groupOfNames\ncn: Staff\n${members('staff').join('\n')}\n`,
  );
  parts.push(
    `dn: cn=Pupils,ou=Groups,${BASE}\nobjectClass: groupOfNames\ncn: Pupils\n${members('pupils').join('\n')}\n`,
  );
  const admins = list.filter((p) => p.ou === 'staff').slice(0, 3);
  parts.push(
    `dn: cn=Admins,ou=Groups,${BASE}\nobjectClass: groupOfNames\ncn: Admins\n${admins.map((p) => `member: uid=${p.uid},${OUS.staff}`).join('\n')}\n`,
  );
  return parts.join('\n');
}

/** A 2,000-row MIS export: half leavers (most with accounts), half current, mixed date formats. */
export function roster(list: Person[], wanted = 2000): string {
  const rows = Math.min(wanted, list.length);
  const lines = ['School Email,Legal Forename,Legal Surname,Role,Date of Leaving,Start Date,AUP Signed'];
  const step = Math.max(1, Math.floor(list.length / rows));
  for (let i = 0; i < rows; i++) {
    // Distinct people: the small offset only where the step leaves room for it.
    const p = list[(i * step + (step > 7 ? i % 7 : 0)) % list.length] as Person;
    const leaver = i % 2 === 0;
    const upn = i % 40 === 0 ? '' : i % 97 === 0 ? `gone${i}@school.test` : `${p.uid}@school.test`;
    lines.push(
      [
        upn,
        p.given,
        p.surname,
        p.ou === 'staff' ? 'Staff' : 'Pupil',
        leaver ? (i % 4 ? '22/07/2026' : '2026-07-22') : '',
        '01/09/2020',
        '04/09/2025',
      ].join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export interface Slapd {
  url: string;
  ca: string;
  password: string;
  daemon: Daemon;
  dir: string;
}

/** A private slapd (ppolicy, LDAPS), loaded offline with slapadd. */
export async function startSlapd(users: number): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), 'schoolnet-bench-slapd-'));
  const ca = await createCa(join(dir, 'ca'), 'schoolnet bench CA');
  const pair = await ca.issue({
    dir: join(dir, 'tls'),
    name: 'server',
    cn: 'localhost',
    dns: ['localhost'],
    ips: ['127.0.0.1'],
  });
  const password = randomSecret();
  const port = await freePort('127.0.0.1');
  const conf = join(dir, 'slapd.conf');
  await mkdir(join(dir, 'db'), { recursive: true });
  await mkdir(join(dir, 'run'), { recursive: true });
  await writeFile(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${dir}/run/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb.la
moduleload ppolicy.la
loglevel none
sizelimit unlimited
TLSCACertificateFile ${ca.cert}
TLSCertificateFile ${pair.cert}
TLSCertificateKeyFile ${pair.key}
database mdb
maxsize 1073741824
suffix "${BASE}"
rootdn "${ADMIN}"
rootpw ${sshaHash(password)}
directory ${dir}/db
dbnosync
index objectClass eq
index uid,cn eq
index pwdAccountLockedTime pres
overlay ppolicy
ppolicy_default "cn=default,ou=policies,${BASE}"
ppolicy_use_lockout
`,
    { mode: 0o600 },
  );
  const data = join(dir, 'users.ldif');
  await writeFile(data, ldif(people(users), randomSecret()));
  const t0 = performance.now();
  await run('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', data], { timeoutMs: 120_000 });
  console.log(`slapadd: ${users} users in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const url = `ldaps://127.0.0.1:${port}`;
  const daemon = spawnDaemon('slapd', '/usr/sbin/slapd', ['-f', conf, '-h', `${url}/`, '-d', '0'], {
    logFile: join(dir, 'slapd.log'),
  });
  await waitUntil(
    async () => {
      const r = await openDirectoryReader({
        name: 'bench',
        url,
        ca: await readCa(ca.cert),
        bindDn: ADMIN,
        password,
        timeoutMs: 2000,
      });
      await r.close();
    },
    { what: `bench slapd on ${url}`, daemon },
  );
  return { url, ca: ca.cert, password, daemon, dir };
}

function readCa(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** Where `ldapsearch` connects and as whom. */
interface Target {
  url: string;
  /** CA file. */
  ca: string;
  bindDn: string;
  password: string;
  base: string;
  /** A private folder for the password file. */
  dir: string;
}

/** `ldapsearch` to /dev/null, timed from spawn to exit (the password goes by file, never argv). */
async function ldapsearch(t: Target, filter: string, attributes: string[], pageSize = 1000): Promise<number> {
  const pwFile = join(t.dir, 'pw');
  await writeFile(pwFile, t.password, { mode: 0o600 });
  const args = [
    '-x',
    '-LLL',
    '-H',
    t.url,
    '-D',
    t.bindDn,
    '-y',
    pwFile,
    '-b',
    t.base,
    ...(pageSize > 0 ? ['-E', `pr=${pageSize}/noprompt`] : []),
    filter,
    ...attributes,
  ];
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ldapsearch', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LDAPTLS_CACERT: t.ca },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ldapsearch exited ${code}: ${err}`)),
    );
  });
  return performance.now() - t0;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)})`;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

interface Timed {
  ours: number[];
  cpu: number[];
  ldapsearch: number[];
  /** ldapsearch read as ours is (`alt`), beside the usual `-E pr=1000`. */
  samePages: number[];
  /** How that second ldapsearch pages: DUMP_PAGE (slapd), or 0 for one unpaged search (Samba). */
  alt: number;
  /** Load average at the start and the end of the runs. */
  load: string;
}

/** The account dump's page size (devices/ldap/collect.ts DirectoryTuning.pageSize's default). */
const DUMP_PAGE = 5000;

/**
 * RUNS rounds, after one warm-up of each: ours, ldapsearch with `-E pr=1000`, and ldapsearch reading the
 * way ours does (`alt`: pages of DUMP_PAGE, or 0: unpaged, as ours reads a Samba DC), so the figures show
 * what that is worth to either client.
 */
async function compare(
  ours: () => Promise<unknown>,
  theirs: (pageSize: number) => Promise<number>,
  alt = DUMP_PAGE,
): Promise<Timed> {
  await ours();
  await theirs(1000);
  const t: Timed = { ours: [], cpu: [], ldapsearch: [], samePages: [], alt, load: load() };
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await ours();
    t.ours.push(performance.now() - t0);
    t.cpu.push(cpuMs(c0));
    t.ldapsearch.push(await theirs(1000));
    t.samePages.push(await theirs(alt));
  }
  t.load += ` to ${load()}`;
  return t;
}

/** The 1-minute load average (the machine is shared: say how busy it was beside each figure). */
function load(): string {
  return loadavg()[0]?.toFixed(1) ?? '?';
}

function line(label: string, t: Timed): number {
  const ratio = median(t.ours) / median(t.ldapsearch);
  console.log(
    `${label} schoolnet ${fmt(t.ours)}, CPU ${median(t.cpu).toFixed(0)} ms;  ldapsearch ${fmt(t.ldapsearch)};  ratio ${ratio.toFixed(2)} (target <= 1.0); load ${t.load}\n` +
      `${' '.repeat(label.length)} (ldapsearch ${t.alt > 0 ? `-E pr=${t.alt}, pages as large as ours` : 'unpaged, as ours reads Samba'}: ${fmt(t.samePages)}; ratio to it ${(median(t.ours) / median(t.samePages)).toFixed(2)})`,
  );
  return ratio;
}

const ROSTER_COLUMNS: Lifecycle['roster']['columns'] = {
  account: 'School Email',
  givenName: 'Legal Forename',
  surname: 'Legal Surname',
  role: 'Role',
  leavingDate: 'Date of Leaving',
  startDate: 'Start Date',
  aupSigned: 'AUP Signed',
};

/** The leavers check as `schoolnet leavers` runs it: the roster parsed while connecting, one dump, match. */
export function leaversCheck(
  dir: Directory,
  opts: Parameters<typeof collectDirectoryAccounts>[1],
  rosterFile: string,
  idAttribute: string,
) {
  const lifecycle: Lifecycle['roster'] = { file: rosterFile, columns: ROSTER_COLUMNS, dateFormat: 'auto' };
  return async () => {
    const { roster, accounts } = await rosterAndAccounts(dir, rosterFile, lifecycle, {
      ...opts,
      accountAttributes: [idAttribute],
    });
    if (roster.problems.length > 0 || accounts === undefined)
      throw new Error(`bench roster has problems: ${roster.problems[0]?.message}`);
    return matchLeavers(roster.people, accounts, { asOf: '2026-09-01', idAttribute });
  };
}

interface Memory {
  what: string;
  entries: number;
  peak: number;
  before: number;
  wireBytes: number;
}

/** Peak RSS of a fresh process reading `what` once, and the size of those LDAP responses on the wire. */
function memoryFigure(
  what: 'dump' | 'accounts' | 'facts',
  dir: Directory,
  password: string,
  ca: string,
  idAttribute: string,
): Promise<Memory> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(import.meta.dirname, 'directory-rss.ts'), what],
      { maxBuffer: 1 << 20 },
      (err, stdout) => {
        if (err) reject(err);
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Memory);
      },
    );
    child.stdin?.end(JSON.stringify({ dir, password, ca, idAttribute }));
  });
}

function memoryLine(label: string, m: Memory): string {
  const growth = m.peak - m.before;
  return (
    `    ${label}: ${m.entries} entries, ${mb(m.wireBytes)} of LDAP responses; RSS ${mb(m.before)} before, ` +
    `peak ${mb(m.peak)} (+${mb(growth)}); growth / wire ${(growth / m.wireBytes).toFixed(2)}, peak / wire ${(m.peak / m.wireBytes).toFixed(2)}`
  );
}

export async function benchDirectory(users = 50_000): Promise<{ factsRatio: number; leaversRatio: number }> {
  const s = await startSlapd(users);
  try {
    const dir: Directory = {
      kind: 'openldap',
      url: s.url,
      tls: { ca: s.ca },
      baseDn: BASE,
      bind: { dn: ADMIN, password: 'env:BENCH_DIRECTORY_PASSWORD' },
      ous: OUS,
      adminGroups: ['Admins'],
      passwordPolicy: {
        minLength: 12,
        complexity: true,
        historyLength: 10,
        maxAgeDays: 90,
        lockoutThreshold: 5,
        lockoutDurationMinutes: 30,
      },
    };
    const env: Record<string, string> = { BENCH_DIRECTORY_PASSWORD: s.password };
    const opts = {
      resolveSecret: async (ref: string) =>
        ref.startsWith('env:') ? (env[ref.slice(4)] ?? '') : readCa(ref.slice(5)),
      timeoutMs: 120_000,
    };
    const allFilter =
      '(|(|(objectClass=inetOrgPerson)(objectClass=posixAccount))(objectClass=pwdPolicy)(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)))';
    const allAttrs = [...new Set([...OPENLDAP_USER_ATTRS, ...PPOLICY_ATTRS, ...OPENLDAP_GROUP_ATTRS])];
    const userFilter = '(|(objectClass=inetOrgPerson)(objectClass=posixAccount))';

    const target: Target = {
      url: s.url,
      ca: s.ca,
      bindDn: ADMIN,
      password: s.password,
      base: BASE,
      dir: s.dir,
    };
    console.log(
      await collectDirectoryFacts(dir, opts).then(
        (f) => `facts: ${f.accounts.length} accounts, ${Object.values(f.adminGroups).flat().length} admins`,
      ),
    );
    // Nothing is kept between runs (a big retained heap slows every later run).
    const a = await compare(
      () => collectDirectoryFacts(dir, opts),
      (ps) => ldapsearch(target, allFilter, allAttrs, ps),
    );

    const rosterFile = join(s.dir, 'roster.csv');
    await writeFile(rosterFile, roster(people(users)));
    const leavers = leaversCheck(dir, opts, rosterFile, 'employeeNumber');
    console.log(
      await leavers().then(
        (r) =>
          `leavers: ${r.leavers.length} leavers on a 2,000-row roster; ${r.failures} still enabled, ${r.counts.unmatched} unmatched, ${r.counts.ambiguous} ambiguous`,
      ),
    );
    // The same account dump as ours: the leavers check's attributes and the roster's id attribute.
    const b = await compare(leavers, (ps) =>
      ldapsearch(target, userFilter, [...new Set([...OPENLDAP_LEAVER_ATTRS, 'employeeNumber'])], ps),
    );
    const factsRatio = line('(a) slapd, directory facts:     ', a);
    const leaversRatio = line('(b) slapd, leavers, 2,000 rows: ', b);
    const ca = await readCa(s.ca);
    const dump = await memoryFigure('dump', dir, s.password, ca, 'employeeNumber');
    const kept = await memoryFigure('accounts', dir, s.password, ca, 'employeeNumber');
    const all = await memoryFigure('facts', dir, s.password, ca, 'employeeNumber');
    console.log(
      `(c) memory, each in a fresh process (target: the dump's growth <= 2.0x its size on the wire); load ${load()}\n` +
        `${memoryLine('account dump streamed, nothing kept', dump)}\n` +
        `${memoryLine("leavers' account dump, accounts kept", kept)}\n` +
        `${memoryLine('directory facts, everything kept', all)}`,
    );
    return { factsRatio, leaversRatio };
  } finally {
    await s.daemon.stop();
    await rm(s.dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .filter((a) => /^\d+$/.test(a))
    .map(Number);
  console.log(
    `machine load average at start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await benchDirectory(sizes[0] ?? 50_000);
  await benchSamba(sizes[1] ?? 5_000);
}

if (import.meta.main) await main();

/** The bench's OUs in Samba, under their own OU (the testbed's domain has its own Staff and Pupils). */
export function sambaOus(base: string): Record<keyof typeof OUS, string> {
  return {
    staff: `OU=Staff,OU=Bench,${base}`,
    pupils: `OU=Pupils,OU=Bench,${base}`,
    leavers: `OU=Leavers,OU=Bench,${base}`,
  };
}

/**
 * Adds the bench's people to Samba's own database with `ldbadd` (one transaction through Samba's ldb
 * modules, which fill in objectCategory, SIDs and the rest as an LDAP add would); over LDAP, Samba takes
 * about 0.1 s per add on this machine.
 */
export async function seedSamba(
  smbConf: string,
  base: string,
  list: Person[],
  scratch: string,
): Promise<void> {
  const ous = sambaOus(base);
  const parts = [`dn: OU=Bench,${base}\nobjectClass: organizationalUnit\n`];
  for (const dn of Object.values(ous)) parts.push(`dn: ${dn}\nobjectClass: organizationalUnit\n`);
  list.forEach((p, i) =>
    parts.push(
      `dn: CN=${p.uid},${ous[p.ou]}\nobjectClass: user\nsAMAccountName: ${p.uid.slice(0, 20)}\n` +
        `userPrincipalName: ${p.uid}@school.test\ngivenName: ${p.given}\nsn: ${p.surname}\n` +
        `displayName: ${p.given} ${p.surname}\nmail: ${p.uid}@school.test\nemployeeID: ${100000 + i}\n` +
        // No password is set: NORMAL_ACCOUNT | PASSWD_NOTREQD, and ACCOUNTDISABLE for the disabled ones.
        `userAccountControl: ${p.disabled ? 0x222 : 0x220}\n`,
    ),
  );
  const ldif = join(scratch, 'users.ldif');
  await writeFile(ldif, parts.join('\n'));
  const sam = join(dirname(dirname(smbConf)), 'private', 'sam.ldb');
  await run('ldbadd', ['-H', sam, '--option', `include=${smbConf}`, ldif], { timeoutMs: 600_000 });
}

/** (d) The same comparisons against a Samba AD DC from the testbed, seeded with `users` accounts. */
export async function benchSamba(users = 5_000): Promise<{ factsRatio: number; leaversRatio: number }> {
  const tb = await startTestbed({ mode: 'dynamic', services: ['samba'] });
  const scratch = await mkdtemp(join(tmpdir(), 'schoolnet-bench-samba-'));
  try {
    const ad = (await testbedDirectories(tb.info, 120_000)).ad;
    if (!ad) throw new Error('the testbed did not start Samba');
    const base = ad.baseDn;
    const list = people(users);
    const t0 = performance.now();
    const smbConf = tb.info.services.samba?.extra?.smbConf;
    if (smbConf === undefined) throw new Error('the testbed did not say where Samba keeps smb.conf');
    await seedSamba(smbConf, base, list, scratch);
    console.log(
      `samba: ${users} users added with ldbadd in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const ous = sambaOus(base);
    const dir: Directory = {
      kind: 'ad',
      url: ad.admin.url,
      tls: { ca: ad.caPath, ...(ad.servername ? { servername: ad.servername } : {}) },
      baseDn: base,
      bind: { dn: ad.admin.bindDn, password: 'env:BENCH_DIRECTORY_PASSWORD' },
      ous,
      adminGroups: ['Domain Admins'],
      passwordPolicy: {
        minLength: 12,
        complexity: true,
        historyLength: 10,
        maxAgeDays: 90,
        lockoutThreshold: 5,
        lockoutDurationMinutes: 30,
      },
    };
    const opts = {
      resolveSecret: async (ref: string) =>
        ref.startsWith('env:') ? ad.admin.password : readCa(ref.slice(5)),
      timeoutMs: 300_000,
    };
    const target: Target = {
      url: ad.admin.url,
      ca: ad.caPath,
      bindDn: ad.admin.bindDn,
      password: ad.admin.password,
      base,
      dir: scratch,
    };
    const userFilter = '(&(objectCategory=person)(objectClass=user))';
    // The facts' searches in one: users, computers, fine-grained policies and the domain head.
    const allFilter = `(|${userFilter}(objectClass=computer)(objectClass=msDS-PasswordSettings)(objectClass=domainDNS))`;
    const allAttrs = [
      ...new Set([...AD_USER_ATTRS, ...AD_COMPUTER_ATTRS, ...FGPP_ATTRS, ...AD_DOMAIN_POLICY_ATTRS]),
    ];
    console.log(
      await collectDirectoryFacts(dir, opts).then(
        (f) =>
          `samba facts: ${f.accounts.length} accounts, ${Object.values(f.adminGroups).flat().length} admins`,
      ),
    );
    const a = await compare(
      () => collectDirectoryFacts(dir, opts),
      (ps) => ldapsearch(target, allFilter, allAttrs, ps),
      0,
    );
    const rosterFile = join(scratch, 'roster.csv');
    await writeFile(rosterFile, roster(list));
    const leavers = leaversCheck(dir, opts, rosterFile, 'employeeID');
    console.log(
      await leavers().then(
        (r) =>
          `samba leavers: ${r.leavers.length} leavers; ${r.failures} still enabled, ${r.counts.unmatched} unmatched, ${r.counts.ambiguous} ambiguous`,
      ),
    );
    const b = await compare(
      leavers,
      (ps) => ldapsearch(target, userFilter, [...new Set([...AD_LEAVER_ATTRS, 'employeeID'])], ps),
      0,
    );
    const factsRatio = line(`(d) Samba AD (${users}), directory facts:     `, a);
    const leaversRatio = line(`(d) Samba AD (${users}), leavers, 2,000 rows: `, b);
    return { factsRatio, leaversRatio };
  } finally {
    await tb.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
