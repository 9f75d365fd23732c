/**
 * SNMPv3 engine IDs learned at first contact, recorded like SSH's known_hosts: one JSON file per school
 * (`<dir>/<school>.json`, mode 600 in a 700 folder), keyed by device name, holding the engine ID (hex)
 * of the first reply that verified under the device's key, and the address it came from.
 *
 * Opt-in (`SCHOOLNET_SNMP_ENGINES=<folder>`): a declared `snmp.engineId` always wins and needs no
 * record. Learning is off by default because a lab or testbed switch that is rebuilt gets a new engine
 * ID, and a pin nobody asked for would then fail every audit of it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Device } from '../../inventory/types.ts';
import { normaliseEngineId } from './client.ts';

export interface SnmpEngineRecord {
  /** The recorded engine ID (hex) of this device, if any. */
  get(device: Device): string | undefined;
  /** Records the engine ID (hex) first seen for this device. */
  record(device: Device, engineId: string): void;
  /** Where the records live, for messages. */
  readonly where: string;
}

interface Entry {
  engineId: string;
  host: string;
  port: number;
  recorded: string;
}

const SCHOOL_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The file-backed record of one school's learned engine IDs. */
export function snmpEngineFile(
  dir: string,
  school: string,
  now: () => Date = () => new Date(),
): SnmpEngineRecord {
  if (!SCHOOL_ID.test(school)) throw new Error(`not a school id: ${JSON.stringify(school)}`);
  const file = join(dir, `${school}.json`);
  const load = (): Record<string, Entry> => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    const data = JSON.parse(text) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new Error(`${file}: not a record of SNMP engine IDs (expected a JSON object)`);
    return data as Record<string, Entry>;
  };
  return {
    where: file,
    get(device) {
      const e = load()[device.name];
      if (!e) return undefined;
      const id = typeof e.engineId === 'string' ? normaliseEngineId(e.engineId) : undefined;
      if (!id) throw new Error(`${file}: ${device.name}: the recorded engineId is not an SNMP engine ID`);
      return id;
    },
    record(device, engineId) {
      const all = load();
      if (all[device.name]) return;
      all[device.name] = {
        engineId,
        host: device.host,
        port: device.snmp?.port ?? device.port ?? 161,
        recorded: now().toISOString(),
      };
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}

/** The record the environment asks for (`SCHOOLNET_SNMP_ENGINES`), or none. */
export function snmpEngineRecordFromEnv(
  school: string,
  env: NodeJS.ProcessEnv = process.env,
): SnmpEngineRecord | undefined {
  const dir = env.SCHOOLNET_SNMP_ENGINES;
  return dir ? snmpEngineFile(dir, school) : undefined;
}
