import { describe, expect, it } from 'vitest';
import {
  ctx,
  declaration,
  failed,
  ok,
  router,
  run,
  schoolFacts,
  statuses,
  switchFacts,
} from '../../test/builders/fixtures.ts';
import routerFirmware from './routeros-firmware-minimum.check.ts';
import switchFirmware from './switch-firmware-minimum.check.ts';

describe('routeros-firmware-minimum', () => {
  it.each([
    ['7.13.5', 'fail'],
    ['7.14', 'pass'],
    ['7.14rc1', 'fail'],
    ['7.16.1', 'pass'],
    ['6.49.10', 'fail'],
  ])('RouterOS %s against minimum 7.14: %s', (version, status) => {
    const [r] = run(routerFirmware, schoolFacts({ routers: [ok(router({ version }))] }));
    expect(r?.status).toBe(status);
    expect(r?.evidence[0]).toMatchObject({ expected: '>= 7.14', actual: version });
  });

  it('is an error for a version it cannot read, never a pass', () => {
    expect(
      statuses(run(routerFirmware, schoolFacts({ routers: [ok(router({ version: 'unknown' }))] }))),
    ).toEqual(['error']);
  });

  it('is not applicable without a declared minimum', () => {
    const decl = declaration();
    const none = { ...decl, devices: decl.devices.map((d) => ({ ...d, minFirmware: undefined })) };
    expect(statuses(run(routerFirmware, schoolFacts(), {}, ctx(none)))).toEqual(['not_applicable']);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(routerFirmware, schoolFacts({ routers: [failed('core-router')] })))).toEqual([
      'error',
    ]);
  });
});

describe('switch-firmware-minimum', () => {
  const withRev = (softwareRev: string | undefined) =>
    schoolFacts({
      switches: [
        ok(switchFacts({ entities: [{ index: 1, description: 'chassis', class: 'chassis', softwareRev }] })),
      ],
    });

  it.each([
    ['15.2(7)E2', 'pass'],
    ['15.2(7)E4', 'pass'],
    ['15.2(4)E10', 'fail'],
    ['12.2(55)SE', 'fail'],
  ])('switch software %s against 15.2(7)E2: %s', (rev, status) => {
    expect(statuses(run(switchFirmware, withRev(rev)))).toEqual([status]);
  });

  const bare = (sysDescr: string) => schoolFacts({ switches: [ok(switchFacts({ sysDescr, entities: [] }))] });
  const sourced = (firmwareSource: 'auto' | 'entity-mib' | 'sysdescr') => {
    const decl = declaration();
    return ctx({
      ...decl,
      devices: decl.devices.map((d) => (d.name === 'core-sw1' ? { ...d, firmwareSource } : d)),
    });
  };

  it('without ENTITY-MIB reads the firmware from a known vendor sysDescr, and says so', () => {
    const [r] = run(
      switchFirmware,
      bare(
        'Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)',
      ),
    );
    expect(r?.status).toBe('pass');
    expect(r?.reason).toContain('15.2(7)E4 (read from sysDescr, Cisco IOS / IOS XE format)');
    expect(r?.evidence[0]?.actual).toBe('15.2(7)E4 (sysDescr, Cisco IOS / IOS XE format)');
    const [old] = run(
      switchFirmware,
      bare('ProCurve J9021A Switch 2810-24G, revision N.11.75, ROM N.10.01 (/sw/code/build/bass)'),
    );
    expect(old?.status).toBe('fail');
    expect(old?.reason).toContain('N.11.75 (read from sysDescr, HPE ProCurve / ArubaOS-Switch format)');
  });

  it('where nothing names the firmware: not applicable with a warning for that device, never an error', () => {
    const [r] = run(switchFirmware, bare('Linux core-sw1 6.1.0-18-amd64 #1 SMP x86_64'));
    expect(r?.status).toBe('not_applicable');
    expect(r?.warning).toMatch(
      /^core-sw1's firmware cannot be read: neither ENTITY-MIB nor sysDescr names it/,
    );
  });

  it('follows the declared firmware source', () => {
    const facts = schoolFacts({
      switches: [
        ok(
          switchFacts({
            sysDescr:
              'Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 12.2(55)SE10, RELEASE SOFTWARE (fc2)',
            entities: [{ index: 1, description: 'chassis', class: 'chassis', softwareRev: '15.2(7)E4' }],
          }),
        ),
      ],
    });
    expect(statuses(run(switchFirmware, facts, {}, sourced('auto')))).toEqual(['pass']);
    expect(statuses(run(switchFirmware, facts, {}, sourced('sysdescr')))).toEqual(['fail']);
    const onlyMib = run(
      switchFirmware,
      bare('Cisco IOS Software, C2960X Software, Version 15.2(7)E4, RELEASE SOFTWARE'),
      {},
      sourced('entity-mib'),
    );
    expect(onlyMib[0]?.status).toBe('not_applicable');
    expect(onlyMib[0]?.warning).toMatch(/ENTITY-MIB \(the declared source\) has no software revision/);
  });

  it('is an error when the switch could not be read', () => {
    expect(statuses(run(switchFirmware, schoolFacts({ switches: [failed('core-sw1')] })))).toEqual(['error']);
  });
});
