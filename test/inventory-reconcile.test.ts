/**
 * The inventory issue's "done when": for the demo school and each of the five example schools, the
 * school's register (as shipped, and converted to the other spreadsheet format) reconciled against the
 * testbed (the school's router on a RouterOS test server of its own, its switches on snmpsim's
 * switch48, its directory on Samba AD or slapd), collected live with the real collectors, gives exactly
 * the findings the example registers were written to show, including a disposed serial that
 * reappears on the network (a critical finding).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SchoolFacts } from '../devices/facts.ts';
import { loadCatalog } from '../checks/catalog/catalog.ts';
import { collectSchool } from '../checks/engine/collect.ts';
import { auditSchool } from '../checks/engine/index.ts';
import { catalogueView, defaultCollectors } from '../checks/engine/inputs.ts';
import { resolveParams } from '../checks/lib/params.ts';
import { allChecks } from '../checks/registry.ts';
import { loadSchool } from '../inventory/load.ts';
import { clausesFor, loadPolicy } from '../checks/engine/clause-map.ts';
import { loadRegister, readRegisterFile, TABLE_NAMES } from '../inventory/register/index.ts';
import { reconcileAssets } from '../inventory/register/reconcile.ts';
import { writeTable } from '../inventory/register/write.ts';
import type { LoadedSchool } from '../inventory/types.ts';
import { bindToTestbed, SCHOOLS_DIR, startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

/** The run's now: fixed, so end-of-support, last-seen and expiry findings do not move with the calendar. */
const NOW = '2026-11-24T02:00:00.000Z';

type Expect = [checkId: string, source: string, object: string];

const CASES: { school: string; fixture: 'demo' | 'bad'; fails: Expect[] }[] = [
  {
    school: 'demo',
    fixture: 'demo',
    fails: [
      ['inventory-devices-registered', 'core-router', 'MAC A4:83:E7:10:00:32'],
      ['inventory-devices-registered', 'directory', 'computer PUPIL-PC01'],
      ['inventory-devices-seen', 'register', 'DEMO-0301'],
      ['inventory-disposed-not-reappearing', 'core-sw1', 'serial TBN2948A0017P1'],
      ['inventory-disposal-records-complete', 'register', 'DEMO-0902'],
      ['inventory-end-of-support', 'register', 'DEMO-0201'],
      ['inventory-end-of-support', 'register', 'DEMO-0201 warranty'],
      ['inventory-end-of-support', 'register', 'DEMO-0102 warranty'],
      ['inventory-licences-sufficient', 'register', 'Microsoft Office LTSC Standard 2021'],
      ['inventory-licences-expiring', 'register', 'Adobe Acrobat Standard licence'],
      ['inventory-licences-expiring', 'register', 'Sophos Endpoint licence'],
      ['inventory-software-licensed', 'register', 'Sophos Endpoint'],
      ['inventory-software-licensed', 'register', 'WinRAR'],
    ],
  },
  {
    school: 'croft-prep',
    fixture: 'bad',
    fails: [
      ['inventory-devices-registered', 'gw-croft', 'MAC A4:83:E7:10:00:32'],
      ['inventory-disposed-not-reappearing', 'gw-croft', 'serial HGA09K7M2QY'],
      ['inventory-end-of-support', 'register', 'CRP-0010 warranty'],
      ['inventory-licences-expiring', 'register', 'Renaissance Accelerated Reader licence'],
      // Microsoft 365 A3 is per-user, held by the Staff group: a leaver still in it holds a seat.
      ['inventory-licences-sufficient', 'directory', 'keira.mensah'],
    ],
  },
  {
    school: 'miskin-primary',
    fixture: 'demo',
    fails: [
      // The old router was recorded as disposed of, yet it is the one answering.
      ['inventory-disposed-not-reappearing', 'core-router', 'serial HGA09K7M2QX'],
      ['inventory-end-of-support', 'register', 'MSK-0201 warranty'],
      ['inventory-end-of-support', 'register', 'MSK-0202 warranty'],
      // Intune's export lists two versions (12 + 9 devices) against 20 seats.
      ['inventory-licences-sufficient', 'register', 'Microsoft Office LTSC Standard 2021'],
      ['inventory-licences-expiring', 'register', 'Busy Things licence'],
      ['inventory-software-licensed', 'register', 'Textease Studio'],
    ],
  },
  {
    school: 'scissett-middle',
    fixture: 'bad',
    fails: [
      ['inventory-devices-registered', 'gw1', 'MAC 3C:52:82:1A:2B:02'],
      ['inventory-devices-seen', 'register', 'SCM-0102'],
      ['inventory-disposed-not-reappearing', 'sw-main', 'serial TBN2948A0017'],
      ['inventory-disposed-not-reappearing', 'sw-science', 'serial TBN2948A0017'],
      ['inventory-disposed-not-reappearing', 'gw1', 'MAC D4:01:C3:5E:00:10'],
      ['inventory-disposal-records-complete', 'register', 'SCM-0901'],
    ],
  },
  {
    school: 'st-josephs-primary',
    fixture: 'demo',
    fails: [
      ['inventory-disposed-not-reappearing', 'sw-core', 'serial TBN2948A0017P1'],
      ['inventory-disposed-not-reappearing', 'sw-classrooms', 'serial TBN2948A0017P1'],
      ['inventory-disposed-not-reappearing', 'directory', 'computer PUPIL-PC01'],
      ['inventory-end-of-support', 'register', 'SJP-0301 warranty'],
    ],
  },
  {
    school: 'st-marks-primary',
    fixture: 'bad',
    fails: [
      ['inventory-disposed-not-reappearing', 'sw-office', 'serial TBN2948A0017P1'],
      ['inventory-end-of-support', 'register', 'SMK-0010'],
      ['inventory-end-of-support', 'register', 'SMK-0010 warranty'],
    ],
  },
];

const inventoryChecks = allChecks.filter((c) => c.meta.id.startsWith('inventory-'));

function failures(facts: SchoolFacts, loaded: LoadedSchool): string[] {
  const out: string[] = [];
  for (const check of inventoryChecks) {
    const p = resolveParams(check, {});
    if (!p.ok) throw new Error(p.errors.join('; '));
    for (const r of check.evaluate(facts, p.params, { decl: loaded.decl, now: NOW })) {
      expect(r.status, `${check.meta.id}: ${r.reason}`).not.toBe('error');
      if (r.status === 'fail')
        out.push([check.meta.id, r.evidence[0]?.source, r.evidence[0]?.object].join(' | '));
    }
  }
  return out.sort();
}

/** The school's register files converted to the other format (CSV <-> XLSX), and a declaration naming them. */
async function convertRegister(loaded: LoadedSchool): Promise<LoadedSchool> {
  const dir = await mkdtemp(join(tmpdir(), `register-${loaded.decl.school.id}-`));
  const inv = { ...loaded.decl.inventory! };
  for (const name of TABLE_NAMES) {
    const rel = inv[name];
    if (rel === undefined) continue;
    const parsed = await readRegisterFile(resolve(loaded.dir, rel), name, { disposal: 'keep' });
    expect(parsed.problems).toEqual([]);
    const other = join(dir, `${basename(rel, extname(rel))}.${extname(rel) === '.csv' ? 'xlsx' : 'csv'}`);
    await writeTable(other, name, parsed.records);
    inv[name] = basename(other);
  }
  // The converted tables sit in their own folder, which is the school's folder for this copy
  // (register paths must stay inside the school's folder: inventory/confine.ts).
  return { ...loaded, dir, decl: { ...loaded.decl, inventory: inv } };
}

const severity = catalogueView(loadCatalog(), ['dfe']);

for (const c of CASES) {
  describe(`reconciling ${c.school}'s register against the testbed`, () => {
    let server: RouterOsServer;
    let facts: SchoolFacts;
    let loaded: LoadedSchool;
    let converted: LoadedSchool;

    beforeAll(async () => {
      const started = await startSchoolRouter(c.fixture);
      server = started.server;
      const school = await loadSchool(join(SCHOOLS_DIR, c.school, 'school.yaml'));
      const bound = await bindToTestbed(school, testbedInfo(), { routers: started.endpoint });
      loaded = bound.loaded;
      const needs = new Set(['router', 'switch', 'directory', 'register'] as const);
      const outcome = await collectSchool(loaded, needs, defaultCollectors, { env: bound.env });
      for (const d of outcome.devices)
        expect(d.ok, `${d.name}: ${d.error?.code} ${d.error?.message}`).toBe(true);
      facts = outcome.facts;
      converted = await convertRegister(loaded);
    }, 120_000);
    afterAll(async () => {
      await server?.close();
    });

    it('finds exactly what the register was written to show', () => {
      expect(failures(facts, loaded)).toEqual(c.fails.map((e) => e.join(' | ')).sort());
    });

    it(`finds the same from the register converted to the other spreadsheet format`, async () => {
      const register = await loadRegister(converted);
      expect(register).toEqual(facts.register);
      expect(failures({ ...facts, register }, converted)).toEqual(c.fails.map((e) => e.join(' | ')).sort());
    });

    it('reports a disposed device that reappears as critical, naming the register entry', () => {
      const r = reconcileAssets(facts, facts.register!, {
        now: NOW,
        notSeenAfterDays: loaded.decl.inventory!.notSeenAfterDays,
        networks: loaded.decl.networks,
      });
      expect(r.reappeared.length).toBeGreaterThan(0);
      expect(r.reappeared.some((x) => x.sighting.via === 'serial')).toBe(true);
      for (const x of r.reappeared) expect(x.severity).toBe('critical');
      const check = allChecks.find((k) => k.meta.id === 'inventory-disposed-not-reappearing')!;
      expect(severity.severityOf(check.meta.controls)).toBe('critical');
    });
  });
}

// Through the audit engine: the collector loads the register beside the devices, and the school's clause
// map selects the inventory checks (the demo maps all three inventory controls; Scissett keeps its
// assets in XLSX and maps inventory and disposal).
for (const c of [
  { school: 'demo', fixture: 'demo', object: 'serial TBN2948A0017P1', source: 'core-sw1' },
  { school: 'scissett-middle', fixture: 'bad', object: 'serial TBN2948A0017', source: 'sw-main' },
] as const) {
  describe(`auditing ${c.school} with its register`, () => {
    let server: RouterOsServer;
    afterAll(async () => {
      await server?.close();
    });

    it('reads the register and reports the reappearing disposed serial as critical, under the school’s clauses', async () => {
      const started = await startSchoolRouter(c.fixture);
      server = started.server;
      const school = await loadSchool(join(SCHOOLS_DIR, c.school, 'school.yaml'));
      const bound = await bindToTestbed(school, testbedInfo(), { routers: started.endpoint });
      const run = await auditSchool(bound.loaded, { env: bound.env, now: new Date(NOW) });
      expect(run.devices.find((d) => d.kind === 'register')).toMatchObject({ ok: true });
      const f = run.findings.find(
        (x) => x.checkId === 'inventory-disposed-not-reappearing' && x.evidence[0]?.object === c.object,
      );
      expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
      expect(f?.evidence[0]?.source).toBe(c.source);
      const policy = await loadPolicy(resolve(school.dir, school.decl.policy.file));
      expect(f?.clauses).toEqual(clausesFor(policy, ['INV-DISPOSAL', 'INV-DISPOSED-SEEN']));
      expect(f?.clauses.length).toBeGreaterThan(0);
      expect(f?.references).toContain('DfE:DEV-4');
    }, 120_000);
  });
}
