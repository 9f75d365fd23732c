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

  it('is an error when the switch reports no software revision', () => {
    expect(statuses(run(switchFirmware, withRev(undefined)))).toEqual(['error']);
  });

  it('is an error when the switch could not be read', () => {
    expect(statuses(run(switchFirmware, schoolFacts({ switches: [failed('core-sw1')] })))).toEqual(['error']);
  });
});
