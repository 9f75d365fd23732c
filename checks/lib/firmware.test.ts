import { describe, expect, it } from 'vitest';
import { firmwareFromSysDescr, SYSDESCR_PATTERNS, switchFirmware } from './firmware.ts';

describe('firmware from sysDescr (checks/firmware/sysdescr-firmware.json)', () => {
  it.each(SYSDESCR_PATTERNS.map((p) => [p.id, p] as const))(
    '%s reads its own recorded example, and cites where the format was recorded',
    (_id, p) => {
      const r = firmwareFromSysDescr(p.example);
      expect(r?.pattern.id).toBe(p.id);
      expect(r?.version).toMatch(/\d/);
      expect(p.recorded.length).toBeGreaterThan(0);
    },
  );

  it.each([
    ['ProCurve J9021A Switch 2810-24G, revision N.11.75, ROM N.10.01 (/sw/code/build/bass)', 'N.11.75'],
    ['HP Stack, revision KA.15.03.3004, ROM KA.15.05 (/sw/code/build/tam(KA_15_03))', 'KA.15.03.3004'],
    [
      'Cisco Internetwork Operating System Software \r\nIOS (tm) C2950 Software (C2950-I6K2L2Q4-M), Version 12.1(22)EA14, RELEASE SOFTWARE (fc1)\r\nTechnical Support: http://www.cisco.com/techsupport',
      '12.1(22)EA14',
    ],
    [
      'Juniper Networks, Inc. ex3400-48t Ethernet Switch, kernel JUNOS 15.1X53-D59.4, Build date: 2018-09-14 21:00:55 UTC',
      '15.1X53-D59.4',
    ],
  ])('%j names firmware %s', (sysDescr, version) => {
    expect(firmwareFromSysDescr(sysDescr)?.version).toBe(version);
  });

  it.each([
    'Linux core-sw1 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64',
    'RouterOS CRS326-24G-2S+',
    'ProSafe',
    '',
  ])('%j names no firmware', (sysDescr) => {
    expect(firmwareFromSysDescr(sysDescr)).toBeUndefined();
  });

  it('prefers ENTITY-MIB (chassis first) unless the declaration says sysdescr', () => {
    const sw = {
      sysDescr: 'ProCurve J9021A Switch 2810-24G, revision N.11.75, ROM N.10.01 (/sw/code/build/bass)',
      entities: [
        { index: 2, description: 'module', class: 'module', softwareRev: '1.0' },
        { index: 1, description: 'chassis', class: 'chassis', softwareRev: 'N.11.78' },
      ],
    };
    expect(switchFirmware(sw)).toMatchObject({ version: 'N.11.78', source: 'entity-mib' });
    expect(switchFirmware(sw, 'sysdescr')).toMatchObject({ version: 'N.11.75', source: 'sysdescr' });
    expect(switchFirmware({ ...sw, entities: [] }, 'entity-mib')).toMatchObject({ version: undefined });
  });
});
