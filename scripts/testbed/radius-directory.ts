/**
 * A FreeRADIUS that signs people in against one of the testbed's real directories, as a school's RADIUS
 * server does: EAP-TTLS/PAP checked by an LDAP bind as the user (rlm_ldap; Samba AD over LDAPS, slapd
 * over StartTLS), so a disabled AD account (userAccountControl ACCOUNTDISABLE) or a locked OpenLDAP one
 * (ppolicy pwdAccountLockedTime) is refused by the directory itself, not by anything we wrote.
 * For Samba AD, PEAP/MSCHAPv2 goes through `ntlm_auth` to the DC's winbindd when the caller gives its
 * socket directory (the DC must run winbindd).
 *
 * Not part of the default testbed (it needs the directories up and seeded first): tests start one per
 * directory with `startDirectoryRadius`, on free loopback ports, in their own folder.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { spawnDaemon, type Daemon } from './process.ts';
import { edit, privateRaddb } from './radius.ts';
import type { TestCa } from './tls.ts';
import { waitUntil } from './wait.ts';

export interface RadiusDirectory {
  kind: 'ad' | 'openldap';
  /** `ldaps://host:636` (AD) or `ldap://host:port` (slapd, with StartTLS). */
  url: string;
  startTls: boolean;
  /** CA that issued the directory's certificate. */
  ca: string;
  baseDn: string;
  /** The account rlm_ldap searches with (read-only). */
  bindDn: string;
  bindPassword: string;
  /** AD with PEAP/MSCHAPv2: the DC's smb.conf, whose winbindd answers ntlm_auth. */
  smbConf?: string;
}

export interface DirectoryRadiusOptions {
  dir: string;
  directory: RadiusDirectory;
  /** The RADIUS client's (the agent's) shared secret. */
  clientSecret: string;
  ca: TestCa;
  servername?: string;
}

export interface DirectoryRadius {
  host: string;
  port: number;
  servername: string;
  /** CA of the server's certificate. */
  ca: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/** rlm_ldap's config: search with the read-only account, then bind as the user (Auth-Type LDAP). */
function ldapModule(d: RadiusDirectory): string {
  const url = new URL(d.url);
  const filter =
    d.kind === 'ad'
      ? '(&(objectClass=user)(sAMAccountName=%{%{Stripped-User-Name}:-%{User-Name}}))'
      : '(&(objectClass=inetOrgPerson)(uid=%{%{Stripped-User-Name}:-%{User-Name}}))';
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `ldap {
	server = ${q(`${url.protocol}//${url.hostname}`)}
	port = ${url.port || (url.protocol === 'ldaps:' ? '636' : '389')}
	identity = ${q(d.bindDn)}
	password = ${q(d.bindPassword)}
	base_dn = ${q(d.baseDn)}
	user_dn = "LDAP-UserDn"
	user {
		base_dn = "\${..base_dn}"
		filter = "${filter}"
		scope = 'sub'
	}
	options {
		chase_referrals = no
		rebind = no
		res_timeout = 5
		srv_timelimit = 3
		net_timeout = 2
	}
	tls {
		${d.startTls ? 'start_tls = yes' : ''}
		ca_file = ${q(d.ca)}
		require_cert = 'demand'
	}
	pool {
		start = 0
		min = 0
		max = 4
		spare = 1
		uses = 0
		retry_delay = 1
		lifetime = 0
		idle_timeout = 60
	}
}
`;
}

/** The inner tunnel: TTLS/PAP binds as the user; PEAP/MSCHAPv2 goes to ntlm_auth (AD only). */
function innerTunnel(host: string, port: number, mschap: boolean): string {
  return `server inner-tunnel {
listen {
	ipaddr = ${host}
	port = ${port}
	type = auth
}
authorize {
	filter_username
	${mschap ? 'mschap' : ''}
	eap {
		ok = return
	}
	ldap
	if ((ok || updated) && &User-Password && !&control:Auth-Type) {
		update control {
			&Auth-Type := ldap
		}
	}
}
authenticate {
	Auth-Type LDAP {
		ldap
	}
	${mschap ? 'Auth-Type MS-CHAP {\n\t\tmschap\n\t}' : ''}
	eap
}
session {
}
post-auth {
	Post-Auth-Type REJECT {
		attr_filter.access_reject
	}
}
}
`;
}

export async function startDirectoryRadius(o: DirectoryRadiusOptions): Promise<DirectoryRadius> {
  const host = '127.0.0.1';
  const [authPort, acctPort, innerPort] = [
    await freePort(host, ['udp']),
    await freePort(host, ['udp']),
    await freePort(host, ['udp']),
  ];
  const servername = o.servername ?? 'radius.school.test';
  const raddb = join(o.dir, 'raddb');
  await privateRaddb(raddb, { dir: o.dir, host, authPort, acctPort, innerPort });
  await writeFile(
    join(raddb, 'clients.conf'),
    `client agent {\n\tipaddr = ${host}\n\tproto = *\n\tsecret = ${o.clientSecret}\n\tnas_type = other\n}\n`,
    { mode: 0o600 },
  );
  const mschap = o.directory.kind === 'ad' && o.directory.smbConf !== undefined;
  await writeFile(join(raddb, 'sites-available', 'inner-tunnel'), innerTunnel(host, innerPort, mschap));
  // Our own module file (not the package's link): it holds the search account's password.
  await rm(join(raddb, 'mods-enabled', 'ldap'), { force: true });
  await writeFile(join(raddb, 'mods-enabled', 'ldap'), ldapModule(o.directory), { mode: 0o600 });
  if (mschap) {
    const conf = o.directory.smbConf!;
    await edit(join(raddb, 'mods-available', 'mschap'), (t) =>
      t.replace(
        /^\s*#\s*ntlm_auth = .*$/m,
        `\tntlm_auth = "/usr/bin/ntlm_auth --configfile=${conf} --request-nt-key --allow-mschapv2 --username=%{mschap:User-Name:-None} --challenge=%{%{mschap:Challenge}:-00} --nt-response=%{%{mschap:NT-Response}:-00}"`,
      ),
    );
  }
  const pair = await o.ca.issue({
    dir: join(o.dir, 'certs'),
    name: 'server',
    cn: servername,
    dns: [servername],
  });
  await edit(join(raddb, 'mods-available', 'eap'), (t) =>
    t
      .replace(/^(\s*)private_key_password = .*$/m, '$1#private_key_password = none')
      .replace(/^(\s*)private_key_file = .*$/m, `$1private_key_file = ${pair.key}`)
      .replace(/^(\s*)certificate_file = .*$/m, `$1certificate_file = ${pair.cert}`)
      .replace(/^(\s*)ca_file = .*$/m, `$1ca_file = ${o.ca.cert}`),
  );
  // The outer server's optional `-ldap` would search for the anonymous outer identity: not wanted.
  await edit(join(raddb, 'sites-available', 'default'), (t) => t.replace(/^\s*-ldap\s*$/gm, ''));

  const daemon = spawnDaemon('radiusd', '/usr/sbin/freeradius', ['-f', '-l', 'stdout', '-d', raddb], {
    logFile: join(o.dir, 'radiusd.log'),
  });
  try {
    await waitUntil(
      async () => {
        const log = await readFile(join(o.dir, 'radiusd.log'), 'utf8').catch(() => '');
        if (!log.includes('Ready to process requests')) throw new Error('not ready yet');
      },
      {
        what: `FreeRADIUS (${o.directory.kind}) on ${host}:${authPort}/udp`,
        daemon,
        listening: [{ host, port: authPort, proto: 'udp' }],
        intervalMs: 50,
      },
    );
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  return {
    host,
    port: authPort,
    servername,
    ca: o.ca.cert,
    daemon,
    stop: () => daemon.stop(),
  };
}
