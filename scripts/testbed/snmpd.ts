/**
 * The real Net-SNMP agent (a Linux host's MIB-2): v2c with a random read-only community and the v3
 * authPriv user `auditor` (SHA/AES). `-C` skips /etc/snmp; `-m ''` loads no MIB files (output is numeric);
 * `-I -smux` drops SMUX, which would otherwise listen on 0.0.0.0:199.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceContext, StartedService } from './context.ts';
import { snmpGet } from './probes.ts';
import { waitUntil } from './wait.ts';

// `auditor256`: the same keys with SHA-256 auth and AES-256 privacy (Net-SNMP's AES-256 is the Blumenthal
// draft, net-snmp's `aes256b`), so the SNMP client's stronger USM protocols are proven on a real agent.
export const SNMPD = {
  fixedPort: 11161,
  user: 'auditor',
  user256: 'auditor256',
  sysName: 'testbed-snmpd',
} as const;

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = '127.0.0.1';
  const port = await ctx.port(host, SNMPD.fixedPort, ['udp']);
  const community = await ctx.secret('snmp-community', 16);
  const authKey = await ctx.secret('snmp-auth', 16);
  const privKey = await ctx.secret('snmp-priv', 16);
  const d = ctx.dir;
  await mkdir(join(d, 'persist'), { recursive: true });
  const conf = join(d, 'snmpd.conf');
  await writeFile(
    conf,
    `agentAddress udp:${host}:${port}
[snmp] persistentDir ${d}/persist
rocommunity ${community} 127.0.0.1
createUser ${SNMPD.user} SHA "${authKey}" AES "${privKey}"
rouser ${SNMPD.user} priv
createUser ${SNMPD.user256} SHA-256 "${authKey}" AES-256 "${privKey}"
rouser ${SNMPD.user256} priv
sysName ${SNMPD.sysName}
sysLocation schoolnet testbed
sysContact testbed@school.test
`,
    { mode: 0o600 },
  );
  const daemon = ctx.spawn('snmpd', '/usr/sbin/snmpd', [
    '-f', '-Lo', '-C', '-c', conf, '-m', '', '-p', join(d, 'snmpd.pid'), '-I', '-smux',
  ]); // prettier-ignore
  await waitUntil(
    async () => {
      await snmpGet({ host, port, community });
      await snmpGet({ host, port, v3: { user: SNMPD.user, authKey, privKey } });
    },
    {
      what: `snmpd v2c and v3 get on ${host}:${port}/udp`,
      daemon,
      listening: [{ host, port, proto: 'udp' }],
      intervalMs: 50,
    },
  );
  return {
    endpoints: [{ host, port, proto: 'udp' }],
    info: {
      host,
      port,
      user: SNMPD.user,
      extra: {
        community,
        authProtocol: 'SHA',
        authKey,
        privProtocol: 'AES',
        privKey,
        user256: SNMPD.user256,
        sysName: SNMPD.sysName,
      },
    },
  };
}
