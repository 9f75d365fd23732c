/**
 * Samba AD domain controller (realm SCHOOL.TEST, host dc1), LDAP and KDC only, `-M single`.
 *
 * Samba's LDAP ports are hard-coded (389/636/3268/3269), so a dynamic run puts the DC on its own random
 * loopback address 127.0.0.X (X in 10..250) with free KDC/kpasswd ports; a fixed run uses 127.0.0.2.
 * TLS uses the run's CA (Samba's own self-signed 4096-bit keys take over 30 s to generate here); the CA is
 * also copied to `private/tls/ca.pem`, where clients expect it. The domain is a copy of a cached provision
 * (samba-template.ts).
 *
 * Accounts: `Administrator@school.test` (info.user/password, used to seed the directory) and
 * `auditor@school.test`, an ordinary domain user for read-only audits (extra.auditUser/auditPassword):
 * in AD any authenticated user can read the password policy and most user attributes, and nothing more
 * is granted.
 */
import { randomInt } from 'node:crypto';
import { appendFile, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import type { ServiceContext, StartedService } from './context.ts';
import { assertFree, isPortFree, type Endpoint } from './ports.ts';
import { ldapBind } from './probes.ts';
import { run } from './process.ts';
import { waitUntil } from './wait.ts';
import { rewriteSmbConf, SAMBA_DOMAIN, sambaTemplate } from './samba-template.ts';

export const SAMBA = {
  realm: SAMBA_DOMAIN.realm,
  domain: SAMBA_DOMAIN.domain,
  baseDn: 'DC=school,DC=test',
  servername: 'DC1.school.test',
  fixedHost: '127.0.0.2',
} as const;

const LDAP_PORTS = [389, 636, 3268, 3269];

/** A loopback address whose LDAP ports are all free (another run or a demo may hold others). */
async function pickHost(ctx: ServiceContext): Promise<string> {
  if (ctx.ports === 'fixed') {
    const host = SAMBA.fixedHost;
    await assertFree(
      LDAP_PORTS.map((port) => ({ host, port, proto: 'tcp' as const })),
      'fixed port',
    );
    return host;
  }
  for (let attempt = 0; attempt < 40; attempt++) {
    const host = `127.0.0.${randomInt(10, 251)}`;
    let free = true;
    for (const p of LDAP_PORTS) if (!(await isPortFree(host, p, 'tcp'))) free = false;
    if (free) return host;
  }
  throw new Error('samba: no loopback address 127.0.0.10-250 has ports 389/636/3268/3269 free');
}

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = await pickHost(ctx);
  const kdc = await ctx.port(host, 88, ['tcp', 'udp']);
  const kpasswd = await ctx.port(host, 464, ['tcp', 'udp']);
  const adminPassword = await ctx.secret('samba-password');
  const auditPassword = await ctx.secret('samba-auditor-password');
  const d = ctx.dir;
  const template = await sambaTemplate(join(ctx.repoDir, '.schoolnet', 'cache'));
  await run('cp', ['-a', `${template.dir}/.`, `${d}/`]);
  await mkdir(join(d, 'run'), { recursive: true });
  await mkdir(join(d, 'log'), { recursive: true });

  const tlsDir = join(d, 'private', 'tls');
  const pair = await ctx.ca.issue({
    dir: tlsDir,
    name: 'server',
    cn: SAMBA.servername,
    dns: [SAMBA.servername, 'dc1.school.test'],
    ips: [host],
  });
  const ca = join(tlsDir, 'ca.pem');
  await copyFile(ctx.ca.cert, ca);
  const smbConf = join(d, 'etc', 'smb.conf');
  const conf = rewriteSmbConf(
    await readFile(smbConf, 'utf8'),
    { builtAt: template.builtAt, dir: d, host, kdc, kpasswd },
    { key: pair.key, cert: pair.cert, ca },
  );
  if (conf.includes(template.builtAt))
    throw new Error(`samba: ${smbConf} still names the template's directory`);
  await writeFile(smbConf, conf);

  const daemon = ctx.spawn('samba', '/usr/sbin/samba', [
    '-F',
    '--debug-stdout',
    '-d1',
    '-M',
    'single',
    '-s',
    smbConf,
  ]);
  const bind = {
    url: `ldaps://${host}:636`,
    ca,
    servername: SAMBA.servername,
    bindDn: `Administrator@${SAMBA.realm.toLowerCase()}`,
    password: template.adminPassword,
  };
  await waitUntil(() => ldapBind(bind), {
    what: `samba LDAPS bind on ${host}:636`,
    daemon,
    listening: [{ host, port: 636, proto: 'tcp' }],
    timeoutMs: 30_000,
  });
  await setUpAccounts(bind, adminPassword, auditPassword);
  await ldapBind({ ...bind, password: adminPassword });
  await appendFile(join(d, 'README'), AUDITOR_NOTE);

  const endpoints: Endpoint[] = [
    ...LDAP_PORTS.map((port) => ({ host, port, proto: 'tcp' as const })),
    { host, port: kdc, proto: 'tcp' },
    { host, port: kdc, proto: 'udp' },
    { host, port: kpasswd, proto: 'tcp' },
    { host, port: kpasswd, proto: 'udp' },
  ];
  return {
    endpoints,
    info: {
      host,
      port: 636,
      ports: { ldap: 389, ldaps: 636, gc: 3268, gcs: 3269, kdc, kpasswd },
      user: `Administrator@${SAMBA.realm.toLowerCase()}`,
      password: adminPassword,
      ca,
      extra: {
        url: `ldaps://${host}:636`,
        baseDn: SAMBA.baseDn,
        servername: SAMBA.servername,
        realm: SAMBA.realm,
        domain: SAMBA.domain,
        adminName: 'Administrator',
        auditUser: `auditor@${SAMBA.realm.toLowerCase()}`,
        auditDn: `CN=auditor,CN=Users,${SAMBA.baseDn}`,
        auditPassword,
        smbConf,
      },
    },
  };
}

const AUDITOR_NOTE = `The account auditor@school.test (CN=auditor,CN=Users,DC=school,DC=test) is the read-only
audit account: an ordinary domain user, which in AD may read the domain password policy and most user
attributes but change nothing. Its password is in ../secrets/samba-auditor-password.
`;

/** Gives Administrator this run's password (the template's must not outlive start-up) and adds `auditor`. */
async function setUpAccounts(
  bind: { url: string; ca: string; servername: string; bindDn: string; password: string },
  adminPassword: string,
  password: string,
): Promise<void> {
  const client = new Client({
    url: bind.url,
    timeout: 5000,
    connectTimeout: 5000,
    tlsOptions: { ca: [await readFile(bind.ca)], servername: bind.servername },
  });
  const dn = `CN=auditor,CN=Users,${SAMBA.baseDn}`;
  const replace = (type: string, values: string[] | Buffer[]) =>
    new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
  try {
    await client.bind(bind.bindDn, bind.password);
    const pwd = (p: string) => [Buffer.from(`"${p}"`, 'utf16le')];
    await client.modify(
      `CN=Administrator,CN=Users,${SAMBA.baseDn}`,
      replace('unicodePwd', pwd(adminPassword)),
    );
    await client.add(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      cn: 'auditor',
      sAMAccountName: 'auditor',
      userPrincipalName: 'auditor@school.test',
      description: 'Read-only audit account (schoolnet testbed)',
    });
    // unicodePwd is the quoted password in UTF-16LE; 512 = normal account, 65536 = password never expires.
    await client.modify(dn, replace('unicodePwd', pwd(password)));
    await client.modify(dn, replace('userAccountControl', [String(512 | 65536)]));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
