/**
 * Waivers through the real CLI, on the demo school bound to the testbed: a waiver in force turns its
 * failure into a visible `waived` finding left out of the score; an expired waiver is itself a failure;
 * a waiver that matches nothing is a warning; a malformed or dangling waivers file stops the audit with
 * exit 3 and a file:line message, and nothing is stored (never a silently shorter report).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import { loadSchool } from '../inventory/load.ts';
import {
  bindToTestbed,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { BoundSchool } from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const header = 'apiVersion: schoolnet/v1\nwaivers:\n';
const waiver = (id: string, body: string) => `  - id: ${id}\n${body.replace(/^/gm, '    ')}\n`;

describe('waivers in an audit', () => {
  let dir: string;
  let server: RouterOsServer;
  let bound: BoundSchool;
  let file: string;
  let waiversFile: string;

  const audit = async (waivers: string, store: string) => {
    writeFileSync(waiversFile, waivers);
    return runCli(['audit', file, '--store', join(dir, store), '--format', 'json'], bound.env);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-waivers-'));
    const r = await startSchoolRouter('demo');
    server = r.server;
    bound = await bindToTestbed(await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')), testbedInfo(), {
      routers: r.endpoint,
    });
    file = await writeBoundSchool(bound, dir);
    waiversFile = join(dirname(file), 'waivers.yaml');
  }, 60_000);
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('valid, expired and unused waivers', () => {
    let base: AuditRun;
    let run: AuditRun;
    beforeAll(async () => {
      base = JSON.parse(
        (await audit('apiVersion: schoolnet/v1\nwaivers: []\n', 'base.db')).stdout,
      ) as AuditRun;
      const text =
        header +
        waiver(
          'W-TELNET',
          `check: routeros-service-management-restricted\nscope: { object: service telnet }\nreason: Old door-entry controller needs telnet until replaced.\napprover: Business manager\ngranted: '${day(-30)}'\nexpires: '${day(30)}'`,
        ) +
        waiver(
          'W-OLD',
          `control: FW-DEFAULT-ADMIN\nreason: Vendor support visit booked.\napprover: Headteacher\ngranted: '${day(-90)}'\nexpires: '${day(-1)}'`,
        ) +
        waiver(
          'W-NOWHERE',
          `check: wifi-ssid-requires-eap\nscope: { device: library-ap }\nreason: Library access point kept on PSK.\napprover: Business manager\ngranted: '${day(-10)}'\nexpires: '${day(100)}'`,
        );
      const res = await audit(text, 'waivers.db');
      expect(res.code, res.stderr).toBe(1);
      run = JSON.parse(res.stdout) as AuditRun;
    }, 120_000);

    it('shows the waived finding with its waiver and what it would have been', () => {
      const telnet = run.findings.find(
        (f) => f.key === 'routeros-service-management-restricted|core-router|service telnet',
      );
      expect(telnet).toMatchObject({
        status: 'waived',
        waivedStatus: 'fail',
        waiver: { id: 'W-TELNET', approver: 'Business manager', expires: day(30) },
      });
      // Only what the scope names is waived.
      expect(
        run.findings.find((f) => f.key === 'routeros-service-management-restricted|core-router|service www')
          ?.status,
      ).toBe('fail');
    });

    it('leaves waived findings out of the score', () => {
      const c = run.counts;
      expect(c.waived).toBe(1);
      expect(run.score).toBeCloseTo(c.pass / (c.pass + c.fail), 4);
      // Same estate, one failure waived and one added (the expired waiver): the arithmetic holds.
      expect(c.fail).toBe(base.counts.fail - 1 + 1);
      expect(c.pass).toBe(base.counts.pass);
    });

    it('turns an expired waiver into a failure, and what it covered counts again', () => {
      expect(run.findings.find((f) => f.key === 'waiver-expired|waivers|W-OLD')).toMatchObject({
        status: 'fail',
        evidence: [{ source: 'waivers', object: 'W-OLD', actual: `expired ${day(-1)}` }],
        clauses: ['demo:network-firewall'],
      });
      expect(run.findings.find((f) => f.checkId === 'routeros-user-default-admin-removed')?.status).toBe(
        'fail',
      );
    });

    it('warns about a waiver that matches nothing', () => {
      expect(run.warnings).toContainEqual(
        expect.objectContaining({ code: 'waiver-unused', subject: 'W-NOWHERE' }),
      );
    });

    it('keeps the waivers the run was judged with', () => {
      expect(run.effectivePolicy.waivers.map((w) => w.id)).toEqual(['W-TELNET', 'W-OLD', 'W-NOWHERE']);
    });
  });

  it.each([
    [
      'a malformed file',
      `${header}  - id: W-1\n    check: routeros-service-management-restricted\n    reason: no approver here\n    granted: '2026-01-01'\n    expires: '2026-12-31'\n`,
      /waivers\.yaml:3:5: \/waivers\/0: missing "approver"/,
    ],
    [
      'a waiver naming a check that does not exist',
      header +
        waiver(
          'W-2',
          `check: routeros-telnet-off\nreason: r\napprover: Headteacher\ngranted: '2026-01-01'\nexpires: '2026-12-31'`,
        ),
      /waivers\.yaml:\d+:\d+: \/waivers\/0\/check: waiver W-2 names unknown check "routeros-telnet-off"/,
    ],
    ['a YAML syntax error', `${header}  - id: [W-3\n`, /waivers\.yaml:\d+:\d+: \/: YAML syntax error/],
  ])('refuses %s: exit 3, file:line, nothing stored', async (_name, text, message) => {
    const res = await audit(text, 'refused.db');
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(message);
    expect(res.stdout.trim()).toBe('');
    const store = openStore(join(dir, 'refused.db'));
    try {
      expect(store.listRuns({ school: 'demo' })).toEqual([]);
    } finally {
      store.close();
    }
  });
});
