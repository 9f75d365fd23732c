/**
 * Records what a switch audit reads from a live agent as a replayable fixture
 * (`test/fixtures/snmp/<scenario>/walk.json`), so a switch that misbehaves in the field can be added
 * to the recorded-replies tests without the switch. Secrets never enter the file: only the replies.
 *
 *   node devices/snmp/record.ts --host 127.0.0.1 --port 11162 --community-env SNMP_COMMUNITY > walk.json
 */
import { parseArgs } from 'node:util';
import { withSnmpSession, type SnmpTarget } from './client.ts';
import { walkSwitch } from './collect.ts';
import { compareOids } from './oid.ts';
import { fromRecorded, toRecorded, type RecordedVarbind, type SnmpVarbind } from './varbind.ts';

export interface RecordedWalk {
  /** What was recorded, from where (no credentials). */
  source: string;
  varbinds: RecordedVarbind[];
}

export async function recordSwitchWalk(
  target: SnmpTarget,
  source: string,
  timeoutMs = 20_000,
): Promise<RecordedWalk> {
  const varbinds = await withSnmpSession('recorder', target, { timeoutMs }, (s) => walkSwitch(s));
  return { source, varbinds: [...varbinds].sort((a, b) => compareOids(a.oid, b.oid)).map(toRecorded) };
}

/** One varbind per line: small, diffable fixtures. */
export function formatRecordedWalk(walk: RecordedWalk): string {
  const lines = walk.varbinds.map((vb) => '  ' + JSON.stringify(vb));
  return `{\n "source": ${JSON.stringify(walk.source)},\n "varbinds": [\n${lines.join(',\n')}\n ]\n}\n`;
}

/** Parses a recorded walk; `file` names the fixture in errors. */
export function readRecordedWalk(json: unknown, file: string): SnmpVarbind[] {
  const walk = json as Partial<RecordedWalk> | null;
  if (!walk || !Array.isArray(walk.varbinds)) throw new Error(`${file}: expected { "varbinds": [...] }`);
  return walk.varbinds.map((vb, i) => fromRecorded(vb, `${file} varbinds[${i}]`));
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '161' },
      'community-env': { type: 'string' },
      user: { type: 'string' },
      'auth-env': { type: 'string' },
      'priv-env': { type: 'string' },
      context: { type: 'string' },
      source: { type: 'string' },
    },
  });
  const env = (name: string | undefined): string => {
    const v = name === undefined ? undefined : process.env[name];
    if (!v) throw new Error(`environment variable ${name ?? '(none given)'} is not set`);
    return v;
  };
  const base = {
    host: values.host,
    port: Number(values.port),
    ...(values.context ? { context: values.context } : {}),
  };
  const target: SnmpTarget = values.user
    ? {
        ...base,
        version: '3',
        v3: {
          user: values.user,
          authProtocol: 'sha',
          authKey: env(values['auth-env']),
          privProtocol: 'aes',
          privKey: env(values['priv-env']),
        },
      }
    : { ...base, version: '2c', community: env(values['community-env']) };
  const walk = await recordSwitchWalk(
    target,
    values.source ?? `${values.host}:${values.port}${values.context ? ` context ${values.context}` : ''}`,
  );
  process.stdout.write(formatRecordedWalk(walk));
}
