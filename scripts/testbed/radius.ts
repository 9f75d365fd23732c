/**
 * FreeRADIUS from a private copy of /etc/freeradius/3.0: loopback listeners only (auth, acct, and the
 * inner-tunnel's), proxying off (it would open a UDP socket on 0.0.0.0), a certificate from the run's CA
 * for PEAP, one RADIUS client (localhost, a random secret) and one test user. Ready when a PEAP/MSCHAPv2
 * login with eapol_test succeeds.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceContext, StartedService } from './context.ts';
import { peapLogin } from './probes.ts';
import { waitUntil } from './wait.ts';

export const RADIUS = {
  fixedAuthPort: 18812,
  fixedAcctPort: 18813,
  fixedInnerPort: 18820,
  servername: 'radius.school.test',
  testUser: 'pupil1',
} as const;

export async function edit(file: string, change: (text: string) => string): Promise<void> {
  const before = await readFile(file, 'utf8');
  const after = change(before);
  if (after === before)
    throw new Error(`radius: editing ${file} changed nothing (has the package's layout changed?)`);
  await writeFile(file, after);
}

/**
 * A private copy of /etc/freeradius/3.0 in `raddb`: paths inside it, logs and run files in `dir`, no
 * proxying (it would open a UDP socket on 0.0.0.0), and listeners on `host` only.
 */
export async function privateRaddb(
  raddb: string,
  o: { dir: string; host: string; authPort: number; acctPort: number; innerPort: number },
): Promise<void> {
  const { dir: d, host, authPort, acctPort, innerPort } = o;
  await cp('/etc/freeradius/3.0', raddb, { recursive: true, verbatimSymlinks: true });

  // radiusd.conf hard-codes raddbdir, so `-d` alone would still read /etc.
  await edit(join(raddb, 'radiusd.conf'), (t) =>
    t
      .replace(/^raddbdir = .*$/m, `raddbdir = ${raddb}`)
      .replace(/^logdir = .*$/m, `logdir = ${d}`)
      .replace(/^run_dir = .*$/m, `run_dir = ${d}`)
      .replace(/^(\s*)(user|group) = freerad$/gm, '$1#$2 = freerad')
      .replace(/^proxy_requests\s*=\s*yes/m, 'proxy_requests = no'),
  );
  const listen = (type: string, port: number) =>
    `listen {\n\ttype = ${type}\n\tipaddr = ${host}\n\tport = ${port}\n}\n`;
  await edit(join(raddb, 'sites-available', 'default'), (t) =>
    t
      .replace(/^listen \{[\s\S]*?^\}\n/gm, '')
      .replace(
        /^server default \{\n/m,
        `server default {\n${listen('auth', authPort)}${listen('acct', acctPort)}`,
      ),
  );
  await edit(join(raddb, 'sites-available', 'inner-tunnel'), (t) =>
    t.replace(/port = 18120/, `port = ${innerPort}`),
  );
}

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = '127.0.0.1';
  const authPort = await ctx.port(host, RADIUS.fixedAuthPort, ['udp']);
  const acctPort = await ctx.port(host, RADIUS.fixedAcctPort, ['udp']);
  const innerPort = await ctx.port(host, RADIUS.fixedInnerPort, ['udp']);
  const secret = await ctx.secret('radius-secret');
  const password = await ctx.secret('radius-user-password');
  const d = ctx.dir;
  const raddb = join(d, 'raddb');
  await privateRaddb(raddb, { dir: d, host, authPort, acctPort, innerPort });
  await writeFile(
    join(raddb, 'clients.conf'),
    `client localhost {\n\tipaddr = ${host}\n\tproto = *\n\tsecret = ${secret}\n\tnas_type = other\n}\n`,
  );
  const users = join(raddb, 'mods-config', 'files', 'authorize');
  await writeFile(
    users,
    `${RADIUS.testUser}\tCleartext-Password := "${password}"\n\n${await readFile(users, 'utf8')}`,
  );

  const pair = await ctx.ca.issue({
    dir: join(d, 'certs'),
    name: 'server',
    cn: RADIUS.servername,
    dns: [RADIUS.servername],
  });
  await edit(join(raddb, 'mods-available', 'eap'), (t) =>
    t
      .replace(/^(\s*)private_key_password = .*$/m, '$1#private_key_password = none')
      .replace(/^(\s*)private_key_file = .*$/m, `$1private_key_file = ${pair.key}`)
      .replace(/^(\s*)certificate_file = .*$/m, `$1certificate_file = ${pair.cert}`)
      .replace(/^(\s*)ca_file = .*$/m, `$1ca_file = ${ctx.ca.cert}`),
  );

  const daemon = ctx.spawn('radiusd', '/usr/sbin/freeradius', ['-f', '-l', 'stdout', '-d', raddb]);
  const probe = {
    host,
    port: authPort,
    secret,
    user: RADIUS.testUser,
    password,
    ca: ctx.ca.cert,
    domain: RADIUS.servername,
  };
  await waitUntil(() => peapLogin(probe, 2), {
    what: `FreeRADIUS PEAP login on ${host}:${authPort}/udp`,
    daemon,
    listening: [{ host, port: authPort, proto: 'udp' }],
    intervalMs: 50,
  });
  return {
    endpoints: [
      { host, port: authPort, proto: 'udp' },
      { host, port: acctPort, proto: 'udp' },
      { host, port: innerPort, proto: 'udp' },
    ],
    info: {
      host,
      port: authPort,
      ports: { auth: authPort, acct: acctPort, innerTunnel: innerPort },
      ca: ctx.ca.cert,
      extra: {
        secret,
        testUser: RADIUS.testUser,
        testPassword: password,
        servername: RADIUS.servername,
        eap: 'PEAP/MSCHAPv2',
      },
    },
  };
}
