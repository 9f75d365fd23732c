/**
 * `collectSwitchFacts`: what the audit engine calls for a switch declared with `driver: snmp`.
 * It reads the system group, then walks only the table columns the facts need, several at a time
 * (fewer varbinds on the wire than whole tables, and round trips overlap), and hands the varbinds to
 * the pure `switchFactsFromVarbinds`.
 */
import type { Device } from '../../inventory/types.ts';
import { DeviceError, type CollectOptions } from '../errors.ts';
import type { SwitchFacts } from '../facts.ts';
import { mapLimit, snmpTargetFor, withSnmpSession, type SnmpSession } from './client.ts';
import {
  DOT1D_BASE_PORT_IFINDEX,
  DOT1Q_PVID,
  DOT1Q_STATIC_COL,
  DOT1Q_VLAN_STATIC_ENTRY,
  ENT_COL,
  ENT_PHYSICAL_ENTRY,
  IF_COL,
  IF_ENTRY,
  IFX_COL,
  IFX_ENTRY,
  SYSTEM,
  VM_VLAN,
  VTP_COL,
  VTP_VLAN_ENTRY,
} from './mibs.ts';
import { switchFactsFromVarbinds } from './switch-facts.ts';
import { isException, type SnmpVarbind } from './varbind.ts';

const columns = (entry: string, cols: Record<string, number>): string[] =>
  Object.values(cols).map((c) => `${entry}.${c}`);

/** Every subtree a switch audit walks. Agents without a MIB answer in one round trip with nothing. */
export const SWITCH_SUBTREES: readonly string[] = [
  ...columns(IF_ENTRY, IF_COL),
  ...columns(IFX_ENTRY, IFX_COL),
  DOT1D_BASE_PORT_IFINDEX,
  ...columns(DOT1Q_VLAN_STATIC_ENTRY, {
    name: DOT1Q_STATIC_COL.name,
    egress: DOT1Q_STATIC_COL.egressPorts,
    untagged: DOT1Q_STATIC_COL.untaggedPorts,
  }),
  DOT1Q_PVID,
  ...columns(ENT_PHYSICAL_ENTRY, ENT_COL),
  ...columns(VTP_VLAN_ENTRY, VTP_COL),
  VM_VLAN,
];

/**
 * Walks in flight at once: overlapping round trips pays on a WAN link to a school, but a switch's agent
 * is a small CPU that drops bursts, and on the testbed more than 4 gained nothing.
 */
export const DEFAULT_WALK_CONCURRENCY = 4;

export interface SwitchWalkOptions {
  /** Walks in flight at once (default DEFAULT_WALK_CONCURRENCY). */
  concurrency?: number;
}

/** The system scalars plus every subtree in SWITCH_SUBTREES, as one OID-ordered varbind list. */
export async function walkSwitch(session: SnmpSession, opts: SwitchWalkOptions = {}): Promise<SnmpVarbind[]> {
  const system = (await session.get(Object.values(SYSTEM))).filter((vb) => !isException(vb));
  if (system.length === 0) {
    throw new DeviceError(
      'E-NOTFOUND',
      session.device,
      `${session.target.host}:${session.target.port} answered without any of the system group`,
      {
        hint: 'The community or v3 user may be limited to a view that excludes MIB-2; grant read access to 1.3.6.1.2.1 and 1.3.6.1.4.1.9.9.',
      },
    );
  }
  const present = await session.nonEmpty(SWITCH_SUBTREES);
  const walks = await mapLimit(present, opts.concurrency ?? DEFAULT_WALK_CONCURRENCY, (oid) =>
    session.walk(oid),
  );
  return [...system, ...walks.flat()];
}

export interface SwitchCollectOptions extends CollectOptions, SwitchWalkOptions {}

export async function collectSwitchFacts(device: Device, opts: SwitchCollectOptions): Promise<SwitchFacts> {
  const timeoutMs = Math.min(device.timeoutMs ?? opts.timeoutMs, opts.timeoutMs);
  let target = await snmpTargetFor(device, opts.resolveSecret);
  // A declared engine ID wins; else one recorded at an earlier first contact; else learn it now.
  const record = target.v3 && !target.v3.engineId ? opts.snmpEngines : undefined;
  let recordEngineId: ((id: string) => void) | undefined;
  if (record && target.v3) {
    const known = record.get(device);
    if (known)
      target = {
        ...target,
        v3: { ...target.v3, engineId: known, engineIdSource: `recorded at first contact in ${record.where}` },
      };
    else recordEngineId = (id) => record.record(device, id);
  }
  const varbinds = await withSnmpSession(
    device.name,
    target,
    { timeoutMs, ...(recordEngineId ? { recordEngineId } : {}) },
    (session) => walkSwitch(session, opts),
  );
  const collectedAt = (opts.now?.() ?? new Date()).toISOString();
  return switchFactsFromVarbinds(
    varbinds,
    { device: device.name, host: device.host, collectedAt },
    target.version,
  );
}
