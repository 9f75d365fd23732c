/**
 * The report model's rules, over runs built from the engine's own types and the schools' real clause
 * maps: clause status precedence, what heads read per clause, the standards that apply to the school,
 * coverage, the trend, and pupils' privacy. Renderers (CSV, JUnit, JSON schema) are checked on the
 * same model.
 */
import { parse } from 'csv-parse/sync';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../checks/catalog/catalog.ts';
import type { AuditRun, EffectivePolicy } from '../checks/engine/types.ts';
import schema from '../docs/report.schema.json' with { type: 'json' };
import { CSV_COLUMNS, renderCsv } from './csv.renderer.ts';
import { renderHtml } from './html.renderer.ts';
import { renderJson } from './json.renderer.ts';
import { renderJunit } from './junit.renderer.ts';
import { buildReportModel, plainWords } from './model.ts';
import { pupilPseudonym } from './pseudonym.ts';
import { bulkFindings, clauseMapOf, finding, makeRun } from '../test/builders/test-runs.ts';

const catalog = loadCatalog();
const school = { id: 'demo', name: 'Demo Primary School' };
const PUPIL_NAME = 'Zebedee Quillfeather';
let cm: EffectivePolicy['clauseMap'];

function demoRun(started: string, extra: Parameters<typeof finding>[0][] = []): AuditRun {
  return makeRun({
    school,
    clauseMap: cm,
    started,
    findings: [
      finding({
        checkId: 'directory-password-min-length',
        status: 'fail',
        severity: 'high',
        controls: ['PW-LENGTH'],
        clauses: ['demo:passwords'],
        evidence: [{ source: 'directory', object: 'domain policy', expected: '>= 12', actual: '7' }],
        reason: 'The minimum password length is 7; the policy says 12.',
      }),
      finding({
        checkId: 'directory-password-lockout',
        status: 'pass',
        controls: ['PW-LOCKOUT'],
        clauses: ['demo:passwords'],
      }),
      finding({
        checkId: 'directory-account-leaver-disabled',
        status: 'pass',
        controls: ['ACC-LEAVERS'],
        clauses: ['demo:accounts-leavers'],
      }),
      finding({
        checkId: 'wifi-ssid-requires-eap',
        status: 'error',
        controls: ['WIFI-ENTERPRISE'],
        clauses: ['demo:wifi'],
        evidence: [{ source: 'core-router', expected: 'router facts collected', actual: 'E-TIMEOUT' }],
      }),
      finding({
        checkId: 'wifi-radius-configured',
        status: 'pass',
        controls: ['WIFI-RADIUS'],
        clauses: ['demo:wifi'],
      }),
      finding({
        checkId: 'routeros-firmware-minimum',
        status: 'waived',
        controls: ['FW-FIRMWARE'],
        clauses: ['demo:network-updates'],
        waiver: {
          id: 'w-firmware',
          reason: 'Upgrade booked for half term',
          approver: 'Business manager',
          granted: '2026-10-01',
          expires: '2026-12-31',
        },
      }),
      finding({
        checkId: 'directory-account-stale',
        status: 'fail',
        controls: ['ACC-STALE'],
        clauses: ['demo:accounts-leavers'],
        personal: 'pupil',
        evidence: [
          { source: 'directory', object: 'zquillfeather', expected: 'used in 90 days', actual: '200' },
        ],
        reason: `zquillfeather (${PUPIL_NAME}) has not signed in for 200 days.`,
      }),
      ...extra.map(finding),
    ],
  });
}

beforeAll(async () => {
  cm = await clauseMapOf('demo');
});

describe('the head teacher’s clauses', () => {
  it('lists every clause of the school’s own policy, in the policy’s order', () => {
    const m = buildReportModel(demoRun('2026-11-20T01:30:00.000Z'), { catalog });
    expect(m.clauses.map((c) => c.id)).toEqual(cm.clauses.map((c) => c.id));
    expect(m.clauses.map((c) => c.section)).toEqual(cm.clauses.map((c) => c.section));
  });

  it('says met, not met, could not be checked, needs attestation or waived, failures first', () => {
    const m = buildReportModel(demoRun('2026-11-20T01:30:00.000Z'), { catalog });
    const st = Object.fromEntries(m.clauses.map((c) => [c.id, c.status]));
    expect(st['demo:passwords']).toBe('not_met'); // a fail beats a pass
    expect(st['demo:accounts-leavers']).toBe('not_met');
    expect(st['demo:wifi']).toBe('not_checked'); // an error beats a pass
    expect(st['demo:network-updates']).toBe('waived');
    expect(st['demo:filtering-provider']).toBe('needs_attestation');
    expect(st['demo:devices-encryption']).toBe('not_checked'); // nothing evidences it
    expect(m.clauseCounts.not_met).toBe(2);
  });

  it('explains pupils’ safety from the controls and what the provider will do in plain words', () => {
    const m = buildReportModel(demoRun('2026-11-20T01:30:00.000Z'), { catalog });
    const pw = m.clauses.find((c) => c.id === 'demo:passwords');
    expect(pw?.safety[0]).toBe(catalog.controls.get('PW-LENGTH')?.safeguarding);
    expect(pw?.providerWill[0]).toBe(plainWords(catalog.controls.get('PW-LENGTH')?.remediation ?? ''));
    expect(pw?.providerWill[0]).not.toMatch(/[()]/);
    const wifi = m.clauses.find((c) => c.id === 'demo:wifi');
    expect(wifi?.providerWill.join(' ')).toMatch(/read-only access to core-router/);
    const att = m.clauses.find((c) => c.id === 'demo:filtering-provider');
    expect(att?.providerWill.join(' ')).toMatch(/designated safeguarding lead to confirm this yearly/);
    const waived = m.clauses.find((c) => c.id === 'demo:network-updates');
    expect(waived?.waivers).toEqual([
      {
        id: 'w-firmware',
        reason: 'Upgrade booked for half term',
        approver: 'Business manager',
        expires: '2026-12-31',
      },
    ]);
  });

  it('lists clauses nothing evidences under coverage, with who attests', () => {
    const m = buildReportModel(demoRun('2026-11-20T01:30:00.000Z'), { catalog });
    const cov = Object.fromEntries(m.coverage.map((c) => [c.id, c]));
    expect(cov['demo:devices-encryption']?.why).toBe('no-check');
    expect(cov['demo:backups']?.why).toBe('attestation');
    expect(cov['demo:backups']?.attestation).toEqual({ who: 'IT provider', every: 'termly' });
    expect(cov['demo:passwords']).toBeUndefined();
  });
});

describe('external standards', () => {
  it('summarises against exactly the standards the school declares (England: DfE and KCSIE)', () => {
    const m = buildReportModel(demoRun('2026-11-20T01:30:00.000Z'), { catalog });
    expect(m.standards.map((s) => s.id)).toEqual(['dfe', 'kcsie', 'uksic', 'cyber-essentials']);
    const ce = m.standards.find((s) => s.id === 'cyber-essentials');
    expect(ce?.requirements.find((r) => r.id === 'CE-UAC')?.status).toBe('not_met');
  });

  it('gives a Welsh school Keeping Learners Safe, not the DfE standards or KCSIE', async () => {
    const welsh = makeRun({
      school: {
        id: 'miskin-primary',
        name: 'Welsh Primary',
        jurisdiction: 'wales',
        standards: ['wales-kls', 'cyber-essentials', 'uksic'],
      },
      clauseMap: await clauseMapOf('miskin-primary'),
      started: '2026-11-20T01:30:00.000Z',
      findings: [],
    });
    const m = buildReportModel(welsh, { catalog });
    expect(m.standards.map((s) => s.id)).toEqual(['wales-kls', 'cyber-essentials', 'uksic']);
    expect(renderHtml(m)).not.toMatch(/Keeping children safe in education|Department for Education/);
  });
});

describe('trend', () => {
  it('shows new, resolved and still-open problems (and since when) against earlier runs', () => {
    const old = demoRun('2026-11-18T01:30:00.000Z', [
      {
        checkId: 'switch-snmp-community',
        status: 'fail',
        controls: ['DEV-SNMP-COMMUNITY'],
        clauses: ['demo:network-firewall'],
      },
    ]);
    const prev = demoRun('2026-11-19T01:30:00.000Z', [
      {
        checkId: 'switch-snmp-community',
        status: 'fail',
        controls: ['DEV-SNMP-COMMUNITY'],
        clauses: ['demo:network-firewall'],
      },
    ]);
    const now = demoRun('2026-11-20T01:30:00.000Z', [
      {
        checkId: 'routeros-telnet-off',
        status: 'fail',
        controls: ['FW-MGMT-SERVICES'],
        clauses: ['demo:network-firewall'],
      },
    ]);
    const m = buildReportModel(now, { catalog, previous: [prev, old] });
    expect(m.trend.previous?.id).toBe(prev.id);
    expect(m.trend.new.map((i) => i.checkId)).toEqual(['routeros-telnet-off']);
    expect(m.trend.resolved.map((i) => i.checkId)).toEqual(['switch-snmp-community']);
    const length = m.trend.stillOpen.find((i) => i.checkId === 'directory-password-min-length');
    expect(length?.since).toBe(old.started);
    expect(length?.atLeast).toBe(true);
    expect(m.trend.history.map((p) => p.runId)).toEqual([old.id, prev.id, now.id]);
  });

  it('has no comparison for a school’s first run, but still a one-point history', () => {
    const m = buildReportModel(demoRun('2026-11-20T01:30:00.000Z'), { catalog });
    expect(m.trend.previous).toBeUndefined();
    expect(m.trend.history).toHaveLength(1);
  });
});

describe('pupils’ privacy', () => {
  it('never names a pupil in the head’s part; pseudonyms are stable per school', () => {
    const run = demoRun('2026-11-20T01:30:00.000Z');
    const m = buildReportModel(run, { catalog });
    const head = JSON.stringify([m.clauses, m.trend]);
    expect(head).not.toContain(PUPIL_NAME);
    expect(head).not.toContain('zquillfeather');
    const id = pupilPseudonym('demo', 'zquillfeather');
    expect(id).toMatch(/^pupil-[0-9a-f]{6}$/);
    expect(head).toContain(id);
    expect(pupilPseudonym('other-school', 'zquillfeather')).not.toBe(id);
    expect(m.clauses.find((c) => c.id === 'demo:accounts-leavers')?.pupilFindings).toBe(1);
    // The technician's section keeps the detail.
    expect(m.findings.find((f) => f.personal === 'pupil')?.reason).toContain(PUPIL_NAME);
  });

  it('withholds pupil details from every format when the technician’s section is left out', () => {
    const m = buildReportModel(demoRun('2026-11-20T01:30:00.000Z'), { catalog, includeTechnical: false });
    for (const out of [renderHtml(m), renderJson(m), renderCsv(m), renderJunit(m)]) {
      expect(out).not.toContain(PUPIL_NAME);
      expect(out).not.toContain('zquillfeather');
    }
    expect(renderHtml(m)).not.toContain('id="technical"');
    expect(m.findings.find((f) => f.personal === 'pupil')?.redacted).toBe(true);
  });
});

describe('machine formats', () => {
  it('CSV has one row per finding and defuses spreadsheet formulas', () => {
    const run = demoRun('2026-11-20T01:30:00.000Z', [
      {
        checkId: 'wifi-ssid-requires-eap',
        status: 'fail',
        controls: ['WIFI-ENTERPRISE'],
        clauses: ['demo:wifi'],
        evidence: [
          {
            source: 'core-router',
            object: '=HYPERLINK("http://x.test","y")',
            actual: '+1',
            expected: '@SUM(1)',
          },
        ],
        reason: '-2+3 is not a reason',
      },
    ]);
    const rows = parse(renderCsv(buildReportModel(run, { catalog })), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(run.findings.length);
    expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_COLUMNS]);
    const hostile = rows.find((r) => r.object?.includes('HYPERLINK'));
    expect(hostile?.object).toBe(`'=HYPERLINK("http://x.test","y")`);
    expect(hostile?.actual).toBe("'+1");
    expect(hostile?.expected).toBe("'@SUM(1)");
    expect(hostile?.reason).toBe("'-2+3 is not a reason");
  });

  it('JUnit has one test case per check, failures and errors counted, text escaped', () => {
    const run = demoRun('2026-11-20T01:30:00.000Z', [
      {
        checkId: 'wifi-guest-isolated',
        status: 'fail',
        controls: ['WIFI-GUEST-ISOLATED'],
        clauses: ['demo:wifi'],
        reason: 'SSID "<b>&Guest</b>" is bridged to STAFF',
      },
    ]);
    const xml = renderJunit(buildReportModel(run, { catalog }));
    const checks = new Set(run.findings.map((f) => f.checkId));
    expect(xml.match(/<testcase /g)).toHaveLength(checks.size);
    expect(xml).toContain(`tests="${checks.size}" failures="3" errors="1" skipped="1"`);
    expect(xml).toContain('SSID &quot;&lt;b&gt;&amp;Guest&lt;/b&gt;&quot; is bridged');
    expect(xml).not.toContain('<b>');
  });

  it('JSON follows docs/report.schema.json, with and without the technician’s section', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const big = makeRun({
      school,
      clauseMap: cm,
      started: '2026-11-21T01:30:00.000Z',
      findings: bulkFindings(cm, 60),
    });
    const prev = demoRun('2026-11-20T01:30:00.000Z');
    for (const includeTechnical of [true, false]) {
      const doc: unknown = JSON.parse(
        renderJson(buildReportModel(big, { catalog, previous: [prev], includeTechnical })),
      );
      expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    }
    // And the schema is not a rubber stamp.
    const bad = JSON.parse(renderJson(buildReportModel(big, { catalog }))) as Record<string, unknown>;
    bad.clauses = [{ id: 'x' }];
    expect(validate(bad)).toBe(false);
  });
});
