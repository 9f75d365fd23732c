/**
 * Bad input (#13): a declaration asking for what the router's version or board cannot do fails at plan
 * time, naming the device, its version and board, and the feature; the plan is the first step of every
 * apply, so nothing is written. Each refusal is checked on an example school with one field changed, and
 * the same school without that change plans (so the refusal is that field's, not the school's).
 */
import { describe, expect, it } from 'vitest';
import { loadSchool } from '../../inventory/load.ts';
import type { Device, SchoolDeclaration } from '../../inventory/types.ts';
import { planRouter, routerDevices } from '../../intent/router.ts';
import { PlanError } from '../../intent/types.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

async function school(id: string): Promise<{ decl: SchoolDeclaration; router: Device }> {
  const { decl } = await loadSchool(`${ROOT}/inventory/schools/${id}/school.yaml`);
  return { decl, router: routerDevices(decl)[0]! };
}

function refusal(decl: SchoolDeclaration, router: Device): string {
  try {
    planRouter(decl, router);
    return 'planned';
  } catch (e) {
    expect(e).toBeInstanceOf(PlanError);
    return (e as Error).message;
  }
}

describe('plan-time refusals name the device, its version and board, and the feature', () => {
  it('a release outside the supported range (6.49.x, 7.1-7.24.x), however written', async () => {
    const { decl, router } = await school('miskin-primary');
    const cases: [string, RegExp][] = [
      ['6.48.6', /RouterOS 6.48.6 is older than 6.49/],
      ['7.25', /RouterOS 7.25 is newer than 7.24/],
      ['7.0', /7.0 was never a general release/],
      ['07.18', /is not a RouterOS version/],
    ];
    for (const [version, why] of cases) {
      router.routeros = { version, board: 'hap-ac2' };
      const message = refusal(decl, router);
      expect(message, version).toMatch(why);
      expect(message, version).toContain(
        `devices[core-router].routeros.version: router core-router (hap-ac2, RouterOS ${version})`,
      );
    }
    // Releases between the named ones plan like their neighbours.
    for (const version of ['7.15.3', '7.18.2', '7.19', '7.22.1', '7.24.1', '6.49.7']) {
      router.routeros = { version, board: 'hap-ac2' };
      expect(refusal(decl, router), version).toBe('planned');
    }
  });

  it('a board that does not run the version (hAP ax^3 before 7.10, RB5009 on 6.x)', async () => {
    const { decl, router } = await school('miskin-primary');
    router.routeros = { version: '7.9.2', board: 'hap-ax3' };
    expect(refusal(decl, router)).toBe(
      'router core-router (hap-ax3, RouterOS 7.9.2): the hap-ax3 does not run RouterOS 7.9.2; it needs 7.10 or later',
    );
    router.routeros = { version: '6.49.7', board: 'rb5009' };
    expect(refusal(decl, router)).toMatch(/the rb5009 does not run RouterOS 6.49.7; it needs 7.1 or later/);
    router.routeros = { version: '7.10', board: 'hap-ax3' };
    expect(refusal(decl, router)).toBe('planned');
  });

  it('SSIDs on a board with no radio', async () => {
    const { decl, router } = await school('miskin-primary');
    router.routeros = { version: '7.19', board: 'chr' };
    expect(refusal(decl, router)).toMatch(
      /^wifi\[0\] \(.+\): router core-router \(chr, RouterOS 7.19\) has no radio/,
    );
  });

  it('WPA3 on legacy wireless (6.49, or a hAP ac^2 before 7.13)', async () => {
    const { decl, router } = await school('croft-prep');
    for (const version of ['6.49.7', '7.12.1']) {
      router.routeros = { version, board: 'hap-ac2' };
      expect(refusal(decl, router), version).toMatch(
        new RegExp(
          `is wpa3-eap, but router gw-croft \\(hap-ac2, RouterOS ${version.replace(/\./g, '\\.')}\\) uses the legacy wireless package`,
        ),
      );
    }
    router.routeros = { version: '7.13', board: 'hap-ac2' };
    expect(refusal(decl, router)).toBe('planned');
  });

  it('a port the board does not have', async () => {
    const { decl, router } = await school('st-josephs-primary');
    router.routeros = { version: '7.16.2', board: 'hap-ax3' };
    expect(refusal(decl, router)).toMatch(
      /^devices\[core-router\]\.wan: router core-router \(hap-ax3, RouterOS 7\.16\.2\) has no port sfp-sfpplus1/,
    );
    router.routeros = { version: '7.16.2', board: 'rb5009' };
    expect(refusal(decl, router)).toMatch(/has no radio/);
  });

  it('SNMPv3 protocols RouterOS does not have, never weakened', async () => {
    const { decl, router } = await school('miskin-primary');
    router.routeros = { version: '7.22.1', board: 'hap-ac2' };
    const v3 = {
      version: '3' as const,
      user: 'monitor',
      authKey: 'env:A' as const,
      privKey: 'env:P' as const,
    };
    router.snmp = { ...v3, authProtocol: 'sha256', privProtocol: 'aes' };
    expect(refusal(decl, router)).toMatch(
      /^devices\[core-router\]\.snmp\.authProtocol: router core-router \(hap-ac2, RouterOS 7\.22\.1\) cannot do SNMPv3 authentication sha256/,
    );
    router.snmp = { ...v3, authProtocol: 'sha', privProtocol: 'aes256b' };
    expect(refusal(decl, router)).toMatch(/snmp\.privProtocol: .* cannot do SNMPv3 privacy aes256b/);
    router.snmp = { ...v3, authProtocol: 'sha', privProtocol: 'aes' };
    expect(refusal(decl, router)).toBe('planned');
  });

  it('legacy wireless on the hAP ax^3', async () => {
    const { decl, router } = await school('scissett-middle');
    router.routeros = { version: '7.20', board: 'hap-ax3' };
    expect(refusal(decl, router)).toMatch(/the hap-ax3's 802.11ax radios have no legacy wireless driver/);
  });
});
