/**
 * `schoolnet audit` as a technician and cron use it: the summary, `--format json` (validated against
 * the documented schema, docs/audit-result.schema.json), `--out`, `--all DIR` with one school's router
 * down (the others are still audited and stored), the other formats, and the exit codes of the CLI
 * contract for usage and configuration errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import { loadSchool } from '../inventory/load.ts';
import schema from '../docs/audit-result.schema.json' with { type: 'json' };
import {
  bindToTestbed,
  EXAMPLE_SCHOOLS,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { CliResult, RouterEndpoint } from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
const validateRun = ajv.compile(schema);

describe('schoolnet audit', () => {
  let dir: string;
  let server: RouterOsServer;
  let endpoint: RouterEndpoint;
  let env: NodeJS.ProcessEnv;
  let demoFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
    ({ server, endpoint } = await startSchoolRouter('demo'));
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      {
        routers: endpoint,
      },
    );
    env = bound.env;
    demoFile = await writeBoundSchool(bound, join(dir, 'one'));
  }, 60_000);
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('one school', () => {
    let summary: CliResult;
    let json: CliResult;
    let run: AuditRun;
    beforeAll(async () => {
      [summary, json] = await Promise.all([
        runCli(['audit', demoFile, '--store', join(dir, 'summary.db')], env),
        runCli(
          ['audit', demoFile, '--store', join(dir, 'json.db'), '--format', 'json', '--concurrency', '2'],
          env,
        ),
      ]);
      run = JSON.parse(json.stdout) as AuditRun;
    }, 120_000);

    it('prints a summary: school, score, counts, the worst failures with their clauses, attestations', () => {
      expect(summary.code, summary.stderr).toBe(1);
      const out = summary.stdout;
      expect(out).toMatch(
        /^Demo Primary School \(demo\): score \d+(\.\d)?%\s+pass \d+, fail \d+, error 0, waived \d+, not applicable \d+/,
      );
      expect(out).toMatch(/stored in .*summary\.db/);
      expect(out).toMatch(
        /top failures \(5 of \d+\):\n(\s+(critical|high|medium|low|info)\s+\S+ .*\[demo:[a-z-]+.*\]\n){5}/,
      );
      expect(out).toMatch(/needs attestation: .*demo:/);
    });

    it('emits the full run as JSON that follows the documented schema', () => {
      expect(json.code, json.stderr).toBe(1);
      const ok = validateRun(run);
      expect(ok, ajv.errorsText(validateRun.errors)).toBe(true);
      expect(run.school.id).toBe('demo');
      expect(run.findings.length).toBeGreaterThan(30);
      expect(run.effectivePolicy.clauseMap.clauses.length).toBeGreaterThan(5);
      expect(run.effectivePolicy.params['directory-password-min-length']).toEqual({ minLength: 12 });
    });

    it('keeps the run it printed in the store', () => {
      const store = openStore(join(dir, 'json.db'));
      try {
        expect(store.getRun(run.id)).toEqual(run);
      } finally {
        store.close();
      }
    });

    it('writes <out>/<school>.json with --out and prints the path', async () => {
      const out = join(dir, 'reports');
      const res = await runCli(
        ['audit', demoFile, '--store', join(dir, 'out.db'), '--format', 'json', '--out', out],
        env,
      );
      expect(res.code, res.stderr).toBe(1);
      expect(res.stdout.trim()).toBe(join(out, 'demo.json'));
      expect(validateRun(JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8')))).toBe(true);
    });
  });

  it('renders the other formats through the reports module', async () => {
    const res = await runCli(['audit', demoFile, '--store', join(dir, 'junit.db'), '--format', 'junit'], env);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/<testsuite/);
  }, 60_000);

  it('audits every school under --all DIR; one school with its router down does not stop the rest', async () => {
    const root = join(dir, 'all');
    const info = testbedInfo();
    const dead = await startSchoolRouter('bad');
    await dead.server.close(); // nothing listens there any more: E-REFUSED
    const schools = ['demo', ...EXAMPLE_SCHOOLS];
    const envAll: NodeJS.ProcessEnv = { ...process.env };
    for (const s of schools) {
      const b = await bindToTestbed(await loadSchool(join(SCHOOLS_DIR, s, 'school.yaml')), info, {
        routers: s === 'miskin-primary' ? dead.endpoint : endpoint,
      });
      Object.assign(envAll, b.env);
      await writeBoundSchool(b, root);
    }
    const db = join(dir, 'all.db');
    const res = await runCli(
      ['audit', '--all', join(root, 'schools'), '--store', db, '--schools', '3'],
      envAll,
    );
    expect(res.code, res.stderr).toBe(2);
    for (const s of schools) expect(res.stdout).toMatch(new RegExp(`\\(${s}\\): score`));
    expect(res.stdout).toMatch(/could not read:\n\s+core-router: E-REFUSED/);
    const store = openStore(db);
    try {
      const runs = store.listRuns();
      expect(runs.map((r) => r.school.id).sort()).toEqual([...schools].sort());
      expect(runs.every((r) => r.status === 'complete')).toBe(true);
      const miskin = store.latestRun('miskin-primary');
      expect(miskin?.devices.find((d) => d.kind === 'router')).toMatchObject({
        ok: false,
        error: { code: 'E-REFUSED' },
      });
      // Its switches were still read.
      expect(miskin?.devices.filter((d) => d.kind === 'switch').every((d) => d.ok)).toBe(true);
    } finally {
      store.close();
    }
  }, 180_000);

  describe('usage and configuration errors exit 3', () => {
    it.each<[string, string[], RegExp]>([
      ['no school named', ['audit'], /name a declaration/],
      [
        'an unknown format',
        ['audit', 'x.yaml', '--format', 'pdf'],
        /Allowed choices are summary, json, junit, csv, html/,
      ],
      ['a bad --now', ['audit', 'x.yaml', '--now', 'yesterday'], /must be an ISO date/],
      ['a zero --concurrency', ['audit', 'x.yaml', '--concurrency', '0'], /at least 1/],
      [
        'a missing declaration',
        ['audit', 'no/such/school.yaml'],
        /no\/such\/school\.yaml: cannot read the declaration: no such file/,
      ],
    ])('%s', async (_n, args, message) => {
      const res = await runCli([...args, '--store', join(dir, 'usage.db')]);
      expect(res.code).toBe(3);
      expect(res.stderr).toMatch(message);
    });

    it('an invalid declaration, reported at file:line', async () => {
      const bad = join(dir, 'bad-school.yaml');
      writeFileSync(bad, readFileSync(demoFile, 'utf8').replace(/vlan: 20\n/, 'vlan: 5000\n'));
      const res = await runCli(['audit', bad, '--store', join(dir, 'usage.db')]);
      expect(res.code).toBe(3);
      expect(res.stderr).toMatch(/bad-school\.yaml:\d+:\d+: \/networks\/1\/vlan: /);
    });
  });
});
