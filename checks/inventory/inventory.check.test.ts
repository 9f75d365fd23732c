import { describe, expect, it } from 'vitest';
import type { SchoolFacts } from '../../devices/facts.ts';
import type { AssetRecord, RegisterFacts } from '../../inventory/facts.ts';
import {
  ctx,
  declaration,
  directory,
  failed,
  ok,
  router,
  run,
  schoolFacts,
  statuses,
  switchFacts,
} from '../../test/builders/fixtures.ts';
import type { CheckResult } from '../types.ts';
import devicesRegistered from './inventory-devices-registered.check.ts';
import devicesSeen from './inventory-devices-seen.check.ts';
import disposalComplete from './inventory-disposal-records-complete.check.ts';
import disposedNotReappearing from './inventory-disposed-not-reappearing.check.ts';
import endOfSupport from './inventory-end-of-support.check.ts';
import licencesExpiring from './inventory-licences-expiring.check.ts';
import licencesSufficient from './inventory-licences-sufficient.check.ts';
import softwareLicensed from './inventory-software-licensed.check.ts';

// The fixtures' run is at 2026-11-24; the school keeps a register, seen after 30 days, licences warned 60 days ahead.
const context = ctx(
  declaration({
    inventory: {
      assets: 'assets.csv',
      licences: 'licences.csv',
      notSeenAfterDays: 30,
      licenceExpiryWarningDays: 60,
    },
  }),
);

function asset(assetTag: string, over: Partial<AssetRecord> = {}): AssetRecord {
  return {
    assetTag,
    serial: `SER-${assetTag}`,
    model: 'Latitude 5520',
    kind: 'laptop',
    status: 'in-use',
    ...over,
  };
}

/** Oakfield's register matches its fixture estate: router, switch, two laptops (leases) and two computers. */
function register(over: Partial<RegisterFacts> = {}): RegisterFacts {
  return {
    assets: [
      asset('OAK-1', { serial: 'HEX0000R1', kind: 'router', model: 'RB5009UG+S+' }),
      asset('OAK-2', { serial: 'FOC0000X0AA', kind: 'switch', model: 'WS-C2960X-48FPD-L' }),
      asset('OAK-3', { mac: ['3C:52:82:00:00:01'], hostname: 'LAPTOP-01' }),
      asset('OAK-4', { hostname: 'LAPTOP-02' }),
    ],
    software: [],
    licences: [],
    installs: [],
    ...over,
  };
}

const lease = (address: string, macAddress: string, hostName?: string) => ({
  address,
  macAddress,
  ...(hostName ? { hostName } : {}),
});

function estate(
  reg: RegisterFacts = register(),
  leases = [lease('10.10.0.101', '3c:52:82:00:00:01', 'LAPTOP-01')],
): SchoolFacts {
  return {
    ...schoolFacts({
      routers: [ok(router({ serial: 'HEX0000R1', model: 'RB5009UG+S+', dhcpLeases: leases }))],
    }),
    register: reg,
  };
}

const failing = (rs: CheckResult[]) =>
  rs.filter((r) => r.status === 'fail').map((r) => r.evidence[0]?.object);

describe('inventory-devices-registered', () => {
  it('passes when everything seen is registered', () => {
    const rs = run(devicesRegistered, estate(), {}, context);
    expect(statuses(rs)).toEqual(['pass']);
    expect(rs[0]?.reason).toMatch(/^4 registered devices seen/);
  });

  it.each([
    [
      'a leased laptop',
      [lease('10.20.0.31', 'A4:83:E7:10:00:31', 'PUPIL-CB-031')],
      'MAC A4:83:E7:10:00:31',
      'core-router',
    ],
    ['a switch chassis', undefined, 'serial FOC0000X0ZZ', 'core-sw1'],
  ])('fails for %s that is not in the register', (_what, leases, object, source) => {
    const facts = estate(register(), [lease('10.10.0.101', '3C:52:82:00:00:01'), ...(leases ?? [])]);
    if (leases === undefined)
      facts.switches = [
        ok(
          switchFacts({
            entities: [{ index: 1, description: 'c', class: 'chassis', serial: 'FOC0000X0ZZ' }],
          }),
        ),
      ];
    const rs = run(devicesRegistered, facts, {}, context);
    expect(failing(rs)).toContain(object);
    expect(rs.find((r) => r.status === 'fail')?.evidence[0]?.source).toBe(source);
  });

  it('fails for an enabled directory computer not in the register, but not for a disabled one or a guest lease', () => {
    const facts = estate(register(), [
      lease('10.10.0.101', '3C:52:82:00:00:01'),
      lease('10.30.0.50', '02:00:00:00:00:99', 'visitor-phone'),
    ]);
    facts.directory = ok(
      directory({
        computers: [
          { dn: 'CN=LAPTOP-01', name: 'LAPTOP-01', enabled: true },
          { dn: 'CN=ROGUE-PC', name: 'ROGUE-PC', enabled: true },
          { dn: 'CN=OLD-PC', name: 'OLD-PC', enabled: false },
        ],
      }),
    );
    expect(failing(run(devicesRegistered, facts, {}, context))).toEqual(['computer ROGUE-PC']);
  });

  it('does not count parts (a power supply) as unregistered devices', () => {
    const facts = estate();
    facts.switches = [
      ok(
        switchFacts({
          entities: [
            { index: 1, description: 'c', class: 'chassis', serial: 'FOC0000X0AA' },
            { index: 2, description: 'PSU', class: 'powerSupply', serial: 'PSU-1' },
          ],
        }),
      ),
    ];
    expect(failing(run(devicesRegistered, facts, {}, context))).toEqual([]);
  });

  it('says which source could not be read, and still reports what the others show', () => {
    const facts = estate(register(), [lease('10.20.0.32', 'A4:83:E7:10:00:32')]);
    facts.switches = [failed('core-sw1')];
    const rs = run(devicesRegistered, facts, {}, context);
    expect(statuses(rs)).toEqual(['error', 'fail', 'pass']);
    expect(rs[0]?.evidence[0]?.source).toBe('core-sw1');
  });

  it('is an error when the declared register was not read, and not applicable without one', () => {
    const facts = schoolFacts();
    expect(statuses(run(devicesRegistered, facts, {}, context))).toEqual(['error']);
    expect(statuses(run(devicesRegistered, facts, {}, ctx()))).toEqual(['not_applicable']);
  });
});

describe('inventory-disposed-not-reappearing', () => {
  const disposal = { date: '2025-07-14', company: 'Recycler Ltd', certificate: 'C-1', weeeRef: 'W-1' };

  it.each([
    [
      'its serial on the switch',
      asset('OLD-SW', { serial: 'FOC0000X0AA', kind: 'switch' }),
      'serial FOC0000X0AA',
      'core-sw1',
    ],
    [
      'its MAC in a DHCP lease',
      asset('OLD-LT', { mac: ['3C:52:82:00:00:01'] }),
      'MAC 3C:52:82:00:00:01',
      'core-router',
    ],
    [
      'its computer object enabled',
      asset('OLD-PC', { hostname: 'laptop-02.oakfield.example.org' }),
      'computer LAPTOP-02',
      'directory',
    ],
  ])('fails when a disposed device reappears: %s', (_what, gone, object, source) => {
    const reg = register();
    reg.assets = reg.assets.filter(
      (a) =>
        a.serial !== gone.serial &&
        a.hostname !== 'LAPTOP-02' &&
        !(a.mac ?? []).some((m) => gone.mac?.includes(m)),
    );
    reg.assets.push({ ...gone, status: 'disposed', disposal });
    const rs = run(disposedNotReappearing, estate(reg), {}, context);
    const f = rs.find((r) => r.status === 'fail');
    expect(f?.evidence[0]).toMatchObject({ source, object });
    expect(f?.evidence[1]).toMatchObject({ source: 'register', object: gone.assetTag });
    expect(f?.reason).toMatch(/recorded as disposed of on 2025-07-14 via Recycler Ltd/);
  });

  it('passes when disposed devices stay gone; a disabled leftover computer or a reused host name is not a reappearance', () => {
    const reg = register();
    reg.assets.push(
      asset('OLD-1', { serial: 'GONE-1', hostname: 'LAPTOP-01', status: 'disposed', disposal }),
    );
    const facts = estate(reg);
    facts.directory = ok(directory({ computers: [{ dn: 'CN=OLD-1', name: 'LAPTOP-01', enabled: false }] }));
    const rs = run(disposedNotReappearing, facts, {}, context);
    expect(statuses(rs)).toEqual(['pass']);
    expect(rs[0]?.reason).toBe('1 disposed asset not seen on the network or in the directory.');
  });
});

describe('inventory-devices-seen', () => {
  it.each([
    ['last seen 10 days ago', '2026-11-14', []],
    ['last seen 31 days ago', '2026-10-24', ['OAK-5']],
    ['never seen', undefined, ['OAK-5']],
  ])('an in-use laptop not in this run, %s', (_what, lastSeen, expected) => {
    const reg = register();
    reg.assets.push(asset('OAK-5', { mac: ['3C:52:82:00:00:05'], ...(lastSeen ? { lastSeen } : {}) }));
    expect(failing(run(devicesSeen, estate(reg), {}, context))).toEqual(expected);
  });

  it('uses the clause’s period over the declaration’s, and ignores spares and kit never on the network', () => {
    const reg = register();
    reg.assets.push(asset('OAK-5', { mac: ['3C:52:82:00:00:05'], lastSeen: '2026-11-14' }));
    reg.assets.push(asset('OAK-6', { mac: ['3C:52:82:00:00:06'], status: 'spare' }));
    reg.assets.push(asset('OAK-7', { kind: 'projector' }));
    expect(failing(run(devicesSeen, estate(reg), { notSeenAfterDays: 7 }, context))).toEqual(['OAK-5']);
  });

  it('judges nothing while a source is unread: it would blame the devices for the gap', () => {
    const facts = estate();
    facts.directory = failed('directory');
    expect(statuses(run(devicesSeen, facts, {}, context))).toEqual(['error']);
  });
});

describe('inventory-end-of-support', () => {
  it.each([
    ['end of support yesterday', { endOfSupport: '2026-11-23' }, ['OAK-5']],
    ['end of support today', { endOfSupport: '2026-11-24' }, ['OAK-5']],
    ['end of support tomorrow', { endOfSupport: '2026-11-25' }, []],
    ['warranty ended', { warrantyEnd: '2026-11-01' }, ['OAK-5 warranty']],
    ['a spare past its end of support', { endOfSupport: '2025-01-01', status: 'spare' as const }, ['OAK-5']],
    [
      'disposed kit past its end of support',
      {
        endOfSupport: '2025-01-01',
        status: 'disposed' as const,
        disposal: { date: '2025-02-01', company: 'R', certificate: 'C', weeeRef: 'W' },
      },
      [],
    ],
  ])('%s', (_what, over, expected) => {
    const reg = register();
    reg.assets.push(asset('OAK-5', over));
    expect(failing(run(endOfSupport, estate(reg), {}, context))).toEqual(expected);
  });

  it('leaves warranties out when the clause says so', () => {
    const reg = register();
    reg.assets.push(asset('OAK-5', { warrantyEnd: '2026-11-01' }));
    expect(statuses(run(endOfSupport, estate(reg), { warranty: false }, context))).toEqual(['pass']);
  });
});

describe('inventory-disposal-records-complete', () => {
  it.each([
    [{ date: '2025-01-01', company: 'R', certificate: 'C', weeeRef: 'W' }, []],
    [{ date: '2025-01-01', company: 'R', certificate: '', weeeRef: '' }, ['OAK-9']],
    [undefined, ['OAK-9']],
  ])('disposal record %j', (disposal, expected) => {
    const reg = register();
    reg.assets.push(asset('OAK-9', { status: 'disposed', ...(disposal ? { disposal } : {}) }));
    const rs = run(disposalComplete, estate(reg), {}, context);
    expect(failing(rs)).toEqual(expected);
    if (disposal?.certificate === '')
      expect(rs[0]?.reason).toMatch(/lacks the receipt or data-destruction certificate, WEEE reference/);
  });

  it('is not applicable with nothing disposed', () => {
    expect(statuses(run(disposalComplete, estate(), {}, context))).toEqual(['not_applicable']);
  });
});

describe('licences', () => {
  const reg = (
    licences: RegisterFacts['licences'],
    installs: RegisterFacts['installs'],
    software: RegisterFacts['software'] = [],
  ) => estate(register({ licences, installs, software }));

  it.each([
    ['19 installs of 20 seats', 19, 'pass', /1 unused/],
    ['20 installs of 20 seats', 20, 'pass', /within 20 seats/],
    ['21 installs of 20 seats', 21, 'fail', /installed on 21 devices but only 20 seats/],
  ])('per-device licence, %s', (_what, n, status, reason) => {
    const [r] = run(
      licencesSufficient,
      reg([{ title: 'Office', kind: 'per-device', seats: 20 }], [{ title: 'office', installs: n }]),
      {},
      context,
    );
    expect(r?.status).toBe(status);
    expect(r?.reason).toMatch(reason);
  });

  it('counts seats across licences in force, ignores ended ones, and treats a site licence as unlimited', () => {
    const licences: RegisterFacts['licences'] = [
      { title: 'Office', kind: 'per-device', seats: 10 },
      { title: 'Office', kind: 'per-device', seats: 10, expiry: '2026-12-31' },
      { title: 'Office', kind: 'per-device', seats: 50, expiry: '2025-08-31' },
      { title: 'Purple Mash', kind: 'site', expiry: '2027-08-31' },
    ];
    const rs = run(
      licencesSufficient,
      reg(licences, [
        { title: 'Office', installs: 21 },
        { title: 'Purple Mash', installs: 900 },
      ]),
      {},
      context,
    );
    expect(rs.map((r) => [r.evidence[0]?.object, r.status])).toEqual([
      ['Office', 'fail'],
      ['Purple Mash', 'pass'],
    ]);
  });

  it.each([
    ['ends in 59 days', '2027-01-22', ['Acrobat licence']],
    ['ends in exactly 60 days', '2027-01-23', ['Acrobat licence']],
    ['ends in 61 days', '2027-01-24', []],
    ['ended yesterday', '2026-11-23', ['Acrobat licence']],
  ])('a subscription that %s', (_what, expiry, expected) => {
    const rs = run(
      licencesExpiring,
      reg([{ title: 'Acrobat', kind: 'subscription', seats: 5, expiry }], []),
      {},
      context,
    );
    expect(failing(rs)).toEqual(expected);
  });

  it('uses the clause’s warning period, and does not report an ended licence that was renewed', () => {
    const licences: RegisterFacts['licences'] = [
      { title: 'Acrobat', kind: 'subscription', seats: 5, expiry: '2025-12-31' },
      { title: 'Acrobat', kind: 'subscription', seats: 5, start: '2026-01-01', expiry: '2027-01-22' },
    ];
    expect(failing(run(licencesExpiring, reg(licences, []), { expiryWarningDays: 30 }, context))).toEqual([]);
    expect(failing(run(licencesExpiring, reg(licences, []), {}, context))).toEqual(['Acrobat licence']);
  });

  it('fails software installed with no licence in force, unless marked as needing none', () => {
    const rs = run(
      softwareLicensed,
      reg(
        [{ title: 'Sophos Endpoint', kind: 'subscription', seats: 60, expiry: '2026-10-31' }],
        [
          { title: 'Sophos Endpoint', installs: 48 },
          { title: 'WinRAR', installs: 4 },
          { title: 'Google Chrome', installs: 45 },
        ],
        [{ title: 'Google Chrome', licenceRequired: false }],
      ),
      {},
      context,
    );
    expect(failing(rs)).toEqual(['Sophos Endpoint', 'WinRAR']);
    expect(rs[0]?.reason).toMatch(/the last one expired 2026-10-31/);
    expect(rs.at(-1)?.reason).toBe('1 installed title licensed or free to use.');
  });

  it('is not applicable without licences or installation counts', () => {
    expect(statuses(run(licencesSufficient, estate(), {}, context))).toEqual(['not_applicable']);
    expect(statuses(run(softwareLicensed, estate(), {}, context))).toEqual(['not_applicable']);
    expect(statuses(run(licencesExpiring, estate(), {}, context))).toEqual(['not_applicable']);
  });
});
