/**
 * `schoolnet schedule` as a provider runs it (the real CLI in a child process): `--once-at` fires the
 * school as if its cron had ticked, audits it against the testbed, emails it through a real SMTP
 * server (STARTTLS, the CA given by `--smtp-ca`) and exits with the audit's code, logging JSON lines
 * without secrets; the daemon stops cleanly on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import { loadSchool } from '../inventory/load.ts';
import { NightlyRecords } from '../scripts/schedule/records.ts';
import {
  bindToTestbed,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';
import { emailDelivery, mailCertificates, parseMessage, startSmtp } from './support/mail.ts';
import type { TestSmtp } from './support/mail.ts';

describe('schoolnet schedule (CLI)', () => {
  let dir: string;
  let router: RouterOsServer;
  let smtp: TestSmtp;
  let env: NodeJS.ProcessEnv;
  let secrets: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schedule-cli-'));
    const r = await startSchoolRouter('demo');
    router = r.server;
    smtp = await startSmtp();
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      {
        routers: r.endpoint,
      },
    );
    bound.loaded.decl.delivery = emailDelivery(smtp, ['head', 'dsl']);
    await writeBoundSchool(bound, dir);
    env = { ...bound.env, SNTEST_SMTP_PASSWORD: smtp.password };
    secrets = [...bound.secrets, smtp.password];
  }, 60_000);
  afterAll(async () => {
    await smtp.close();
    await router.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--once-at runs the night once: audited, emailed, recorded, exit code of the audit', async () => {
    const db = join(dir, 'once.db');
    const res = await runCli(
      [
        'schedule',
        join(dir, 'schools'),
        '--store',
        db,
        '--once-at',
        '2026-11-25T01:30:00Z',
        '--smtp-ca',
        mailCertificates().caFile,
      ],
      env,
    );
    expect(res.code, res.stderr + res.stdout).toBe(1); // the demo fixture's deliberate failures
    const logs = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l.msg === 'audit finished')).toMatchObject({
      school: 'demo',
      outcome: 'complete',
    });
    expect(logs.filter((l) => l.msg === 'delivery email sent')).toHaveLength(2);
    for (const s of secrets) expect(res.stdout + res.stderr).not.toContain(s);

    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.to.sort()).toEqual([
      'dsl@demo-primary.example.org',
      'head@demo-primary.example.org',
    ]);
    expect(parseMessage(smtp.messages[0]?.raw ?? '').subject).toMatch(/^Demo Primary School: network check/);

    const store = openStore(db);
    const records = new NightlyRecords(db);
    try {
      const [run] = store.listRuns();
      expect(run?.status).toBe('complete');
      expect(records.scheduledRuns('demo')).toMatchObject([
        { fireKey: '2026-11-25 01:30', outcome: 'complete', runId: run?.id, exitCode: 1 },
      ]);
      expect(records.deliveries(run?.id).map((d) => d.status)).toEqual(['sent', 'sent']);
    } finally {
      records.close();
      store.close();
    }
  }, 120_000);

  it('the daemon starts, logs each school’s next run, and stops cleanly on SIGTERM', async () => {
    let sent = false;
    const res = await runCli(
      ['schedule', join(dir, 'schools'), '--store', join(dir, 'daemon.db')],
      env,
      (child) => {
        child.stdout?.on('data', (d: Buffer) => {
          if (!sent && d.toString().includes('schoolnet schedule running')) {
            sent = true;
            child.kill('SIGTERM');
          }
        });
      },
    );
    expect(res.code, res.stderr).toBe(0);
    const logs = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const scheduled = logs.find((l) => l.msg === 'scheduled');
    expect(scheduled).toMatchObject({ school: 'demo', cron: '30 1 * * *', timezone: 'Europe/London' });
    expect(String(scheduled?.next)).toMatch(/T01:30:00\.000\+0[01]:00$/);
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutdown requested', 'stopped']));
  }, 60_000);
});
