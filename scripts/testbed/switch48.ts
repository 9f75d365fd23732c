/**
 * The testbed's 48-port access switch, described once and rendered as snmpsim `.snmprec` data
 * (`OID|type|value`, sorted numerically by OID). No shipped snmpsim file has Q-BRIDGE-MIB VLANs, so this one
 * is generated: system group, IF-MIB ifTable/ifXTable, BRIDGE-MIB base ports, Q-BRIDGE-MIB static VLANs and
 * PVIDs, and ENTITY-MIB's chassis with serial, model and software revision.
 *
 * `switch48` is the good switch (the brief's VLAN plan); `switch48-bad` lacks VLAN 99 and has access ports
 * on the wrong PVID. The SSH fake CLI (test/fixtures/testbed/fake-cli.sh) shows the same model, serial and
 * software as `switch48`.
 */

export interface VlanPlan {
  id: number;
  name: string;
  /** Access ports (untagged members, PVID = id). */
  untagged: number[];
  /** Trunk ports carrying the VLAN tagged. */
  tagged: number[];
}

export interface SwitchDescription {
  sysName: string;
  sysDescr: string;
  sysLocation: string;
  sysContact: string;
  manufacturer: string;
  model: string;
  serial: string;
  software: string;
  hardwareRev: string;
  portCount: number;
  vlans: VlanPlan[];
  /** PVID per port where it is not the VLAN the port is an untagged member of (trunks, faults). */
  pvidOverrides: Record<number, number>;
  operDown: number[];
  adminDown: number[];
  aliases: Record<number, string>;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const TRUNKS = [47, 48];

export const SWITCH48: SwitchDescription = {
  sysName: 'core-sw1',
  sysDescr: 'Testbed Networks TN-2948G 48-port Gigabit managed switch, software 4.2.1 (build 2318)',
  sysLocation: 'Server room, main building',
  sysContact: 'it-support@school.test',
  manufacturer: 'Testbed Networks',
  model: 'TN-2948G',
  serial: 'TBN2948A0017',
  software: '4.2.1',
  hardwareRev: 'B2',
  portCount: 48,
  vlans: [
    { id: 10, name: 'STAFF', untagged: range(1, 12), tagged: TRUNKS },
    { id: 20, name: 'PUPILS', untagged: range(13, 36), tagged: TRUNKS },
    { id: 30, name: 'GUEST', untagged: range(37, 44), tagged: TRUNKS },
    { id: 99, name: 'MGMT', untagged: [45, 46], tagged: TRUNKS },
  ],
  // Trunks keep the factory native VLAN 1.
  pvidOverrides: { 47: 1, 48: 1 },
  operDown: [...range(9, 12), ...range(31, 36), 43, 44],
  adminDown: [44],
  aliases: {
    1: 'Head office',
    2: 'School office 1',
    3: 'School office 2',
    13: 'Classroom 1',
    14: 'Classroom 2',
    15: 'ICT suite',
    37: 'Reception kiosk',
    45: 'Management: core-router',
    46: 'Management: UPS',
    47: 'Uplink: core-router',
    48: 'Trunk: access points',
  },
};

/** switch48 with deliberate faults: VLAN 99 missing (its ports fall back to VLAN 1), ports 5 and 40 on the wrong PVID. */
export const SWITCH48_BAD: SwitchDescription = {
  ...SWITCH48,
  sysName: 'core-sw2',
  serial: 'TBN2948A0042',
  vlans: SWITCH48.vlans.filter((v) => v.id !== 99),
  pvidOverrides: { ...SWITCH48.pvidOverrides, 5: 20, 40: 10, 45: 1, 46: 1 },
};

type Row = [oid: string, type: string, value: string];

/** Q-BRIDGE PortList: port p sets bit 0x80 >> ((p-1) & 7) of byte (p-1) >> 3. */
export function portList(ports: number[], portCount: number): string {
  const bytes = Buffer.alloc(Math.ceil(portCount / 8));
  for (const p of ports) bytes[(p - 1) >> 3] = (bytes[(p - 1) >> 3] ?? 0) | (0x80 >> ((p - 1) & 7));
  return bytes.toString('hex');
}

export function pvidOf(sw: SwitchDescription, port: number): number {
  return sw.pvidOverrides[port] ?? sw.vlans.find((v) => v.untagged.includes(port))?.id ?? 1;
}

function compareOids(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return x.length - y.length;
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

export function renderSnmprec(sw: SwitchDescription): string {
  const rows: Row[] = [];
  const add = (oid: string, type: string, value: string | number) => rows.push([oid, type, String(value)]);
  const mac = (n: number) => `025c00a0${n.toString(16).padStart(4, '0')}`;

  const sys = '1.3.6.1.2.1.1';
  add(`${sys}.1.0`, '4', sw.sysDescr);
  add(`${sys}.2.0`, '6', '1.3.6.1.4.1.32473.1.2948'); // RFC 5612 documentation enterprise number
  add(`${sys}.3.0`, '67', 123456789);
  add(`${sys}.4.0`, '4', sw.sysContact);
  add(`${sys}.5.0`, '4', sw.sysName);
  add(`${sys}.6.0`, '4', sw.sysLocation);
  add(`${sys}.7.0`, '2', 2);

  add('1.3.6.1.2.1.2.1.0', '2', sw.portCount);
  for (let p = 1; p <= sw.portCount; p++) {
    const ifT = `1.3.6.1.2.1.2.2.1`;
    const up = !sw.operDown.includes(p);
    add(`${ifT}.1.${p}`, '2', p);
    add(`${ifT}.2.${p}`, '4', `GigabitEthernet1/0/${p}`);
    add(`${ifT}.3.${p}`, '2', 6); // ethernetCsmacd
    add(`${ifT}.4.${p}`, '2', 1500);
    add(`${ifT}.5.${p}`, '66', up ? 1000000000 : 10000000);
    add(`${ifT}.6.${p}`, '4x', mac(p));
    add(`${ifT}.7.${p}`, '2', sw.adminDown.includes(p) ? 2 : 1);
    add(`${ifT}.8.${p}`, '2', up ? 1 : 2);
    add(`${ifT}.9.${p}`, '67', 4200 + p);
    add(`${ifT}.10.${p}`, '65', up ? 1000003 * p : 0);
    add(`${ifT}.14.${p}`, '65', p === 15 ? 17 : 0);
    add(`${ifT}.16.${p}`, '65', up ? 2000003 * p : 0);
    const ifX = `1.3.6.1.2.1.31.1.1.1`;
    add(`${ifX}.1.${p}`, '4', `Gi1/0/${p}`);
    // Port 47's counter is past 2^53 so a client that loses Counter64 precision shows it.
    add(`${ifX}.6.${p}`, '70', p === 47 ? '12345678901234567890' : up ? 1000003 * p : 0);
    add(`${ifX}.10.${p}`, '70', up ? 2000003 * p : 0);
    add(`${ifX}.15.${p}`, '66', up ? 1000 : 10);
    add(`${ifX}.18.${p}`, '4', sw.aliases[p] ?? '');
  }

  const bridge = '1.3.6.1.2.1.17';
  add(`${bridge}.1.1.0`, '4x', mac(0));
  add(`${bridge}.1.2.0`, '2', sw.portCount);
  add(`${bridge}.1.3.0`, '2', 2);
  for (let p = 1; p <= sw.portCount; p++) add(`${bridge}.1.4.1.2.${p}`, '2', p);
  const q = `${bridge}.7.1`;
  add(`${q}.1.1.0`, '2', 1);
  add(`${q}.1.2.0`, '2', 4094);
  add(`${q}.1.3.0`, '66', 256);
  add(`${q}.1.4.0`, '66', sw.vlans.length);
  for (const v of sw.vlans) {
    add(`${q}.4.3.1.1.${v.id}`, '4', v.name);
    add(`${q}.4.3.1.2.${v.id}`, '4x', portList([...v.untagged, ...v.tagged], sw.portCount));
    add(`${q}.4.3.1.3.${v.id}`, '4x', portList([], sw.portCount));
    add(`${q}.4.3.1.4.${v.id}`, '4x', portList(v.untagged, sw.portCount));
    add(`${q}.4.3.1.5.${v.id}`, '2', 1);
  }
  for (let p = 1; p <= sw.portCount; p++) {
    add(`${q}.4.5.1.1.${p}`, '66', pvidOf(sw, p));
    add(`${q}.4.5.1.2.${p}`, '2', 1); // admitAll
    add(`${q}.4.5.1.3.${p}`, '2', 1); // ingress filtering on
  }

  const ent = '1.3.6.1.2.1.47.1.1.1.1';
  const entities = [
    {
      i: 1,
      descr: `${sw.model} 48-port switch chassis`,
      cls: 3,
      parent: 0,
      name: '1',
      serial: sw.serial,
      fru: 2,
    },
    { i: 2, descr: 'Power supply 1', cls: 6, parent: 1, name: 'PSU 1', serial: `${sw.serial}P1`, fru: 1 },
  ];
  for (const e of entities) {
    add(`${ent}.2.${e.i}`, '4', e.descr);
    add(`${ent}.3.${e.i}`, '6', '1.3.6.1.4.1.32473.2.1');
    add(`${ent}.4.${e.i}`, '2', e.parent);
    add(`${ent}.5.${e.i}`, '2', e.cls);
    add(`${ent}.6.${e.i}`, '2', e.parent === 0 ? -1 : 1);
    add(`${ent}.7.${e.i}`, '4', e.name);
    add(`${ent}.8.${e.i}`, '4', sw.hardwareRev);
    add(`${ent}.9.${e.i}`, '4', e.i === 1 ? '1.0.7' : '');
    add(`${ent}.10.${e.i}`, '4', e.i === 1 ? sw.software : '');
    add(`${ent}.11.${e.i}`, '4', e.serial);
    add(`${ent}.12.${e.i}`, '4', sw.manufacturer);
    add(`${ent}.13.${e.i}`, '4', e.i === 1 ? sw.model : 'TN-PSU-150');
    add(`${ent}.14.${e.i}`, '4', '');
    add(`${ent}.15.${e.i}`, '4', '');
    add(`${ent}.16.${e.i}`, '2', e.fru);
  }

  rows.sort((a, b) => compareOids(a[0], b[0]));
  // Strings go out as hex (type 4x) when they hold a `|` or a non-ASCII byte, so a line always parses.
  return (
    rows
      .map(([oid, type, value]) =>
        type === '4' && /[^\x20-\x7e]|\|/.test(value) ? `${oid}|4x|${hex(value)}` : `${oid}|${type}|${value}`,
      )
      .join('\n') + '\n'
  );
}
