/**
 * The objects a switch audit reads, by numeric OID (no MIB files are loaded: the IETF MIB files are
 * not free to ship everywhere, and numbers are what goes on the wire). Columns are given with their
 * entry OID so table helpers can fold them into rows.
 */

export const SYSTEM = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
} as const;

/** IF-MIB ifTable (RFC 2863). */
export const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
export const IF_COL = { descr: 2, type: 3, speed: 5, adminStatus: 7, operStatus: 8 } as const;

/** IF-MIB ifXTable: names, aliases, 64-bit counters, speed in Mb/s. */
export const IFX_ENTRY = '1.3.6.1.2.1.31.1.1.1';
export const IFX_COL = { name: 1, hcInOctets: 6, hcOutOctets: 10, highSpeed: 15, alias: 18 } as const;

/** BRIDGE-MIB dot1dBasePortIfIndex: bridge port number -> ifIndex. */
export const DOT1D_BASE_PORT_IFINDEX = '1.3.6.1.2.1.17.1.4.1.2';

/** Q-BRIDGE-MIB (RFC 4363) dot1qVlanStaticTable, indexed by VLAN id. */
export const DOT1Q_VLAN_STATIC_ENTRY = '1.3.6.1.2.1.17.7.1.4.3.1';
export const DOT1Q_STATIC_COL = { name: 1, egressPorts: 2, untaggedPorts: 4, rowStatus: 5 } as const;

/** Q-BRIDGE-MIB dot1qPvid, indexed by bridge port. */
export const DOT1Q_PVID = '1.3.6.1.2.1.17.7.1.4.5.1.1';

/** ENTITY-MIB entPhysicalTable (RFC 6933). */
export const ENT_PHYSICAL_ENTRY = '1.3.6.1.2.1.47.1.1.1.1';
export const ENT_COL = {
  descr: 2,
  class: 5,
  name: 7,
  hardwareRev: 8,
  firmwareRev: 9,
  softwareRev: 10,
  serialNum: 11,
  modelName: 13,
} as const;

/** entPhysicalClass values (PhysicalClass TC). */
export const ENT_CLASS: Record<number, string> = {
  1: 'other',
  2: 'other', // unknown
  3: 'chassis',
  4: 'backplane',
  5: 'container',
  6: 'powerSupply',
  7: 'fan',
  8: 'sensor',
  9: 'module',
  10: 'port',
  11: 'stack',
  12: 'cpu',
  13: 'energyObject',
  14: 'battery',
  15: 'storageDrive',
};

/** CISCO-VTP-MIB vtpVlanTable, indexed by `<managementDomainIndex>.<vlan>`. */
export const VTP_VLAN_ENTRY = '1.3.6.1.4.1.9.9.46.1.3.1.1';
export const VTP_COL = { state: 2, type: 3, name: 4 } as const;
/** vtpVlanType ethernet(1); 1002-1005 are the FDDI/Token Ring defaults every Catalyst carries. */
export const VTP_TYPE_ETHERNET = 1;

/** CISCO-VLAN-MEMBERSHIP-MIB vmVlan: the access VLAN of a static access port, indexed by ifIndex. */
export const VM_VLAN = '1.3.6.1.4.1.9.9.68.1.2.2.1.2';

/** ifType values of interfaces that are switch ports (ethernetCsmacd, fastEther, fastEtherFX, gigabitEthernet, ieee8023adLag). */
export const ETHERNET_IF_TYPES: ReadonlySet<number> = new Set([6, 62, 69, 117, 161]);
