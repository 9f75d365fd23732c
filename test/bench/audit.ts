/**
 * `npm run bench -- audit`: one school (one router on the RouterOS API test server, two switches on
 * snmpsim, a directory of 5,000+ accounts on slapd) audited end to end (clause map and waivers loaded,
 * every device collected, every check evaluated, the run stored), against the raw fetch of the same
 * data in the same run: `ldapsearch` paged dump of the same attributes, `snmpbulkwalk` of the same
 * subtrees for both switches, and the same RouterOS print sentences replayed through node-routeros.
 * Both sides run their three sources concurrently, as the audit does. Prints the medians and the ratio
 * audit / raw fetch (target <= 1.5). A figure, never a pass/fail.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouterOSAPI } from 'node-routeros';
import { pool } from '../../checks/engine/collect.ts';
import { auditSchool } from '../../checks/engine/index.ts';
import { openStore } from '../../checks/engine/store.ts';
import { openDirectoryWriter } from '../../devices/ldap/client.ts';
import { OPENLDAP_GROUP_ATTRS, OPENLDAP_USER_ATTRS } from '../../devices/ldap/accounts.ts';
import { DEFAULT_MAX_REPETITIONS } from '../../devices/snmp/client.ts';
import { DEFAULT_WALK_CONCURRENCY, SWITCH_SUBTREES } from '../../devices/snmp/collect.ts';
import { loadSchool } from '../../inventory/load.ts';
import type { Device } from '../../inventory/types.ts';
import { bindToTestbed, SCHOOLS_DIR } from '../support/bind-testbed.ts';
import { loadDemoDirectory } from '../../scripts/testbed/seed-directory.ts';
import { DEFAULT_USERS, startRouterOsServer } from '../support/routeros/server.ts';
import { startTestbed } from '../../scripts/testbed/index.ts';
import type { ServiceInfo, TestbedInfo } from '../../scripts/testbed/types.ts';

/** The example school with exactly the benchmark's shape: OpenLDAP, one router, two SNMP switches. */
const SCHOOL = 'scissett-middle';

export interface AuditBench {
  accounts: number;
  runs: number;
  findings: number;
  audit: { medianMs: number; minMs: number };
  raw: { medianMs: number; minMs: number; routerosMs: number; snmpMs: number; ldapMs: number };
  ratio: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const round = (ms: number): number => Math.round(ms * 10) / 10;

function need(info: TestbedInfo, name: 'openldap' | 'snmpsim'): ServiceInfo {
  const s = info.services[name];
  if (s === undefined) throw new Error(`the testbed has no ${name}: not started`);
  return s;
}
const extra = (s: ServiceInfo, k: string): string => {
  const v = s.extra?.[k];
  if (v === undefined) throw new Error(`testbed info lacks extra.${k}`);
  return v;
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(bytes) : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** Tops the seeded slapd up to `total` accounts in the pupils OU (admin bind, 16 adds in flight). */
async function loadAccounts(info: TestbedInfo, total: number): Promise<number> {
  const s = need(info, 'openldap');
  const data = await loadDemoDirectory();
  const have = data.people.length;
  const writer = await openDirectoryWriter({
    name: 'bench',
    url: extra(s, 'url'),
    startTls: true,
    ca: readFileSync(s.ca ?? '', 'utf8'),
    servername: extra(s, 'servername'),
    bindDn: s.user ?? '',
    password: s.password ?? '',
    timeoutMs: 30_000,
  });
  try {
    const n = Math.max(0, total - have);
    await pool(
      Array.from({ length: n }, (_, i) => async () => {
        const uid = `pupil${String(i).padStart(5, '0')}`;
        await writer.add(`uid=${uid},${data.openldap.ous.pupils}`, {
          objectClass: ['inetOrgPerson'],
          uid,
          cn: `Pupil ${i}`,
          sn: `Number${i}`,
          givenName: 'Pupil',
          mail: `${uid}@school.test`,
          employeeNumber: `P${i}`,
        });
      }),
      16,
    );
    return have + n;
  } finally {
    await writer.close();
  }
}

/** The fetch without the product: the same data through the tools a provider would otherwise script. */
async function rawFetch(
  info: TestbedInfo,
  router: { port: number; sentences: string[][] },
  switches: Device[],
): Promise<{ total: number; routeros: number; snmp: number; ldap: number }> {
  const t0 = performance.now();
  const timed = async (fn: () => Promise<unknown>) => {
    await fn();
    return performance.now() - t0;
  };
  const auditor = DEFAULT_USERS.find((u) => u.name === 'auditor');
  const routeros = timed(async () => {
    const api = new RouterOSAPI({
      host: '127.0.0.1',
      port: router.port,
      user: auditor?.name,
      password: auditor?.password,
      timeout: 30,
    });
    await api.connect();
    try {
      // A menu the router lacks answers !trap, for the audit too: an answer is an answer.
      await Promise.all(
        router.sentences.map(([cmd, ...params]) => api.write(cmd ?? '', params).catch(() => undefined)),
      );
    } finally {
      await api.close();
    }
  });
  const sim = need(info, 'snmpsim');
  const snmpArgs = [
    '-m', '', '-On', '-t', '5', '-r', '1', '-v3', '-l', 'authPriv', '-u', sim.user ?? 'auditor',
    '-a', 'SHA', '-A', extra(sim, 'authKey'), '-x', 'AES', '-X', extra(sim, 'privKey'), '-n', extra(sim, 'context'),
  ]; // prettier-ignore
  const target = `${sim.host}:${sim.port}`;
  const snmp = timed(() =>
    Promise.all(
      switches.map(() =>
        pool(
          [
            () =>
              run('snmpget', [
                ...snmpArgs,
                target,
                '1.3.6.1.2.1.1.1.0',
                '1.3.6.1.2.1.1.2.0',
                '1.3.6.1.2.1.1.3.0',
                '1.3.6.1.2.1.1.5.0',
              ]),
            ...SWITCH_SUBTREES.map(
              (oid) => () => run('snmpbulkwalk', [...snmpArgs, `-Cr${DEFAULT_MAX_REPETITIONS}`, target, oid]),
            ),
          ],
          DEFAULT_WALK_CONCURRENCY,
        ),
      ),
    ),
  );
  const ldap = need(info, 'openldap');
  const ldapEnv = { ...process.env, LDAPTLS_CACERT: ldap.ca ?? '', LDAPTLS_REQCERT: 'demand' };
  const ldapArgs = [
    '-LLL',
    '-x',
    '-H',
    extra(ldap, 'ldapsUrl'),
    '-D',
    extra(ldap, 'auditUser'),
    '-w',
    extra(ldap, 'auditPassword'),
  ];
  const dump = timed(() =>
    Promise.all([
      run(
        'ldapsearch',
        [
          ...ldapArgs,
          '-b',
          extra(ldap, 'baseDn'),
          '-E',
          'pr=1000/noprompt',
          '(objectClass=inetOrgPerson)',
          ...OPENLDAP_USER_ATTRS,
        ],
        ldapEnv,
      ),
      run(
        'ldapsearch',
        [
          ...ldapArgs,
          '-b',
          extra(ldap, 'baseDn'),
          '-E',
          'pr=1000/noprompt',
          '(objectClass=groupOfNames)',
          ...OPENLDAP_GROUP_ATTRS,
        ],
        ldapEnv,
      ),
      run('ldapsearch', [...ldapArgs, '-b', extra(ldap, 'baseDn'), '(objectClass=pwdPolicy)', '*'], ldapEnv),
    ]),
  );
  const [r, s, l] = await Promise.all([routeros, snmp, dump]);
  return { total: performance.now() - t0, routeros: r, snmp: s, ldap: l };
}

export async function benchAudit(opts: { runs?: number; accounts?: number } = {}): Promise<AuditBench> {
  const runs = opts.runs ?? 5;
  const tb = await startTestbed({ mode: 'dynamic', services: ['openldap', 'snmpsim'] });
  const server = await startRouterOsServer({ host: '127.0.0.1', fixture: 'demo', record: true });
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  const store = openStore(join(dir, 'results.db'));
  try {
    const accounts = await loadAccounts(tb.info, opts.accounts ?? 5_000);
    const loaded = await loadSchool(join(SCHOOLS_DIR, SCHOOL, 'school.yaml'));
    // Exactly one router, two switches and the directory: no CLI device, roster or register files.
    loaded.decl.devices = loaded.decl.devices.filter((d) => d.driver !== 'ssh-cli');
    delete loaded.decl.lifecycle;
    delete loaded.decl.inventory;
    const auditorUser = DEFAULT_USERS.find((u) => u.name === 'auditor');
    const bound = await bindToTestbed(loaded, tb.info, {
      routers: {
        host: '127.0.0.1',
        port: server.port,
        user: auditorUser?.name ?? '',
        password: auditorUser?.password ?? '',
      },
    });
    for (const d of bound.loaded.decl.devices) if (d.driver === 'routeros') delete d.tls; // plain API on both sides
    const switches = bound.loaded.decl.devices.filter((d) => d.driver === 'snmp');
    const routers = bound.loaded.decl.devices.filter((d) => d.driver === 'routeros');
    if (routers.length !== 1 || switches.length !== 2)
      throw new Error(`${SCHOOL} no longer has one router and two switches`);

    const audit = () => auditSchool(bound.loaded, { env: bound.env, store });
    const first = await audit(); // warm-up, and the router's sentences to replay
    const bad = first.devices.filter((d) => !d.ok);
    if (bad.length > 0)
      throw new Error(
        `the audit could not read ${bad.map((d) => `${d.name} (${d.error?.message})`).join(', ')}`,
      );
    const sentences = server.transcript
      .map((x) => x.sentence.filter((w) => !w.startsWith('.tag=')))
      .filter((w) => w[0] !== undefined && w[0] !== '/login');
    const seen = new Set<string>();
    const unique = sentences.filter((s) => {
      const k = s.join('\u0000');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    await rawFetch(tb.info, { port: server.port, sentences: unique }, switches); // warm-up

    const auditMs: number[] = [];
    const rawMs: number[] = [];
    const parts = { routeros: [] as number[], snmp: [] as number[], ldap: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await audit();
      auditMs.push(performance.now() - t);
      const r = await rawFetch(tb.info, { port: server.port, sentences: unique }, switches);
      rawMs.push(r.total);
      parts.routeros.push(r.routeros);
      parts.snmp.push(r.snmp);
      parts.ldap.push(r.ldap);
    }
    return {
      accounts,
      runs,
      findings: first.findings.length,
      audit: { medianMs: round(median(auditMs)), minMs: round(Math.min(...auditMs)) },
      raw: {
        medianMs: round(median(rawMs)),
        minMs: round(Math.min(...rawMs)),
        routerosMs: round(median(parts.routeros)),
        snmpMs: round(median(parts.snmp)),
        ldapMs: round(median(parts.ldap)),
      },
      ratio: Math.round((median(auditMs) / median(rawMs)) * 100) / 100,
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    await server.close();
    await tb.stop();
  }
}

export async function main(): Promise<void> {
  const r = await benchAudit();
  console.log(
    `school: 1 router (RouterOS test server), 2 switches (snmpsim), ${r.accounts} directory accounts (slapd)`,
  );
  console.log(
    `  audit end to end (${r.findings} findings, stored)  median ${r.audit.medianMs} ms  min ${r.audit.minMs} ms`,
  );
  console.log(
    `  raw fetch (ldapsearch + snmpbulkwalk + prints)   median ${r.raw.medianMs} ms  min ${r.raw.minMs} ms` +
      `  (router ${r.raw.routerosMs}, switches ${r.raw.snmpMs}, directory ${r.raw.ldapMs})`,
  );
  console.log(`  ratio audit / raw fetch: ${r.ratio} (target <= 1.5; median of ${r.runs} runs)`);
}

if (import.meta.main) await main();
