/**
 * The audit engine's "done when": the demo school and each of the five example schools audited against
 * the testbed (a RouterOS test server of its own, loaded with a fixture full of deliberate faults;
 * switches on snmpsim; the SSH CLI on sshd; the directory on Samba AD or slapd) produce the expected
 * fails, each with evidence and mapped to that school's own clause ids, and the audit writes nothing
 * to the router.
 *
 * Expected clause ids are computed from the school's policy.yaml through the clause-map loader, not
 * read back from the engine, so a mapping mistake in the engine cannot agree with itself.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSchool } from '../checks/engine/index.ts';
import type { AuditRun, RunFinding } from '../checks/engine/types.ts';
import { getCheck } from '../checks/registry.ts';
import { declaredParams } from '../checks/engine/declared-params.ts';
import { loadSchool } from '../inventory/load.ts';
import { clausesFor, loadPolicy } from '../checks/engine/clause-map.ts';
import type { PolicyMap } from '../checks/engine/clause-map.ts';
import { parseWaivers } from '../inventory/waivers.ts';
import { bindToTestbed, SCHOOLS_DIR, startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

/** A failure the fixture or the testbed was built to show: check, source, object (exact or pattern), and what the evidence says. */
type Expect = [checkId: string, source: string, object: string | RegExp, actual?: RegExp];

/**
 * The roster checks, judged on the school's own roster.csv against the testbed's directory (the demo
 * dataset, test/fixtures/directory/demo-school.json). Each is absent when the school's clause map does
 * not select that check (then it has no finding at all).
 */
interface RosterExpect {
  /** Each leaver's account and its verdict, and how many leavers match no account (each a failure). */
  leavers?: { accounts: Record<string, 'pass' | 'fail'>; noAccount: number };
  /** The enabled accounts nobody on the roster matches. */
  notOnRoster?: string[];
  /** The enabled accounts with no acceptable use agreement recorded. */
  noAup?: string[];
}

interface Case {
  school: string;
  fixture: 'demo' | 'bad';
  fails: Expect[];
  roster: RosterExpect;
  /** Check ids the school's waivers.yaml waives while in force. */
  waived?: [checkId: string, waiverId: string][];
}

/** The demo dataset's enabled accounts in the staff and pupils OUs, less those named. */
function enabledPeopleExcept(...onRoster: string[]): string[] {
  return ENABLED_PEOPLE.filter((u) => !onRoster.includes(u));
}

const ENABLED_PEOPLE = [
  'aoife.oneill',
  'jose.nunez',
  'renee.dubois',
  'priya.raman',
  'tom.whitfield',
  'grace.okafor',
  'daniel.hughes',
  'megan.price',
  'hannah.lewis',
  'ictsupport',
  'niamh.obrien',
  'chloe.martin',
  'oliver.bennett',
  'amelia.clarke',
  'noah.patel',
  'isla.fraser',
  'leo.nakamura',
  'freya.jones',
  'arjun.mehta',
  'evie.taylor',
  'harry.wood',
  'mia.kowalski',
  'jack.evans',
  'sofia.garcia',
  'ethan.brown',
  'lily.chen',
  'oscar.reid',
  'ava.walsh',
  'zain.hussain',
  'ella.morgan',
  'theo.adams',
  'zoe.lefevre',
  'max.schmidt',
  'aisha.bello',
  'finn.murphy',
  'ellie.marsh',
  'liam.darcy',
];

const CASES: Case[] = [
  {
    school: 'demo',
    fixture: 'demo',
    fails: [
      ['routeros-firmware-minimum', 'core-router', 'RouterOS', /7\.12/],
      ['routeros-service-management-restricted', 'core-router', 'service telnet', /from anywhere/],
      ['routeros-service-management-restricted', 'core-router', 'service www', /from anywhere/],
      ['routeros-user-default-admin-removed', 'core-router', 'user admin', /enabled/],
      ['routeros-snmp-default-community', 'core-router', /snmp/, /public/],
      ['wifi-guest-on-guest-vlan', 'core-router', /^Demo-Guest/, /VLAN 20/],
      ['wifi-ssid-requires-eap', 'core-router', /^Demo-Pupils/, /psk/],
      ['wifi-pmf-required', 'core-router', /^Demo-Pupils.* pmf$/, /disabled/],
      ['routeros-zone-isolation', 'core-router', 'guests -> staff'],
      ['routeros-firewall-encrypted-dns-blocked', 'core-router', 'PUPILS port 853', /accepted/],
      ['switch-vlans-declared-present', 'core-sw1', /VLAN 40/, /absent/],
      ['switch-management-plaintext-off', 'core-sw1-cli', 'http', /on/],
      // The seeded directory's deliberate faults (test/fixtures/directory/demo-school.json) against the roster.
      ['directory-account-leavers-disabled', 'directory', 'ellie.marsh', /^enabled/],
      ['directory-account-leavers-disabled', 'directory', 'liam.darcy', /last sign-in/],
      ['directory-account-not-on-roster', 'directory', 'ictsupport', /no match/],
      ['directory-account-password-not-required', 'directory', 'megan.price', /PASSWD_NOTREQD/],
      ['directory-account-stale', 'directory', 'daniel.hughes', /last sign-in/],
      // breakglass.admin is the declared emergency account, so admin.praman is the only named one.
      ['directory-admin-named-count', 'directory', 'named administrators', /^1$/],
    ],
    roster: {
      leavers: {
        accounts: {
          'ellie.marsh': 'fail',
          'liam.darcy': 'fail',
          'maelle.dupont': 'fail',
          'ruby.thornton': 'fail',
          'isaac.fenwick': 'pass',
          'sam.smith': 'pass',
        },
        noAccount: 1,
      },
      notOnRoster: ['ictsupport'],
      noAup: [],
    },
    waived: [['routeros-firewall-encrypted-dns-blocked', 'W-DEMO-001']],
  },
  {
    school: 'croft-prep',
    fixture: 'bad',
    fails: [
      ['routeros-firewall-input-default-drop', 'gw-croft', /input chain/],
      ['routeros-zone-isolation', 'gw-croft', 'pupils -> staff'],
      ['routeros-firewall-encrypted-dns-blocked', 'gw-croft', 'PUPILS port 853'],
      ['switch-vlans-declared-present', 'sw-main', /VLAN 40/],
      ['switch-vlans-declared-present', 'sw-prep', /VLAN 40/],
      ['governance-policy-review-due', 'declaration', /policy/, /2020-12-01/],
    ],
    // Its clause map selects only the leavers check: disabled and moved, 14 days' grace (long past here).
    roster: {
      leavers: {
        accounts: {
          'isaac.fenwick': 'pass',
          'maelle.dupont': 'fail',
          'ellie.marsh': 'fail',
          'liam.darcy': 'fail',
        },
        noAccount: 0,
      },
    },
    waived: [['routeros-firmware-minimum', 'W-CROFT-001']],
  },
  {
    school: 'miskin-primary',
    fixture: 'demo',
    fails: [
      ['routeros-service-management-restricted', 'core-router', 'service telnet'],
      ['routeros-user-default-admin-removed', 'core-router', 'user admin'],
      ['switch-snmp-default-community', 'sw-hall-cli', /snmp/, /public/],
      ['switch-vlans-declared-present', 'sw-hall', /VLAN 50 STAFFOWN/],
      ['routeros-vlans-declared-present', 'core-router', /VLAN 50 STAFFOWN/],
      ['governance-policy-review-due', 'declaration', /policy/, /2017-06-01/],
    ],
    // Its clause map selects no roster check: its roster.csv serves `schoolnet leavers` only.
    roster: {},
  },
  {
    school: 'scissett-middle',
    fixture: 'bad',
    fails: [
      ['routeros-firmware-minimum', 'gw1', 'RouterOS', /7\.13\.5/],
      ['routeros-firewall-input-default-drop', 'gw1', /input chain/],
      ['routeros-dhcp-dns-filter', 'gw1', /10\.20\.0\.0\/22/, /8\.8\.8\.8/],
      ['directory-admin-named-count', 'directory', /emergency/],
      ['directory-password-policy-drift', 'directory', /cn=default/, /declared 8/],
      ['governance-policy-review-due', 'declaration', /policy/, /2019-10-01/],
    ],
    // On slapd, matched by uid; leavers are disabled and moved. No agreement check in its clause map.
    roster: {
      leavers: {
        accounts: {
          'ruby.thornton': 'fail',
          'isaac.fenwick': 'pass',
          'ellie.marsh': 'fail',
          'sam.smith': 'pass',
        },
        noAccount: 0,
      },
      notOnRoster: enabledPeopleExcept(
        'aoife.oneill',
        'jose.nunez',
        'renee.dubois',
        'grace.okafor',
        'megan.price',
        'theo.adams',
        'zoe.lefevre',
        'max.schmidt',
        'aisha.bello',
        'finn.murphy',
        'noah.patel',
        'isla.fraser',
        'freya.jones',
        'ella.morgan',
        'evie.taylor',
        'ellie.marsh',
      ),
    },
  },
  {
    school: 'st-josephs-primary',
    fixture: 'demo',
    fails: [
      // Enterprise Wi-Fi on every SSID, guests included: this school's own rule.
      ['wifi-ssid-requires-eap', 'core-router', /^Demo-Guest/, /psk/],
      ['routeros-user-default-admin-removed', 'core-router', 'user admin'],
      ['switch-port-pvid-declared', 'sw-core', 'port 3', /PVID 10/],
      ['routeros-zone-isolation', 'core-router', 'guests -> staff'],
      ['governance-policy-review-due', 'declaration', /policy/, /2020-09-01/],
    ],
    // Matched by e-mail address; its clause map selects the roster and agreement checks, not leavers.
    roster: {
      notOnRoster: enabledPeopleExcept(
        'renee.dubois',
        'priya.raman',
        'tom.whitfield',
        'hannah.lewis',
        'daniel.hughes',
        'chloe.martin',
        'amelia.clarke',
        'leo.nakamura',
        'arjun.mehta',
        'harry.wood',
        'mia.kowalski',
        'sofia.garcia',
        'lily.chen',
        'ava.walsh',
        'zain.hussain',
        'liam.darcy',
      ),
      noAup: ['daniel.hughes', 'zain.hussain'],
    },
  },
  {
    school: 'st-marks-primary',
    fixture: 'bad',
    fails: [
      ['routeros-snmp-default-community', 'core-router', /snmp/, /read-write/],
      ['routeros-service-management-restricted', 'core-router', 'service ftp'],
      ['wifi-ssid-requires-eap', 'core-router', /^Demo-Pupils/, /open/],
      ['routeros-zone-isolation', 'core-router', 'pupils -> staff'],
      ['switch-management-plaintext-off', 'sw-office-cli', 'http'],
    ],
    // Leavers are disabled (not moved), no grace; no agreement check in its clause map.
    roster: {
      leavers: {
        accounts: { 'ellie.marsh': 'fail', 'liam.darcy': 'fail', 'maelle.dupont': 'pass' },
        noAccount: 1,
      },
      notOnRoster: enabledPeopleExcept(
        'aoife.oneill',
        'tom.whitfield',
        'grace.okafor',
        'hannah.lewis',
        'chloe.martin',
        'oliver.bennett',
        'amelia.clarke',
        'leo.nakamura',
        'harry.wood',
        'jack.evans',
        'sofia.garcia',
        'oscar.reid',
        'zain.hussain',
        'max.schmidt',
        'finn.murphy',
        'ellie.marsh',
        'liam.darcy',
      ),
    },
    waived: [['governance-policy-review-due', 'W-STMARKS-001']],
  },
];

function matches(f: RunFinding, [checkId, source, object]: Expect): boolean {
  if (f.checkId !== checkId) return false;
  return f.evidence.some(
    (e) =>
      e.source === source && (typeof object === 'string' ? e.object === object : object.test(e.object ?? '')),
  );
}

for (const c of CASES) {
  describe(`auditing ${c.school} against the testbed`, () => {
    let run: AuditRun;
    let server: RouterOsServer;
    let policy: PolicyMap;

    beforeAll(async () => {
      const started = await startSchoolRouter(c.fixture);
      server = started.server;
      const loaded = await loadSchool(join(SCHOOLS_DIR, c.school, 'school.yaml'));
      policy = await loadPolicy(resolve(loaded.dir, loaded.decl.policy.file));
      const bound = await bindToTestbed(loaded, testbedInfo(), { routers: started.endpoint });
      run = await auditSchool(bound.loaded, { env: bound.env });
    }, 120_000);
    afterAll(async () => {
      await server?.close();
    });

    it('completes, reading every router, switch, the directory and the roster', () => {
      expect(run.status).toBe('complete');
      for (const d of run.devices) expect(d.ok, `${d.name}: ${d.error?.code} ${d.error?.message}`).toBe(true);
      // The roster is read when one of the school's checks needs it.
      const needsRoster = Object.values(c.roster).some((v) => v !== undefined);
      expect(run.devices.filter((d) => d.kind === 'roster')).toHaveLength(needsRoster ? 1 : 0);
    });

    it("judges every leaver on the school's roster against the directory", () => {
      const found = run.findings.filter((f) => f.checkId === 'directory-account-leavers-disabled');
      const want = c.roster.leavers;
      if (want === undefined) {
        expect(found).toEqual([]);
        return;
      }
      const accounts = found.filter((f) => f.evidence.some((e) => e.source === 'directory'));
      expect(
        Object.fromEntries(accounts.map((f) => [f.evidence[0]?.object, f.status])),
        accounts.map((f) => f.reason).join('\n'),
      ).toEqual(want.accounts);
      expect(accounts).toHaveLength(Object.keys(want.accounts).length);
      // A leaver with no account is never "fine": each is a failure naming its roster line and what to do.
      const unmatched = found.filter((f) => / is matched to no account: /.test(f.reason));
      expect(unmatched).toHaveLength(want.noAccount);
      for (const f of unmatched) {
        expect(f.status).toBe('fail');
        expect(f.evidence[0]?.object).toMatch(/^roster\.csv:\d+$/);
      }
      const others = found.filter((f) => f.evidence.some((e) => e.object === '(other leavers)'));
      for (const f of others) expect(f.reason).toMatch(/within the \d+-day grace period/);
      expect(found).toHaveLength(accounts.length + unmatched.length + others.length);
    });

    it('finds exactly the enabled accounts nobody on the roster matches', () => {
      const found = run.findings.filter((f) => f.checkId === 'directory-account-not-on-roster');
      if (c.roster.notOnRoster === undefined) {
        expect(found).toEqual([]);
        return;
      }
      expect(found.every((f) => f.status === 'pass' || f.status === 'fail')).toBe(true);
      const failing = found.filter((f) => f.status === 'fail').map((f) => f.evidence[0]?.object);
      expect(failing.sort()).toEqual([...c.roster.notOnRoster].sort());
    });

    it('finds exactly the enabled accounts with no acceptable use agreement', () => {
      const found = run.findings.filter((f) => f.checkId === 'directory-account-aup-signed');
      if (c.roster.noAup === undefined) {
        expect(found).toEqual([]);
        return;
      }
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((f) => f.status === 'pass' || f.status === 'fail')).toBe(true);
      const failing = found.filter((f) => f.status === 'fail').map((f) => f.evidence[0]?.object);
      expect(failing.sort()).toEqual([...c.roster.noAup].sort());
    });

    it.each(c.fails.map((e) => [`${e[0]} on ${e[1]} ${String(e[2])}`, e] as const))(
      'fails %s, with evidence',
      (_n, e) => {
        const found = run.findings.filter((f) => matches(f, e));
        expect(
          found.length,
          `no finding for ${e.join(' ')} among:\n${run.findings.map((f) => `${f.status} ${f.key}`).join('\n')}`,
        ).toBeGreaterThan(0);
        for (const f of found) {
          expect(f.status).toBe('fail');
          expect(f.reason.length).toBeGreaterThan(10);
          const ev = f.evidence.find((x) => x.source === e[1]);
          expect(ev?.expected ?? ev?.actual, 'evidence says what was expected or found').toBeDefined();
          if (e[3] !== undefined) expect(f.evidence.map((x) => x.actual ?? '').join(' ')).toMatch(e[3]);
        }
      },
    );

    it("maps every finding to that school's own clauses, and only to them", () => {
      for (const f of run.findings) {
        if (f.checkId === 'waiver-expired') continue;
        const check = getCheck(f.checkId);
        expect(check, f.checkId).toBeDefined();
        // A check is judged once per set of clause limits: each finding names the clauses judged with
        // its limits (the first is the clause it was judged against), and together they are every
        // clause citing the check. A check judging a framework's own number (meta.framework: Cyber
        // Essentials' 12 characters) judges only the clauses that bind its params, here none.
        const citing = clausesFor(policy, check?.meta.controls ?? []).filter(
          (id) =>
            check?.meta.framework === undefined ||
            policy.clauses.find((x) => x.id === id)?.params[f.checkId] !== undefined,
        );
        for (const id of f.clauses) expect(citing, f.key).toContain(id);
        if (citing.length > 0) expect(f.judgedAgainst, f.key).toBe(f.clauses[0]);
        const all = new Set(run.findings.filter((x) => x.checkId === f.checkId).flatMap((x) => x.clauses));
        expect([...all].sort(), f.checkId).toEqual([...citing].sort());
        for (const id of f.clauses) expect(id.startsWith(`${c.school}:`)).toBe(true);
      }
      // Every expected failure is tied to at least one clause of this school's policy.
      for (const e of c.fails) {
        const f = run.findings.find((x) => matches(x, e));
        expect(f?.clauses.length, e.join(' ')).toBeGreaterThan(0);
      }
    });

    it('judges with the numbers the declaration states, unless a clause sets its own', async () => {
      const loaded = await loadSchool(join(SCHOOLS_DIR, c.school, 'school.yaml'));
      const declared = declaredParams(loaded.decl);
      let compared = 0;
      for (const f of run.findings) {
        for (const d of declared.filter((x) => x.checkId === f.checkId)) {
          const clause = policy.clauses.find((x) => x.id === f.judgedAgainst);
          const own = clause?.params[f.checkId]?.[d.param];
          expect(f.params[d.param], `${f.key} ${d.param}`).toEqual(own ?? d.value);
          compared++;
        }
      }
      if (c.school === 'croft-prep') {
        // The 14 characters croft-prep declares (and pulumi up applies) is the 14 its audit judges.
        const length = run.findings.filter((f) => f.checkId === 'directory-password-min-length');
        expect(length.length).toBeGreaterThan(0);
        for (const f of length) expect(f.params.minLength).toBe(14);
        expect(compared).toBeGreaterThan(0);
      }
    });

    it('cites only the external standards that apply to the school', () => {
      const dfe = run.findings.some((f) => f.references.some((r) => r.startsWith('DfE:')));
      expect(dfe).toBe(run.school.standards.includes('dfe'));
    });

    it('applies its waivers while they are in force, and shows the waived finding', () => {
      const waivers = parseWaivers(
        readFileSync(join(SCHOOLS_DIR, c.school, 'waivers.yaml'), 'utf8'),
        'waivers.yaml',
      );
      const today = run.asOf.slice(0, 10);
      for (const [checkId, waiverId] of c.waived ?? []) {
        const w = waivers.find((x) => x.id === waiverId);
        expect(w).toBeDefined();
        if (w === undefined) continue;
        if (w.expires >= today) {
          const f = run.findings.find((x) => x.checkId === checkId && x.status === 'waived');
          expect(f, `${checkId} waived by ${waiverId}`).toMatchObject({
            waivedStatus: 'fail',
            waiver: { id: waiverId },
          });
        } else {
          expect(run.findings.find((x) => x.key === `waiver-expired|waivers|${waiverId}`)?.status).toBe(
            'fail',
          );
        }
      }
      expect(run.effectivePolicy.waivers.map((w) => w.id).sort()).toEqual(waivers.map((w) => w.id).sort());
    });

    it('never writes to the router', () => {
      expect(server.writes).toEqual([]);
    });
  });
}
