/**
 * The demo school's report, end to end: a real audit of the demo school against the testbed goes into
 * a real results store beside an earlier run, and every format is rendered from that stored run. The
 * HTML is opened in Debian's headless Chromium (playwright-core) to check what a head teacher sees:
 * their page first with every clause of their policy, the trend, the technician's detail; a screenshot
 * goes to out/report.png for a reviewer. The PDF, JSON, CSV and JUnit come from the same stored run.
 *
 * Hostile strings (SSIDs, sysNames, display names) are then planted in a copy of the real run, since
 * the testbed's devices cannot be given markup in their names; the page is opened with the
 * Content-Security-Policy removed, so only the escaping stands between the strings and execution.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSchool } from '../checks/engine/index.ts';
import { openStore } from '../checks/engine/store.ts';
import type { ResultsStore } from '../checks/engine/store.ts';
import type { AuditRun, RunFinding } from '../checks/engine/types.ts';
import schema from '../docs/report.schema.json' with { type: 'json' };
import { loadSchool } from '../inventory/load.ts';
import { modelOf, renderRun } from '../reports/index.ts';
import { renderHtml } from '../reports/html.renderer.ts';
import { withChromium } from '../reports/pdf.ts';
import { bindToTestbed, REPO, SCHOOLS_DIR, startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';

const HOSTILE = {
  ssid: '<img src=x onerror=alert(1)>',
  sysName: '"><script>window.__pwned=1</script>',
  displayName: "Jo</td><svg onload=alert('svg')>",
  school: '<script>alert("school")</script> Primary',
  waiver: '<iframe src="javascript:alert(2)"></iframe>',
};

let dir: string;
let store: ResultsStore;
let run: AuditRun;
let earlier: AuditRun;
let secrets: string[];

/** An earlier run of the school, a day before: one of today's failures absent, one since put right. */
function earlierRunFrom(r: AuditRun): AuditRun {
  const started = new Date(Date.parse(r.started) - 86_400_000).toISOString();
  const fails = r.findings.filter((f) => f.status === 'fail');
  const dropped = fails[0]?.key;
  // Put right since: the same check ran cleanly tonight and did not find it.
  const fixed: RunFinding = {
    checkId: 'routeros-service-management-restricted',
    key: 'routeros-service-management-restricted|core-router|service ftp',
    status: 'fail',
    severity: 'high',
    reason: 'FTP is enabled on core-router for any address.',
    evidence: [
      { source: 'core-router', object: 'service ftp', expected: 'disabled', actual: 'enabled, any address' },
    ],
    controls: ['FW-MGMT-SERVICES'],
    clauses: ['demo:network-firewall'],
    references: ['CE-FW'],
    params: {},
  };
  const findings = [...r.findings.filter((f) => f.key !== dropped), fixed];
  const counts = { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
  for (const f of findings) counts[f.status]++;
  return {
    ...r,
    id: `${started.replace(/[-:.]/g, '')}-demo-earlier`,
    started,
    finished: started,
    asOf: started,
    findings,
    counts,
    score: counts.pass / (counts.pass + counts.fail),
  };
}

async function openHtml(
  ctx: BrowserContext,
  html: string,
): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await ctx.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1100, height: 1400 });
  await page.setContent(html, { waitUntil: 'load' });
  return { page, dialogs, errors };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
  store = openStore(join(dir, 'results.db'));
  const { server, endpoint } = await startSchoolRouter('demo');
  try {
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      {
        routers: endpoint,
      },
    );
    secrets = bound.secrets;
    const live = await auditSchool(bound.loaded, { env: bound.env, store });
    earlier = earlierRunFrom(live);
    store.beginRun(earlier);
    store.finishRun(earlier);
    const stored = store.getRun(live.id);
    if (stored === undefined) throw new Error('the audit was not stored');
    run = stored;
  } finally {
    await server.close();
  }
}, 120_000);

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the demo school's report in Chromium", () => {
  it('has a real audit with failures to report', () => {
    expect(run.school.id).toBe('demo');
    expect(run.counts.fail).toBeGreaterThan(0);
    expect(store.previousRun('demo', run.id)?.id).toBe(earlier.id);
  });

  it("shows the head's page first with every clause, then the trend and the technician's detail", async () => {
    const html = (await renderRun(run, 'html', { store })) as string;
    const clauses = run.effectivePolicy.clauseMap.clauses.map((c) => c.id);
    await withChromium(async (ctx) => {
      const { page, errors } = await openHtml(ctx, html);
      const sections = await page.$$eval('main > section', (s) => s.map((e) => e.id));
      expect(sections[0]).toBe('head');
      expect(sections).toEqual(['head', 'clauses', 'standards', 'trend', 'technical', 'coverage']);
      // The first page: the worst risks, each with severity, owner and date, before any table.
      const risks = await page.$$eval('#head li.risk', (li) =>
        li.map((e) => ({
          sev: e.getAttribute('data-severity'),
          text: (e as unknown as { innerText: string }).innerText,
        })),
      );
      expect(risks.length).toBeGreaterThan(0);
      for (const r of risks) expect(r.text).toMatch(/Owner: .+\n?.*Put right by: \d{4}-\d{2}-\d{2}/s);
      const rank = ['critical', 'high', 'medium', 'low', 'info'];
      const order = risks.map((r) => rank.indexOf(r.sev ?? ''));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // The clause table behind it keeps the policy's order.
      const shown = await page.$$eval('#clauses tr.clause', (rows) =>
        rows.map((r) => r.getAttribute('data-clause')),
      );
      expect(shown).toEqual(clauses);
      const headText = await page.locator('#head').innerText();
      expect(headText).toContain('Demo Primary School');
      expect(headText).toMatch(/from \d+ of \d+ checks/);
      expect(await page.locator('#clauses').innerText()).toMatch(/What it means for pupils' safety/);
      const notMet = await page.$$eval('#clauses tr.clause[data-status="not_met"]', (r) => r.length);
      expect(notMet).toBeGreaterThan(0);
      // Trend after two runs: one new, one put right, the rest still open.
      const trend = await page.locator('#trend').innerText();
      expect(trend).toMatch(/New problems \(1\)/);
      expect(trend).toMatch(/Put right \(1\)/);
      expect(trend).toContain('Router management services locked down: put right.');
      expect(trend).toMatch(/Still open \(\d+\)/);
      expect(await page.locator('#trend svg.chart circle').count()).toBe(2);
      // Technician's detail: every finding, with evidence tables.
      expect(await page.locator('#technical .finding, #technical .finding-row').count()).toBe(
        run.findings.length,
      );
      expect(await page.locator('#technical .finding[data-status="fail"] table.ev').count()).toBeGreaterThan(
        0,
      );
      expect(await page.locator('#technical').innerText()).toContain('core-router');
      expect(errors).toEqual([]);
      mkdirSync(join(REPO, 'out'), { recursive: true });
      // The head's page as a reader first sees it (the whole report is in out/report.pdf).
      await page.screenshot({ path: join(REPO, 'out', 'report.png') });
    });
  });

  it('renders the same stored run as a multi-page PDF', async () => {
    const pdf = (await renderRun(run, 'pdf', { store })) as Buffer;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = join(dir, 'report.pdf');
    writeFileSync(file, pdf);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThan(1);
    writeFileSync(join(REPO, 'out', 'report.pdf'), pdf);
    // Every page carries the marking and "Page n of N"; no page is left nearly empty.
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const each = text.split('\f').filter((p) => p.trim() !== '');
    expect(each).toHaveLength(pages);
    each.forEach((p, i) => {
      expect(p).toContain(`Page ${i + 1} of ${pages}`);
      expect(p).toContain('OFFICIAL');
      if (i < pages - 1) expect(p.replace(/\s+/g, ' ').length, `page ${i + 1}`).toBeGreaterThan(600);
    });
  });

  it('fits a phone: one column at 390 px, nothing overlapping, and no axe-core violations at 390 and 1280 px', async () => {
    const html = (await renderRun(run, 'html', { store, includeTechnical: false })) as string;
    const axe = readFileSync(join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await withChromium(async (ctx) => {
      for (const width of [390, 1280]) {
        const { page, errors } = await openHtml(ctx, html);
        await page.setViewportSize({ width, height: 900 });
        // Nothing wider than the screen.
        // (Browser-side code as strings: the repo's tsconfig has no DOM types.)
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
          width,
        );
        // No two visible boxes on the head's page overlap unless one holds the other (line boxes, so
        // inline text wrapping over two lines is judged line by line).
        const overlaps = await page.evaluate<string[]>(`(() => {
          const els = [...document.querySelectorAll('#head *')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && e.children.length === 0;
          });
          const out = [];
          for (let i = 0; i < els.length; i++)
            for (let j = i + 1; j < els.length; j++) {
              if (els[i].contains(els[j]) || els[j].contains(els[i])) continue;
              const hit = [...els[i].getClientRects()].some((a) =>
                [...els[j].getClientRects()].some((b) =>
                  Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                  Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1));
              if (hit) out.push(els[i].outerHTML.slice(0, 80) + ' / ' + els[j].outerHTML.slice(0, 80));
            }
          return out;
        })()`);
        expect(overlaps).toEqual([]);
        // One column on a phone: a clause row's cells stack; side by side on a desktop.
        const lefts = await page.$$eval('#clauses tr.clause:first-child td', (tds) =>
          tds.map((t) => Math.round(t.getBoundingClientRect().left)),
        );
        expect(new Set(lefts).size).toBe(width === 390 ? 1 : lefts.length);
        await page.screenshot({ path: join(REPO, 'out', `report-${width}.png`), fullPage: false });
        // axe-core, run in the page (evaluate is not subject to the report's Content-Security-Policy).
        await page.evaluate(axe);
        const violations = await page.evaluate(async () => {
          const r = await (
            globalThis as unknown as {
              axe: { run(): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
            }
          ).axe.run();
          return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        });
        expect(violations, `at ${width} px`).toEqual([]);
        expect(errors).toEqual([]);
        await page.close();
      }
    });
  }, 120_000);

  it('renders JSON (valid against its schema), CSV (a row per finding) and JUnit (well-formed XML)', async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const json: unknown = JSON.parse((await renderRun(run, 'json', { store })) as string);
    expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const rows = parse((await renderRun(run, 'csv', { store })) as string, { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(run.findings.length);
    expect(new Set(rows.map((r) => r.run))).toEqual(new Set([run.id]));
    const xml = (await renderRun(run, 'junit', { store })) as string;
    const parsed = await withChromium(async (ctx) => {
      const page = await ctx.newPage();
      return page.evaluate((text) => {
        // Runs in the browser; the repo's tsconfig has no DOM types, hence the narrow shape.
        const { DOMParser: Parser } = globalThis as unknown as {
          DOMParser: new () => {
            parseFromString(t: string, type: string): { getElementsByTagName(n: string): { length: number } };
          };
        };
        const doc = new Parser().parseFromString(text, 'application/xml');
        return {
          error: doc.getElementsByTagName('parsererror').length,
          cases: doc.getElementsByTagName('testcase').length,
          failures: doc.getElementsByTagName('failure').length,
        };
      }, xml);
    });
    expect(parsed.error).toBe(0);
    expect(parsed.cases).toBe(new Set(run.findings.map((f) => f.checkId)).size);
    expect(parsed.failures).toBe(
      new Set(run.findings.filter((f) => f.status === 'fail').map((f) => f.checkId)).size,
    );
  });

  it('gives the technician the exact command per finding, filled in from the finding and the declaration', async () => {
    const m = JSON.parse((await renderRun(run, 'json', { store })) as string) as {
      findings: {
        checkId: string;
        subject: string;
        status: string;
        steps: { tool: string; on: string; command: string }[];
      }[];
    };
    const steps = (check: string, subject: string) =>
      m.findings.find((f) => f.checkId === check && f.subject === subject && f.status === 'fail')?.steps ??
      [];
    expect(steps('routeros-service-management-restricted', 'core-router service telnet')).toEqual([
      { tool: 'routeros', on: 'core-router', command: '/ip service disable telnet' },
    ]);
    expect(steps('directory-account-leavers-disabled', 'directory ellie.marsh')).toEqual([
      { tool: 'samba-tool', on: 'directory', command: 'samba-tool user disable ellie.marsh' },
      { tool: 'powershell', on: 'directory', command: 'Disable-ADAccount -Identity "ellie.marsh"' },
    ]);
    expect(steps('routeros-user-default-admin-removed', 'core-router user admin')[0]?.command).toBe(
      '/user disable admin',
    );
    // The e-mailed version carries no commands (they name accounts and devices).
    const mail = JSON.parse((await renderRun(run, 'json', { store, includeTechnical: false })) as string) as {
      findings: { steps: unknown[] }[];
    };
    expect(mail.findings.every((f) => f.steps.length === 0)).toBe(true);
  });

  it('never contains a secret, in any format', async () => {
    expect(secrets.length).toBeGreaterThan(0);
    const outs = await Promise.all(
      (['html', 'json', 'csv', 'junit'] as const).map(
        async (f) => (await renderRun(run, f, { store })) as string,
      ),
    );
    for (const out of outs) for (const s of secrets) expect(out).not.toContain(s);
  });
});

describe('hostile strings from devices and directories', () => {
  function hostileRun(): AuditRun {
    const r = structuredClone(run);
    r.school.name = HOSTILE.school;
    const [a, b, c, d] = r.findings.filter((f) => f.status === 'fail' || f.status === 'pass');
    if (a === undefined || b === undefined || c === undefined || d === undefined)
      throw new Error('the demo run has too few findings');
    a.evidence = [
      { source: 'core-router', object: HOSTILE.ssid, expected: 'wpa2-eap', actual: HOSTILE.ssid },
    ];
    a.reason = `SSID ${HOSTILE.ssid} uses a shared key.`;
    a.status = 'fail';
    b.evidence = [
      { source: HOSTILE.sysName, object: 'sysName', expected: 'core-sw1', actual: HOSTILE.sysName },
    ];
    b.reason = `The switch calls itself ${HOSTILE.sysName}.`;
    b.status = 'fail';
    c.evidence = [{ source: 'directory', object: 'jo.pupil', actual: HOSTILE.displayName }];
    c.reason = `jo.pupil (${HOSTILE.displayName}) is enabled.`;
    c.status = 'fail';
    c.personal = 'staff';
    d.status = 'waived';
    d.waivedStatus = 'fail';
    d.waiver = {
      id: 'w1',
      reason: HOSTILE.waiver,
      approver: HOSTILE.sysName,
      granted: '2026-01-01',
      expires: '2027-01-01',
    };
    r.devices = [
      { name: HOSTILE.sysName, kind: 'switch', ok: false, error: { code: 'E-X', message: HOSTILE.ssid } },
    ];
    return r;
  }

  it('executes nothing and shows the strings literally', async () => {
    const html = renderHtml(modelOf(hostileRun(), { previous: [earlier] }));
    // Take the browser's second line of defence away: the escaping alone must hold.
    const bare = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    expect(bare).not.toContain('Content-Security-Policy');
    await withChromium(async (ctx) => {
      const { page, dialogs, errors } = await openHtml(ctx, bare);
      await page.waitForTimeout(200); // let any onerror / onload that slipped through fire
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(
        await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      expect(await page.locator('script, iframe, main img, main svg:not(.chart)').count()).toBe(0);
      const text = await page.locator('body').innerText();
      for (const s of Object.values(HOSTILE)) expect(text).toContain(s);
      expect(await page.title()).toContain(HOSTILE.school);
    });
  });
});
