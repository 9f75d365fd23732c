import { describe, expect, it } from 'vitest';
import type { RouterWifi } from '../../devices/facts.ts';
import {
  about,
  ctx,
  declaration,
  failed,
  ok,
  router,
  run,
  schoolFacts,
  statuses,
} from '../../test/builders/fixtures.ts';
import guestVlan from './wifi-guest-on-guest-vlan.check.ts';
import pmf from './wifi-pmf-required.check.ts';
import radius from './wifi-radius-configured.check.ts';
import present from './wifi-ssid-declared-present.check.ts';
import eap from './wifi-ssid-requires-eap.check.ts';

const base = router().wifi;
function withWifi(change: (w: RouterWifi) => RouterWifi | undefined, extra: RouterWifi[] = []) {
  const wifi = [...base.map(change).filter((w): w is RouterWifi => w !== undefined), ...extra];
  return schoolFacts({ routers: [ok(router({ wifi }))] });
}
const only = (ssid: string, over: Partial<RouterWifi>) => (w: RouterWifi) =>
  w.ssid === ssid ? { ...w, ...over } : w;
const routerDown = schoolFacts({ routers: [failed('core-router', 'E-REFUSED')] });

describe('wifi-ssid-requires-eap', () => {
  it('passes Enterprise SSIDs and leaves guest and BYOD SSIDs alone', () => {
    const r = run(eap, schoolFacts());
    expect(statuses(r)).toEqual(['pass', 'pass', 'not_applicable', 'not_applicable']);
  });

  it.each([
    [['wpa2-psk'], 'fail'],
    [['wpa2-eap', 'wpa2-psk'], 'fail'],
    [[], 'fail'],
    [['wpa3-eap'], 'pass'],
  ])('staff SSID offering %o: %s', (types, status) => {
    expect(
      about(run(eap, withWifi(only('Oak-Staff', { authenticationTypes: types }))), 'Oak-Staff (wifi1)')
        ?.status,
    ).toBe(status);
  });

  it('judges an undeclared SSID by the VLAN it lands in', () => {
    const rogue: RouterWifi = {
      name: 'wifi9',
      ssid: 'Classroom-Printer',
      authenticationTypes: ['wpa2-psk'],
      eapMethods: [],
      managementProtection: 'disabled',
      vlanId: 20,
      disabled: false,
      source: 'wifi',
    };
    expect(
      about(
        run(
          eap,
          withWifi((w) => w, [rogue]),
        ),
        'Classroom-Printer (wifi9)',
      )?.status,
    ).toBe('fail');
    expect(
      about(
        run(
          eap,
          withWifi((w) => w, [{ ...rogue, vlanId: 30 }]),
        ),
        'Classroom-Printer (wifi9)',
      )?.status,
    ).toBe('not_applicable');
  });

  it('is an error when the router could not be read', () => {
    const r = run(eap, routerDown);
    expect(statuses(r)).toEqual(['error']);
    expect(r[0]?.reason).toMatch(/core-router could not be read \(E-REFUSED/);
  });
});

describe('wifi-radius-configured', () => {
  it('passes with the declared server for service wireless', () => {
    expect(statuses(run(radius, schoolFacts()))).toEqual(['pass']);
  });

  it.each([
    ['no entry', []],
    ['wrong service', [{ address: '10.40.0.20', service: ['login'], disabled: false }]],
    ['disabled', [{ address: '10.40.0.20', service: ['wireless'], disabled: true }]],
    ['another server', [{ address: '10.40.0.99', service: ['wireless'], disabled: false }]],
  ])('fails with %s', (_label, entries) => {
    expect(statuses(run(radius, schoolFacts({ routers: [ok(router({ radius: entries }))] })))).toEqual([
      'fail',
    ]);
  });

  it('is not applicable without Enterprise SSIDs', () => {
    const facts = withWifi((w) => ({ ...w, authenticationTypes: ['wpa2-psk'] }));
    expect(statuses(run(radius, facts))).toEqual(['not_applicable']);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(radius, routerDown))).toEqual(['error']);
  });
});

describe('wifi-pmf-required', () => {
  it('judges PMF and WPA3 on the pupil SSID as declared', () => {
    const r = run(pmf, schoolFacts());
    expect(statuses(r)).toEqual(['pass', 'pass']);
  });

  it.each([
    [{ managementProtection: 'allowed' }, 'fail', 'pass'],
    [{ managementProtection: 'disabled' }, 'fail', 'pass'],
    [{ authenticationTypes: ['wpa2-eap'] }, 'pass', 'fail'],
  ])('pupil SSID with %o: pmf %s, wpa3 %s', (over, pmfStatus, wpa3Status) => {
    const r = run(pmf, withWifi(only('Oak-Pupils', over)));
    expect(about(r, 'Oak-Pupils (wifi2) pmf')?.status).toBe(pmfStatus);
    expect(about(r, 'Oak-Pupils (wifi2) wpa3')?.status).toBe(wpa3Status);
  });

  it('is not applicable when nothing is declared with PMF required or WPA3', () => {
    const decl = declaration();
    const relaxed = {
      ...decl,
      wifi: decl.wifi.map((s) => ({
        ...s,
        pmf: 'optional' as const,
        security: s.security === 'wpa3-eap' ? ('wpa2-eap' as const) : s.security,
      })),
    };
    expect(statuses(run(pmf, schoolFacts(), {}, ctx(relaxed)))).toEqual(['not_applicable']);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(pmf, routerDown))).toEqual(['error']);
  });

  it('fails an SSID declared with WPA3 and PMF required that the router does not have, with evidence', () => {
    const r = run(
      pmf,
      withWifi((w) => (w.ssid === 'Oak-Pupils' ? undefined : w)),
    );
    const f = about(r, 'Oak-Pupils');
    expect(f?.status).toBe('fail');
    expect(f?.evidence[0]).toMatchObject({
      source: 'core-router',
      object: 'Oak-Pupils',
      expected: 'Oak-Pupils broadcast with WPA3-Enterprise and PMF required',
      actual: 'absent',
    });
    expect(statuses(r)).not.toContain('not_applicable');
  });

  it('fails a declared WPA3 SSID that is configured but disabled', () => {
    const f = about(run(pmf, withWifi(only('Oak-Pupils', { disabled: true }))), 'Oak-Pupils');
    expect(f?.status).toBe('fail');
    expect(f?.evidence[0]?.actual).toBe('disabled on core-router');
  });

  it('is an error, not a failure, when another router that might broadcast it could not be read', () => {
    const facts = withWifi((w) => (w.ssid === 'Oak-Pupils' ? undefined : w));
    const r = run(pmf, { ...facts, routers: [...facts.routers, failed('edge-router', 'E-REFUSED')] });
    expect(about(r, 'Oak-Pupils')?.status).toBe('error');
  });
});

describe('wifi-guest-on-guest-vlan', () => {
  it('passes guest and BYOD SSIDs on their VLANs', () => {
    expect(statuses(run(guestVlan, schoolFacts()))).toEqual(['pass', 'pass']);
  });

  it('fails a declared guest SSID that no router broadcasts', () => {
    const r = run(
      guestVlan,
      withWifi((w) => (w.ssid === 'Oak-Guest' ? undefined : w)),
    );
    expect(about(r, 'Oak-Guest')).toMatchObject({ status: 'fail' });
    expect(about(r, 'Oak-Guest')?.evidence[0]?.actual).toBe('absent');
  });

  it('fails the guest SSID landing among pupils', () => {
    const r = about(run(guestVlan, withWifi(only('Oak-Guest', { vlanId: 20 }))), 'Oak-Guest (wifi3)');
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(/lands on VLAN 20 PUPILS/);
  });

  it('fails any shared-password SSID outside the guest networks, declared or not', () => {
    const rogue: RouterWifi = {
      name: 'wifi9',
      ssid: 'Staffroom',
      authenticationTypes: ['wpa2-psk'],
      eapMethods: [],
      managementProtection: 'disabled',
      vlanId: 10,
      disabled: false,
      source: 'wireless',
    };
    expect(
      about(
        run(
          guestVlan,
          withWifi((w) => w, [rogue]),
        ),
        'Staffroom (wifi9)',
      )?.status,
    ).toBe('fail');
    expect(
      about(
        run(
          guestVlan,
          withWifi((w) => w, [{ ...rogue, vlanId: undefined }]),
        ),
        'Staffroom (wifi9)',
      )?.reason,
    ).toMatch(/untagged/);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(guestVlan, routerDown))).toEqual(['error']);
  });
});

describe('wifi-ssid-declared-present', () => {
  it('passes every declared SSID broadcast', () => {
    expect(statuses(run(present, schoolFacts()))).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('fails a missing SSID and a disabled one', () => {
    const r = run(
      present,
      withWifi((w) =>
        w.ssid === 'Oak-BYOD' ? undefined : w.ssid === 'Oak-Guest' ? { ...w, disabled: true } : w,
      ),
    );
    expect(about(r, 'Oak-BYOD')?.reason).toMatch(/no router broadcasts it/);
    expect(about(r, 'Oak-Guest')?.reason).toMatch(/disabled/);
  });

  it('cannot call an SSID missing while a router is unreadable', () => {
    const facts = schoolFacts({ routers: [ok(router({ wifi: base.slice(0, 2) })), failed('ap-hall')] });
    const r = run(present, facts);
    expect(about(r, 'Oak-Guest')?.status).toBe('error');
    expect(about(r, 'Oak-Staff')?.status).toBe('pass');
  });

  it('is an error when no router was read', () => {
    expect(statuses(run(present, routerDown))).toContain('error');
    expect(statuses(run(present, routerDown))).not.toContain('pass');
  });
});
