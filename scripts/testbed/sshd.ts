/**
 * OpenSSH sshd standing in for a switch's management CLI: public-key login only, every session forced into
 * the fake CLI (test/fixtures/testbed/fake-cli.sh). The host key is the fixed test-only key shipped in
 * test/fixtures/testbed/ so the pin in declarations stays stable; the client key is generated per run and
 * also written to secrets/ssh-client-key. sshd needs the login user to exist, so it is the user running
 * the testbed (root here); no password is ever accepted.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { ServiceContext, StartedService } from './context.ts';
import { tcpBanner } from './probes.ts';
import { run } from './process.ts';
import { waitUntil } from './wait.ts';

export const SSHD = { fixedPort: 12222 } as const;

/** `SHA256:<base64, no padding>` of an OpenSSH public key line, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error('not an OpenSSH public key line');
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = '127.0.0.1';
  const port = await ctx.port(host, SSHD.fixedPort);
  const d = ctx.dir;
  const fixtures = join(ctx.repoDir, 'test', 'fixtures', 'testbed');
  const hostKey = join(d, 'ssh_host_ed25519_key');
  // sshd refuses a host key that others can read; git does not keep mode 600.
  await copyFile(join(fixtures, 'ssh_host_ed25519_key'), hostKey);
  await chmod(hostKey, 0o600);
  const hostPub = await readFile(join(fixtures, 'ssh_host_ed25519_key.pub'), 'utf8');
  const cli = join(d, 'fake-cli.sh');
  await copyFile(join(fixtures, 'fake-cli.sh'), cli);
  await chmod(cli, 0o755);

  const clientKey = join(d, 'client_ed25519');
  await run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'schoolnet-testbed-client',
    '-f',
    clientKey,
  ]);
  await writeFile(join(d, 'authorized_keys'), await readFile(`${clientKey}.pub`), { mode: 0o600 });
  const privateKey = await ctx.putSecret('ssh-client-key', await readFile(clientKey, 'utf8'));
  // The privilege-separation directory sshd insists on (the package normally creates it at boot).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const user = userInfo().username;
  const conf = join(d, 'sshd_config');
  await writeFile(
    conf,
    `ListenAddress ${host}:${port}
HostKey ${hostKey}
PidFile ${d}/sshd.pid
AuthorizedKeysFile ${d}/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers ${user}
StrictModes no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
PrintLastLog no
ForceCommand ${cli}
`,
  );
  const daemon = ctx.spawn('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', conf]);
  await waitUntil(() => tcpBanner(host, port, 'SSH-2.0-'), {
    what: `sshd banner on ${host}:${port}`,
    daemon,
  });
  return {
    endpoints: [{ host, port, proto: 'tcp' }],
    info: {
      host,
      port,
      user,
      privateKey,
      hostKeyFingerprint: fingerprintOf(hostPub),
      extra: { hostname: 'core-sw1', prompt: 'core-sw1# ', cli },
    },
  };
}
