/**
 * snmpsim serving three switches on one UDP port; the v2c community and the v3 context name are the data
 * file's name: `switch48` (generated, see switch48.ts), `switch48-bad` (its faulty variant) and
 * `cisco_16_switch` (snmpsim's shipped Catalyst 3750 walk) and `hp_perf` (its shipped ProCurve 2810-24G
 * recording: no ENTITY-MIB, the firmware named only in sysDescr). v3 user `auditor`, SHA/AES, the same keys as
 * snmpd (secrets snmp-auth / snmp-priv).
 *
 * snmpsim refuses to run as root, so it drops to nobody, which must be able to traverse every parent of
 * its data dir: when the run dir's parents are not world-traversable the data goes to a private 0755 temp
 * dir instead, removed on stop.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ServiceContext, StartedService } from './context.ts';
import { traversableByOthers } from './shared-dir.ts';
import { snmpGet } from './probes.ts';
import { run } from './process.ts';
import { renderSnmprec, SWITCH48, SWITCH48_BAD } from './switch48.ts';
import { waitUntil } from './wait.ts';

export const SNMPSIM = {
  fixedPort: 11162,
  user: 'auditor',
  contexts: ['switch48', 'switch48-bad', 'cisco_16_switch', 'hp_perf'],
} as const;

const CISCO = '/usr/share/doc/snmpsim/examples/data/cisco_16_switch.snmprec.gz';
const PROCURVE = '/usr/share/doc/snmpsim/examples/data/hp_perf.snmprec.gz';

async function nobodyIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['nobody']);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error(`snmpsim: cannot read the ids of user nobody from "${stdout.trim()}"`);
  return { uid: Number(uid), gid: Number(gid) };
}

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = '127.0.0.1';
  const port = await ctx.port(host, SNMPSIM.fixedPort, ['udp']);
  const authKey = await ctx.secret('snmp-auth', 16);
  const privKey = await ctx.secret('snmp-priv', 16);
  for (const f of [CISCO, PROCURVE])
    await access(f, constants.R_OK).catch(() => {
      throw new Error(`snmpsim: ${f} is missing (install the Debian package snmpsim)`);
    });

  let base = ctx.dir;
  if (!(await traversableByOthers(ctx.dir))) {
    base = await mkdtemp(join(tmpdir(), 'schoolnet-snmpsim-'));
    await chmod(base, 0o755);
    ctx.onStop(() => rm(base, { recursive: true, force: true }));
  }
  const data = join(base, 'data');
  const cache = join(base, 'cache');
  await mkdir(data, { recursive: true });
  await mkdir(cache, { recursive: true });
  const nobody = await nobodyIds();
  await chown(cache, nobody.uid, nobody.gid);
  await writeFile(join(data, 'switch48.snmprec'), renderSnmprec(SWITCH48));
  await writeFile(join(data, 'switch48-bad.snmprec'), renderSnmprec(SWITCH48_BAD));
  await pipeline(
    createReadStream(CISCO),
    createGunzip(),
    createWriteStream(join(data, 'cisco_16_switch.snmprec')),
  );
  await pipeline(
    createReadStream(PROCURVE),
    createGunzip(),
    createWriteStream(join(data, 'hp_perf.snmprec')),
  );
  // snmpsim reads its data as `nobody`, and the CLI runs with umask 077 (private by default): the walks
  // (public simulated MIB data, no keys - those are in the options file) are made readable explicitly.
  await chmod(data, 0o755);
  for (const f of SNMPSIM.contexts.map((c) => `${c}.snmprec`)) await chmod(join(data, f), 0o644);

  // The engine options (keys included) go in a file, not argv, which every local user can read in `ps`.
  // Paths must not contain whitespace: snmpsim splits the file on it.
  const argsFile = join(ctx.dir, 'snmpsimd.args');
  const engine = [
    `--v3-user=${SNMPSIM.user}`, `--v3-auth-key=${authKey}`, '--v3-auth-proto=SHA',
    `--v3-priv-key=${privKey}`, '--v3-priv-proto=AES', `--data-dir=${data}`, `--agent-udpv4-endpoint=${host}:${port}`,
  ]; // prettier-ignore
  if (engine.some((a) => /\s/.test(a))) throw new Error(`snmpsim: a path holds whitespace: ${data}`);
  await writeFile(argsFile, `${engine.join('\n')}\n`, { mode: 0o600 });
  const daemon = ctx.spawn('snmpsimd', '/usr/bin/snmpsimd', [
    '--process-user=nobody',
    '--process-group=nogroup',
    `--cache-dir=${cache}`,
    '--logging-method=stderr',
    `--args-from-file=${argsFile}`,
  ]);
  const v3 = { user: SNMPSIM.user, authKey, privKey };
  await waitUntil(
    async () => {
      for (const community of SNMPSIM.contexts) await snmpGet({ host, port, community });
      await snmpGet({ host, port, v3: { ...v3, context: 'switch48' } });
    },
    {
      what: `snmpsim v2c and v3 get on ${host}:${port}/udp`,
      daemon,
      listening: [{ host, port, proto: 'udp' }],
      timeoutMs: 30_000,
    },
  );
  return {
    endpoints: [{ host, port, proto: 'udp' }],
    info: {
      host,
      port,
      user: SNMPSIM.user,
      extra: {
        contexts: SNMPSIM.contexts.join(','),
        context: 'switch48',
        community: 'switch48',
        authProtocol: 'SHA',
        authKey,
        privProtocol: 'AES',
        privKey,
        dataDir: data,
      },
    },
  };
}
