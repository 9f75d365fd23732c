/**
 * Varbinds in, SwitchFacts out: a pure function, so the same code judges a live walk and a recorded one
 * (`test/fixtures/snmp/<scenario>/walk.json`), NAPALM-style.
 */
import type { EntityComponent, FactsOrigin, SwitchFacts, SwitchPort, SwitchVlan } from '../facts.ts';
import {
  DOT1D_BASE_PORT_IFINDEX,
  DOT1Q_PVID,
  DOT1Q_STATIC_COL,
  DOT1Q_VLAN_STATIC_ENTRY,
  ENT_CLASS,
  ENT_COL,
  ENT_PHYSICAL_ENTRY,
  ETHERNET_IF_TYPES,
  IF_COL,
  IF_ENTRY,
  IFX_COL,
  IFX_ENTRY,
  SYSTEM,
  VM_VLAN,
  VTP_COL,
  VTP_TYPE_ETHERNET,
  VTP_VLAN_ENTRY,
} from './mibs.ts';
import { decodePortList } from './portlist.ts';
import { columnValues, scalar, tableRows, type Row } from './table.ts';
import { asBigInt, asBytes, asNumber, octetString, optionalText, type SnmpVarbind } from './varbind.ts';

/** ifSpeed saturates at 2^32-1 for links of 4.3 Gb/s and faster; ifHighSpeed (Mb/s) is then the truth. */
const IF_SPEED_SATURATED = 4294967295;

export function switchFactsFromVarbinds(
  varbinds: readonly SnmpVarbind[],
  origin: FactsOrigin,
  snmpVersion: string,
): SwitchFacts {
  const uptime = asNumber(scalar(varbinds, SYSTEM.sysUpTime));
  const objectId = scalar(varbinds, SYSTEM.sysObjectID);
  const bridge = bridgePorts(varbinds);
  const ports = switchPorts(varbinds, bridge);
  return {
    ...origin,
    sysName: octetString(scalar(varbinds, SYSTEM.sysName))?.trim() ?? '',
    sysDescr: octetString(scalar(varbinds, SYSTEM.sysDescr))?.trim() ?? '',
    ...(typeof objectId === 'string' ? { sysObjectId: objectId } : {}),
    // sysUpTime is TimeTicks: hundredths of a second.
    ...(uptime === undefined ? {} : { uptimeSeconds: Math.floor(uptime / 100) }),
    snmpVersion,
    ports,
    vlans: qBridgeVlans(varbinds) ?? vtpVlans(varbinds),
    entities: entities(varbinds),
  };
}

/** bridge port -> ifIndex, and the reverse. */
interface BridgeMap {
  ifIndexOf: Map<number, number>;
  portOf: Map<number, number>;
}

function bridgePorts(varbinds: readonly SnmpVarbind[]): BridgeMap {
  const ifIndexOf = new Map<number, number>();
  const portOf = new Map<number, number>();
  for (const [index, value] of columnValues(varbinds, DOT1D_BASE_PORT_IFINDEX)) {
    const port = Number(index);
    const ifIndex = asNumber(value);
    if (!Number.isInteger(port) || ifIndex === undefined) continue;
    ifIndexOf.set(port, ifIndex);
    portOf.set(ifIndex, port);
  }
  return { ifIndexOf, portOf };
}

/**
 * Switch ports: every bridge port, plus every Ethernet-like interface (SVIs, loopbacks and stack
 * links are not ports). `port` is the dot1dBasePort number PortLists use; an interface the bridge does
 * not list (or an agent without BRIDGE-MIB) falls back to its ifIndex, which is what small switches use.
 */
function switchPorts(varbinds: readonly SnmpVarbind[], bridge: BridgeMap): SwitchPort[] {
  const ifRows = tableRows(varbinds, IF_ENTRY);
  const ifxRows = tableRows(varbinds, IFX_ENTRY);
  const pvidByPort = columnValues(varbinds, DOT1Q_PVID);
  const vmVlanByIfIndex = columnValues(varbinds, VM_VLAN);
  const ifIndexes = new Set<number>([...ifRows.keys(), ...ifxRows.keys()].map(Number));
  for (const ifIndex of bridge.portOf.keys()) ifIndexes.add(ifIndex);

  const ports: SwitchPort[] = [];
  for (const ifIndex of ifIndexes) {
    const row: Row = ifRows.get(String(ifIndex)) ?? new Map();
    const xrow: Row = ifxRows.get(String(ifIndex)) ?? new Map();
    const ifType = asNumber(row.get(IF_COL.type));
    const bridgePort = bridge.portOf.get(ifIndex);
    if (bridgePort === undefined && ifType !== undefined && !ETHERNET_IF_TYPES.has(ifType)) continue;
    const port = bridgePort ?? ifIndex;
    const descr = optionalText(row.get(IF_COL.descr));
    const name = optionalText(xrow.get(IFX_COL.name)) ?? descr ?? `ifIndex ${ifIndex}`;
    const alias = optionalText(xrow.get(IFX_COL.alias));
    // dot1qPvid is indexed by bridge port; only an agent with no BRIDGE-MIB at all may be read as ifIndex.
    const pvidKey = bridgePort ?? (bridge.portOf.size === 0 ? ifIndex : undefined);
    const qPvid = pvidKey === undefined ? undefined : asNumber(pvidByPort.get(String(pvidKey)));
    const pvid = qPvid ?? asNumber(vmVlanByIfIndex.get(String(ifIndex)));
    const speedMbps = speedOf(row, xrow);
    const inOctets = asBigInt(xrow.get(IFX_COL.hcInOctets));
    const outOctets = asBigInt(xrow.get(IFX_COL.hcOutOctets));
    ports.push({
      ifIndex,
      port,
      name,
      // ifAdminStatus / ifOperStatus: up(1); anything else (down, testing, dormant...) is not up.
      adminUp: asNumber(row.get(IF_COL.adminStatus)) === 1,
      operUp: asNumber(row.get(IF_COL.operStatus)) === 1,
      ...compact({ description: descr, alias, pvid, speedMbps, inOctets, outOctets }),
    });
  }
  return ports.sort((a, b) => a.port - b.port || a.ifIndex - b.ifIndex);
}

function speedOf(row: Row, xrow: Row): number | undefined {
  const high = asNumber(xrow.get(IFX_COL.highSpeed));
  if (high !== undefined && high > 0) return high;
  const bps = asNumber(row.get(IF_COL.speed));
  if (bps === undefined || bps === IF_SPEED_SATURATED) return high;
  return Math.round(bps / 1_000_000);
}

/** Q-BRIDGE-MIB static VLANs with their PortLists, or undefined when the agent has none. */
function qBridgeVlans(varbinds: readonly SnmpVarbind[]): SwitchVlan[] | undefined {
  const rows = tableRows(varbinds, DOT1Q_VLAN_STATIC_ENTRY);
  if (rows.size === 0) return undefined;
  const vlans: SwitchVlan[] = [];
  for (const [index, row] of rows) {
    const id = Number(index);
    if (!Number.isInteger(id)) continue;
    const egress = asBytes(row.get(DOT1Q_STATIC_COL.egressPorts));
    const untagged = asBytes(row.get(DOT1Q_STATIC_COL.untaggedPorts));
    vlans.push({
      id,
      name: optionalText(row.get(DOT1Q_STATIC_COL.name)) ?? '',
      egressPorts: egress ? decodePortList(egress) : [],
      untaggedPorts: untagged ? decodePortList(untagged) : [],
    });
  }
  return vlans.sort((a, b) => a.id - b.id);
}

/**
 * CISCO-VTP-MIB VLANs, for Catalysts without Q-BRIDGE-MIB. VTP has no PortLists, so egress and
 * untagged stay empty; each access port's VLAN is its `pvid` (from vmVlan).
 */
function vtpVlans(varbinds: readonly SnmpVarbind[]): SwitchVlan[] {
  const byId = new Map<number, SwitchVlan>();
  for (const [index, row] of tableRows(varbinds, VTP_VLAN_ENTRY)) {
    const id = Number(index.split('.').at(-1));
    if (!Number.isInteger(id)) continue;
    const type = asNumber(row.get(VTP_COL.type));
    if (type !== undefined && type !== VTP_TYPE_ETHERNET) continue;
    byId.set(id, { id, name: optionalText(row.get(VTP_COL.name)) ?? '', egressPorts: [], untaggedPorts: [] });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function entities(varbinds: readonly SnmpVarbind[]): EntityComponent[] {
  const out: EntityComponent[] = [];
  for (const [index, row] of tableRows(varbinds, ENT_PHYSICAL_ENTRY)) {
    const cls = asNumber(row.get(ENT_COL.class));
    const fields = {
      name: optionalText(row.get(ENT_COL.name)),
      serial: optionalText(row.get(ENT_COL.serialNum)),
      model: optionalText(row.get(ENT_COL.modelName)),
      hardwareRev: optionalText(row.get(ENT_COL.hardwareRev)),
      firmwareRev: optionalText(row.get(ENT_COL.firmwareRev)),
      softwareRev: optionalText(row.get(ENT_COL.softwareRev)),
    };
    out.push({
      index: Number(index),
      description: optionalText(row.get(ENT_COL.descr)) ?? '',
      class: cls === undefined ? 'other' : (ENT_CLASS[cls] ?? 'other'),
      ...compact(fields),
    });
  }
  return out;
}

/** Drops undefined fields, so facts carry only what the agent reported. */
function compact<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
