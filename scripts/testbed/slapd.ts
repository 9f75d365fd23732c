/**
 * OpenLDAP slapd with the ppolicy overlay, StartTLS on the ldap port and LDAPS on a second port, both
 * with a certificate from the run's CA (SAN IP:127.0.0.1 and DNS:localhost).
 *
 * Accounts: the rootdn `cn=admin,dc=school,dc=test` (info.user/password, used to seed the directory) and
 * `cn=auditor,dc=school,dc=test`, which the ACL lets read every entry (never a password) and write nothing.
 * Base entry, `ou=people` and `ou=policies` with a default pwdPolicy; the demo users come from
 * `seedDirectories`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceContext, StartedService } from './context.ts';
import { ldapBind } from './probes.ts';
import { run } from './process.ts';
import { waitUntil } from './wait.ts';

export const OPENLDAP = {
  baseDn: 'dc=school,dc=test',
  adminDn: 'cn=admin,dc=school,dc=test',
  auditDn: 'cn=auditor,dc=school,dc=test',
  peopleDn: 'ou=people,dc=school,dc=test',
  policyDn: 'cn=default,ou=policies,dc=school,dc=test',
  fixedPort: 13890,
  fixedLdapsPort: 13636,
} as const;

/** `{SSHA}` = base64(sha1(password + salt) + salt), what slappasswd writes. */
export function sshaHash(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function slapdConf(d: string, tls: { ca: string; cert: string; key: string }, adminHash: string): string {
  const { baseDn, adminDn, auditDn, policyDn } = OPENLDAP;
  return `include   /etc/ldap/schema/core.schema
include   /etc/ldap/schema/cosine.schema
include   /etc/ldap/schema/nis.schema
include   /etc/ldap/schema/inetorgperson.schema
pidfile   ${d}/run/slapd.pid
argsfile  ${d}/run/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb.la
moduleload ppolicy.la
loglevel  none
sizelimit unlimited
TLSCACertificateFile  ${tls.ca}
TLSCertificateFile    ${tls.cert}
TLSCertificateKeyFile ${tls.key}
# The root DSE and schema stay readable so clients can discover StartTLS and paging.
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read

database  mdb
maxsize   1073741824
suffix    "${baseDn}"
rootdn    "${adminDn}"
rootpw    ${adminHash}
directory ${d}/db
dbnosync
# Record each successful bind in pwdLastSuccess: the directory audit's "last logon" for OpenLDAP.
lastbind on
index     objectClass eq
index     uid,cn eq
index     pwdAccountLockedTime pres
# The auditor may read every entry, in pages of at most 1000 (a per-page limit many sites set): a
# larger page is refused with adminLimitExceeded, as a real school's slapd may refuse it.
limits    dn.exact="${auditDn}" size=unlimited size.pr=1000 size.prtotal=unlimited
overlay   ppolicy
ppolicy_default "${policyDn}"
ppolicy_use_lockout
# Least privilege: passwords are only ever compared (or changed by their owner: =w, not even read back);
# the auditor reads everything else and writes nothing.
access to attrs=userPassword by self =w by anonymous auth by * none
access to * by dn.exact="${auditDn}" read by self read by * none
`;
}

function initialLdif(auditHash: string): string {
  const { baseDn, auditDn, policyDn } = OPENLDAP;
  return `dn: ${baseDn}
objectClass: top
objectClass: dcObject
objectClass: organization
dc: school
o: School Test

dn: ou=people,${baseDn}
objectClass: organizationalUnit
ou: people

dn: ou=policies,${baseDn}
objectClass: organizationalUnit
ou: policies

dn: ${policyDn}
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdMinLength: 12
pwdInHistory: 10
pwdMaxAge: 7776000
pwdMaxFailure: 5
pwdLockout: TRUE
pwdLockoutDuration: 1800
pwdCheckQuality: 1

dn: ${auditDn}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: auditor
description: Read-only audit account (schoolnet testbed)
userPassword: ${auditHash}
`;
}

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = '127.0.0.1';
  const port = await ctx.port(host, OPENLDAP.fixedPort);
  const ldapsPort = await ctx.port(host, OPENLDAP.fixedLdapsPort);
  const adminPassword = await ctx.secret('openldap-password');
  const auditPassword = await ctx.secret('openldap-auditor-password');
  const d = ctx.dir;
  await mkdir(join(d, 'db'), { recursive: true });
  await mkdir(join(d, 'run'), { recursive: true });
  const pair = await ctx.ca.issue({
    dir: join(d, 'tls'),
    name: 'server',
    cn: 'localhost',
    dns: ['localhost'],
    ips: [host],
  });
  const conf = join(d, 'slapd.conf');
  await writeFile(conf, slapdConf(d, { ca: ctx.ca.cert, ...pair }, sshaHash(adminPassword)), { mode: 0o600 });
  const ldif = join(d, 'init.ldif');
  await writeFile(ldif, initialLdif(sshaHash(auditPassword)), { mode: 0o600 });
  await run('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', ldif]);

  const url = `ldap://${host}:${port}`;
  const ldapsUrl = `ldaps://${host}:${ldapsPort}`;
  const daemon = ctx.spawn('slapd', '/usr/sbin/slapd', ['-f', conf, '-h', `${url}/ ${ldapsUrl}/`, '-d', '0']);
  const what = `slapd StartTLS and LDAPS binds on ${host}:${port}/${ldapsPort}`;
  await waitUntil(
    async () => {
      await ldapBind({
        url,
        ca: ctx.ca.cert,
        startTls: true,
        bindDn: OPENLDAP.auditDn,
        password: auditPassword,
      });
      await ldapBind({ url: ldapsUrl, ca: ctx.ca.cert, bindDn: OPENLDAP.adminDn, password: adminPassword });
    },
    { what, daemon },
  );
  return {
    endpoints: [
      { host, port, proto: 'tcp' },
      { host, port: ldapsPort, proto: 'tcp' },
    ],
    info: {
      host,
      port,
      ports: { ldap: port, ldaps: ldapsPort },
      user: OPENLDAP.adminDn,
      password: adminPassword,
      ca: ctx.ca.cert,
      extra: {
        url,
        ldapsUrl,
        startTls: 'true',
        baseDn: OPENLDAP.baseDn,
        peopleDn: OPENLDAP.peopleDn,
        policyDn: OPENLDAP.policyDn,
        auditUser: OPENLDAP.auditDn,
        auditPassword,
        servername: 'localhost',
      },
    },
  };
}
