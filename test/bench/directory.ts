/**
 * Directory benchmark (`npm run bench -- directory`): a private slapd loaded with 50,000 users by slapadd,
 * then, in the same run and over the same LDAPS connection settings:
 *  (a) the directory audit's collection (`collectDirectoryFacts`: policies, every account, groups) against
 *      `ldapsearch -E pr=1000/noprompt` fetching the same entries and attributes in one search;
 *  (b) the leavers check of a 2,000-row roster (parse, one dump, match), as `schoolnet leavers` runs it,
 *      against `ldapsearch` of the same account dump.
 * Prints medians and the two ratios (target <= 1.5), and the CPU our process used. A figure, never a
 * pass/fail. What limits the ratio is the client's own parsing (ldapts, single-threaded): the CPU figure
 * shows it against the wall time; partitioning the dump does not help on a local slapd (see
 * DirectoryTuning.partitions in devices/ldap/collect.ts).
 *
 *   node test/bench/directory.ts [users]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchLeavers } from '../../checks/lib/leavers.ts';
import { OPENLDAP_GROUP_ATTRS, OPENLDAP_USER_ATTRS } from '../../devices/ldap/accounts.ts';
import { openDirectoryReader } from '../../devices/ldap/client.ts';
import { collectDirectoryAccounts, collectDirectoryFacts } from '../../devices/ldap/collect.ts';
import { PPOLICY_ATTRS } from '../../devices/ldap/policy.ts';
import { readRoster } from '../../inventory/roster.ts';
import type { Directory, Lifecycle } from '../../inventory/types.ts';
import { freePort } from '../../scripts/testbed/ports.ts';
import { run, spawnDaemon, type Daemon } from '../../scripts/testbed/process.ts';
import { randomSecret } from '../../scripts/testbed/secrets.ts';
import { sshaHash } from '../../scripts/testbed/slapd.ts';
import { createCa } from '../../scripts/testbed/tls.ts';
import { waitUntil } from '../../scripts/testbed/wait.ts';

const RUNS = 5;
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
function roster(list: Person[], rows = 2000): string {
  const lines = ['School Email,Legal Forename,Legal Surname,Role,Date of Leaving,Start Date,AUP Signed'];
  const step = Math.max(1, Math.floor(list.length / rows));
  for (let i = 0; i < rows; i++) {
    const p = list[(i * step + (i % 7)) % list.length] as Person;
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

/** `ldapsearch` to /dev/null, timed from spawn to exit (the password goes by file, never argv). */
async function ldapsearch(s: Slapd, filter: string, attributes: string[]): Promise<number> {
  const pwFile = join(s.dir, 'pw');
  await writeFile(pwFile, s.password, { mode: 0o600 });
  const args = [
    '-x',
    '-LLL',
    '-H',
    s.url,
    '-D',
    ADMIN,
    '-y',
    pwFile,
    '-b',
    BASE,
    '-E',
    'pr=1000/noprompt',
    filter,
    ...attributes,
  ];
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ldapsearch', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LDAPTLS_CACERT: s.ca },
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
    const userAttrs = OPENLDAP_USER_ATTRS;

    // Warm both paths once (JIT, slapd's caches), then alternate.
    // Warm-up runs print what was found; nothing is kept (a big retained heap slows every later run).
    console.log(
      await collectDirectoryFacts(dir, opts).then(
        (f) => `facts: ${f.accounts.length} accounts, ${Object.values(f.adminGroups).flat().length} admins`,
      ),
    );
    const a = { ours: [] as number[], cpu: [] as number[], ldapsearch: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await collectDirectoryFacts(dir, opts);
      a.ours.push(performance.now() - t0);
      a.cpu.push(cpuMs(c0));
      a.ldapsearch.push(await ldapsearch(s, allFilter, allAttrs));
    }

    const rosterFile = join(s.dir, 'roster.csv');
    await writeFile(rosterFile, roster(people(users)));
    const lifecycle: Lifecycle['roster'] = {
      file: rosterFile,
      columns: {
        account: 'School Email',
        givenName: 'Legal Forename',
        surname: 'Legal Surname',
        role: 'Role',
        leavingDate: 'Date of Leaving',
        startDate: 'Start Date',
        aupSigned: 'AUP Signed',
      },
      dateFormat: 'auto',
    };
    const leaversCheck = async () => {
      const r = await readRoster(rosterFile, lifecycle);
      if (r.problems.length > 0) throw new Error(`bench roster has problems: ${r.problems[0]?.message}`);
      const accounts = await collectDirectoryAccounts(dir, opts);
      return matchLeavers(r.people, accounts, { asOf: '2026-09-01', idAttribute: 'employeeNumber' });
    };
    console.log(
      await leaversCheck().then(
        (r) =>
          `leavers: ${r.leavers.length} leavers on a 2,000-row roster; ${r.failures} still enabled, ${r.counts.unmatched} unmatched, ${r.counts.ambiguous} ambiguous`,
      ),
    );
    const leanAttrs = userAttrs.filter((x) => x !== 'memberOf');
    await ldapsearch(s, userFilter, leanAttrs);
    const b = { ours: [] as number[], cpu: [] as number[], ldapsearch: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await leaversCheck();
      b.ours.push(performance.now() - t0);
      b.cpu.push(cpuMs(c0));
      b.ldapsearch.push(await ldapsearch(s, userFilter, leanAttrs));
    }
    const factsRatio = median(a.ours) / median(a.ldapsearch);
    const leaversRatio = median(b.ours) / median(b.ldapsearch);
    console.log(
      `(a) directory facts:     schoolnet ${fmt(a.ours)}, CPU ${median(a.cpu).toFixed(0)} ms;  ldapsearch ${fmt(a.ldapsearch)};  ratio ${factsRatio.toFixed(2)} (target <= 1.5)`,
    );
    console.log(
      `(b) leavers, 2,000 rows: schoolnet ${fmt(b.ours)}, CPU ${median(b.cpu).toFixed(0)} ms;  ldapsearch ${fmt(b.ldapsearch)};  ratio ${leaversRatio.toFixed(2)} (target <= 1.5)`,
    );
    return { factsRatio, leaversRatio };
  } finally {
    await s.daemon.stop();
    await rm(s.dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const n = Number(process.argv.find((a, i) => i > 1 && /^\d+$/.test(a)) ?? 50_000);
  await benchDirectory(n);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
