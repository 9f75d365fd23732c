/**
 * A provisioned Samba domain, made once per machine and Samba version and copied for each run.
 * `samba-tool domain provision` costs 6-9 s of CPU, most of the testbed's start; a copy costs ~0.1 s.
 * Only `etc/smb.conf` holds the provision's path, address and ports, and each run rewrites it. Each run
 * then sets its own Administrator password, so the template's password (kept beside it, mode 600) never
 * leaves the start-up.
 *
 * The cache lives in `<repo>/.schoolnet/cache/` (git-ignored). Two runs building it at once each build
 * their own and the first rename wins.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from './process.ts';
import { randomSecret } from './secrets.ts';

/** Bump when the provision arguments below change, so old templates are not reused. */
const FORMAT = 1;

export const SAMBA_DOMAIN = { realm: 'SCHOOL.TEST', domain: 'SCHOOL', hostName: 'dc1' } as const;

export interface SambaTemplate {
  dir: string;
  /** The directory the template was provisioned in: every path in its smb.conf starts with it. */
  builtAt: string;
  adminPassword: string;
}

async function readTemplate(dir: string): Promise<SambaTemplate | null> {
  if (!existsSync(join(dir, '.template-ready'))) return null;
  return {
    dir,
    builtAt: (await readFile(join(dir, '.template-built-at'), 'utf8')).trim(),
    adminPassword: (await readFile(join(dir, '.template-admin-password'), 'utf8')).trim(),
  };
}

export async function sambaTemplate(cacheRoot: string): Promise<SambaTemplate> {
  const version = (await run('/usr/sbin/samba', ['-V'])).stdout.trim();
  const key = createHash('sha256').update(`${version}\n${FORMAT}`).digest('hex').slice(0, 12);
  const dir = join(cacheRoot, `samba-template-${key}`);
  const cached = await readTemplate(dir);
  if (cached) return cached;

  // Parents with the default mode (the run dir beside the cache must stay traversable for snmpsim).
  await mkdir(dirname(cacheRoot), { recursive: true });
  await mkdir(cacheRoot, { recursive: true, mode: 0o700 });
  const build = await mkdtemp(join(cacheRoot, `samba-build-${randomUUID().slice(0, 8)}-`));
  const adminPassword = randomSecret(24);
  const options = {
    interfaces: '127.0.0.1/8',
    'bind interfaces only': 'yes',
    'server services': 'ldap kdc',
    'log file': join(build, 'log', 'log.%m'),
    'pid directory': join(build, 'run'),
    'ncalrpc dir': join(build, 'run', 'ncalrpc'),
    'winbindd socket directory': join(build, 'run', 'winbindd'),
    'ntp signd socket directory': join(build, 'run', 'ntp_signd'),
    'krb5 port': '88',
    'kpasswd port': '464',
  };
  try {
    // prettier-ignore
    await run('samba-tool', [
      'domain', 'provision', `--targetdir=${build}`, `--realm=${SAMBA_DOMAIN.realm}`,
      `--domain=${SAMBA_DOMAIN.domain}`, '--server-role=dc', '--dns-backend=NONE',
      `--host-name=${SAMBA_DOMAIN.hostName}`, '--host-ip=127.0.0.1', `--adminpass=${adminPassword}`, '--use-rfc2307',
      ...Object.entries(options).map(([k, v]) => `--option=${k}=${v}`),
    ], { timeoutMs: 180_000 });
    await writeFile(join(build, '.template-built-at'), build);
    await writeFile(join(build, '.template-admin-password'), adminPassword, { mode: 0o600 });
    await writeFile(join(build, '.template-ready'), `${version}\n`);
    await rename(build, dir);
  } catch (e) {
    await rm(build, { recursive: true, force: true });
    // Another run finished the same template first: use that one.
    const other = await readTemplate(dir);
    if (other) return other;
    throw e;
  }
  return { dir, builtAt: build, adminPassword };
}

/** smb.conf for a copy of the template at `dir`: its paths, address, KDC ports and TLS files. */
export function rewriteSmbConf(
  text: string,
  t: { builtAt: string; dir: string; host: string; kdc: number; kpasswd: number },
  tls: { key: string; cert: string; ca: string },
): string {
  return text
    .split(t.builtAt)
    .join(t.dir)
    .replace(/^\tinterfaces = .*$/m, `\tinterfaces = ${t.host}/8`)
    .replace(/^\tkrb5 port = .*$/m, `\tkrb5 port = ${t.kdc}`)
    .replace(/^\tkpasswd port = .*$/m, `\tkpasswd port = ${t.kpasswd}`)
    .replace(
      '[global]\n',
      `[global]\n\ttls enabled = yes\n\ttls keyfile = ${tls.key}\n\ttls certfile = ${tls.cert}\n\ttls cafile = ${tls.ca}\n`,
    );
}
