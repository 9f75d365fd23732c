/**
 * `schoolnet schedule` stopped and restarted as a provider's server does it: the real CLI in child
 * processes with libfaketime preloaded (the process's wall clock set to a chosen instant, running at normal
 * speed; timers untouched), auditing the demo school on the testbed and mailing a real SMTP server
 * (smtp-server, STARTTLS). Every fire must be accounted for in the ledger (schedule_fires):
 * - a SIGTERM while the school waits for its spread slot records it "not started" (never
 *   "interrupted"), and the restart runs it once;
 * - a SIGTERM during the audit (no grace) records it interrupted; the restart runs it again, once;
 * - a SIGTERM after the audit, while the email is being sent: within the grace the email goes; past
 *   the grace the fire is owed, and the restart sends it exactly once;
 * - a restart across missed slots runs the latest once, records the others as missed, and the email
 *   and the roll-up say which nights were missed;
 * - a restart inside the repeated autumn hour (Europe/London, 01:30 happens twice) does not run the
 *   fire again.
 * The dates are in 2027 so the test CA's certificates (made today) are valid at the faked time.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import { loadSchool } from '../inventory/load.ts';
import { FireLedger } from '../scripts/schedule/fires.ts';
import type { FireRecord } from '../scripts/schedule/fires.ts';
import { spreadMs } from '../scripts/schedule/plan.ts';
import { NightlyRecords } from '../scripts/schedule/records.ts';
import {
  bindToTestbed,
  REPO,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';
import { emailDelivery, mailCertificates, parseMessage, startSmtp } from './support/mail.ts';
import type { TestSmtp } from './support/mail.ts';

/** The faketime package's preload library (Debian: libfaketime, installed by scripts/setup.sh). */
function libfaketime(): string {
  const base = '/usr/lib';
  for (const d of readdirSync(base)) {
    const f = join(base, d, 'faketime', 'libfaketime.so.1');
    if (existsSync(f)) return f;
  }
  throw new Error('libfaketime not found under /usr/lib/*/faketime: apt-get install faketime');
}

interface Daemon {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  /** Resolves with the first log line matching, or rejects after `ms`. */
  waitFor(pred: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

describe('schoolnet schedule across stops and restarts (real processes, faked wall clock)', () => {
  let dir: string;
  let schoolsDir: string;
  let router: RouterOsServer;
  let smtp: TestSmtp;
  let env: NodeJS.ProcessEnv;
  let secrets: string[];
  /** How long the SMTP server holds its reply to DATA (a slow server), per test. */
  let holdMs = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schedule-restart-'));
    const r = await startSchoolRouter('demo');
    router = r.server;
    smtp = await startSmtp({ holdData: () => new Promise((res) => setTimeout(res, holdMs)) });
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      { routers: r.endpoint },
    );
    bound.loaded.decl.schedule = { cron: '30 1 * * *', timezone: 'Europe/London' };
    bound.loaded.decl.delivery = emailDelivery(smtp, ['head']);
    await writeBoundSchool(bound, dir);
    schoolsDir = join(dir, 'schools');
    env = { ...bound.env, SNTEST_SMTP_PASSWORD: smtp.password };
    secrets = [...bound.secrets, smtp.password];
  }, 60_000);
  afterAll(async () => {
    await smtp.close();
    await router.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The real CLI's daemon with its wall clock starting at `at` (UTC). */
  function daemon(db: string, at: string, args: string[] = []): Daemon {
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'scripts', 'cli.ts'),
        'schedule',
        schoolsDir,
        '--store',
        db,
        '--smtp-ca',
        mailCertificates().caFile,
        ...args,
      ],
      {
        env: {
          ...env,
          // libfaketime preloaded into node itself (the `faketime` wrapper does not pass signals on).
          LD_PRELOAD: libfaketime(),
          FAKETIME: `@${at.replace('T', ' ').replace('Z', '')}`,
          FAKETIME_DONT_FAKE_MONOTONIC: '1',
          TZ: 'UTC',
        },
        cwd: REPO,
      },
    );
    const logs: Record<string, unknown>[] = [];
    const waiting: {
      pred: (l: Record<string, unknown>) => boolean;
      done: (l: Record<string, unknown>) => void;
    }[] = [];
    let buf = '';
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim() === '') continue;
        const l = JSON.parse(line) as Record<string, unknown>;
        logs.push(l);
        for (const w of [...waiting])
          if (w.pred(l)) {
            waiting.splice(waiting.indexOf(w), 1);
            w.done(l);
          }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<{ code: number | null; stderr: string }>((res) =>
      child.on('close', (code) => {
        for (const s of secrets) expect(stdout + stderr).not.toContain(s);
        res({ code, stderr });
      }),
    );
    return {
      child,
      logs,
      exited,
      waitFor: (pred, ms = 60_000) => {
        const seen = logs.find(pred);
        if (seen !== undefined) return Promise.resolve(seen);
        return new Promise((res, rej) => {
          const t = setTimeout(
            () =>
              rej(
                new Error(
                  `no matching log within ${ms} ms; got:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\n${stderr}`,
                ),
              ),
            ms,
          );
          waiting.push({
            pred,
            done: (l) => {
              clearTimeout(t);
              res(l);
            },
          });
        });
      },
    };
  }

  const msg = (m: string) => (l: Record<string, unknown>) => l.msg === m;
  const stopped = async (d: Daemon) => {
    d.child.kill('SIGTERM');
    return d.exited;
  };
  const ledger = (db: string): FireRecord[] => {
    const f = new FireLedger(db);
    try {
      return f.list('demo');
    } finally {
      f.close();
    }
  };
  const mailsTo = (since: number) => smtp.messages.slice(since);
  /**
   * The ledger as a daemon that ran earlier left it: the night's 01:30 planned. (Waiting for a real
   * cron tick costs the daemon's start-up time plus a lead; the tests that need the tick use it.)
   */
  const planned = (db: string, night: string, at = `${night}T01:30:00.000Z`) => {
    const f = new FireLedger(db);
    try {
      f.plan('demo', `${night} 01:30`, at, `${night}T00:00:00.000Z`);
    } finally {
      f.close();
    }
  };
  /** Fake start times this far before a cron tick leave the daemon time to start on a loaded machine. */
  const LEAD = '01:29:00';

  it('a SIGTERM during the spread wait records "not started"; the restart runs the fire once', async () => {
    const db = join(dir, 'spread.db');
    const before = smtp.messages.length;
    expect(spreadMs('demo', 10 * 60_000)).toBeGreaterThan(20_000); // the wait is long enough to stop in
    const a = daemon(db, `2027-11-02T${LEAD}Z`, ['--spread-window', '10m']);
    await a.waitFor(msg('waiting for the school’s slot in the spread'), 150_000);
    expect((await stopped(a)).code).toBe(0); // nothing was interrupted
    expect(ledger(db).find((f) => f.fireKey === '2027-11-02 01:30')).toMatchObject({
      state: 'not-started',
      attempts: 0,
    });
    const records = new NightlyRecords(db);
    expect(records.scheduledRuns('demo')).toEqual([]); // no "interrupted" run that never started
    records.close();

    const b = daemon(db, '2027-11-02T01:40:00Z', ['--spread-window', '10m']);
    await b.waitFor(msg('delivery email sent'), 90_000);
    expect((await stopped(b)).code).toBe(0);
    expect(b.logs.find(msg('restart: owed work settled'))?.resumed).toEqual([
      { school: 'demo', fireKey: '2027-11-02 01:30', action: 'catch-up' },
    ]);
    expect(ledger(db).find((f) => f.fireKey === '2027-11-02 01:30')).toMatchObject({
      state: 'delivered',
      attempts: 1,
    });
    expect(mailsTo(before)).toHaveLength(1);
  }, 400_000);

  it('a SIGTERM during the audit with no grace records it interrupted; the restart runs it again once', async () => {
    const db = join(dir, 'audit.db');
    const before = smtp.messages.length;
    planned(db, '2027-11-03');
    const a = daemon(db, '2027-11-03T01:31:00Z', ['--spread-window', '0', '--grace', '0']);
    await a.waitFor(msg('audit starting'), 90_000);
    // Stop once the engine has begun the run in the store (the audit is under way).
    const begun = () => {
      const st = openStore(db);
      try {
        return st.listRuns({ school: 'demo', status: 'incomplete' }).length > 0;
      } finally {
        st.close();
      }
    };
    for (let i = 0; i < 600 && !begun(); i++) await new Promise((r) => setTimeout(r, 50));
    expect((await stopped(a)).code).toBe(2);
    const fire = ledger(db).find((f) => f.fireKey === '2027-11-03 01:30');
    expect(fire).toMatchObject({ state: 'interrupted', attempts: 1 });
    const store = openStore(db);
    expect(store.listRuns({ school: 'demo' }).map((r) => r.status)).toEqual(['incomplete']);
    store.close();
    expect(mailsTo(before)).toHaveLength(0);

    const b = daemon(db, '2027-11-03T02:00:00Z', ['--spread-window', '0']);
    await b.waitFor(msg('delivery email sent'), 90_000);
    expect((await stopped(b)).code).toBe(0);
    expect(ledger(db).find((f) => f.fireKey === '2027-11-03 01:30')).toMatchObject({
      state: 'delivered',
      attempts: 2,
    });
    expect(mailsTo(before)).toHaveLength(1);
  }, 400_000);

  it('a SIGTERM after the audit lets the email go within the grace period', async () => {
    const db = join(dir, 'grace.db');
    const before = smtp.messages.length;
    holdMs = 3000;
    try {
      planned(db, '2027-11-04');
      const a = daemon(db, '2027-11-04T01:31:00Z', ['--spread-window', '0', '--grace', '60s']);
      await a.waitFor(msg('audit finished'), 90_000);
      expect((await stopped(a)).code).toBe(0);
      expect(a.logs.some(msg('delivery email sent'))).toBe(true);
    } finally {
      holdMs = 0;
    }
    expect(ledger(db).find((f) => f.fireKey === '2027-11-04 01:30')?.state).toBe('delivered');
    expect(mailsTo(before)).toHaveLength(1);
  }, 400_000);

  it('an email still being sent when the grace runs out is owed, and the restart sends it exactly once', async () => {
    const db = join(dir, 'owed.db');
    const before = smtp.messages.length;
    holdMs = 6000;
    try {
      planned(db, '2027-11-05');
      const a = daemon(db, '2027-11-05T01:31:00Z', ['--spread-window', '0', '--grace', '1s']);
      await a.waitFor(msg('audit finished'), 90_000);
      expect((await stopped(a)).code).toBe(0); // the audit finished: nothing interrupted
      expect(a.logs.some(msg('delivery still going at shutdown; owed, and sent on restart'))).toBe(true);
      const fire = ledger(db).find((f) => f.fireKey === '2027-11-05 01:30');
      expect(fire?.state).toBe('completed');
      // Let the slow server finish with the abandoned connection: it must not have accepted it.
      await new Promise((r) => setTimeout(r, holdMs + 500));
      expect(mailsTo(before)).toHaveLength(0);
    } finally {
      holdMs = 0;
    }
    const b = daemon(db, '2027-11-05T03:00:00Z', ['--spread-window', '0']);
    await b.waitFor(msg('delivery email sent'), 60_000);
    expect((await stopped(b)).code).toBe(0);
    expect(b.logs.find(msg('restart: owed work settled'))?.resumed).toEqual([
      { school: 'demo', fireKey: '2027-11-05 01:30', action: 'deliver' },
    ]);
    expect(b.logs.filter(msg('audit starting'))).toHaveLength(0); // delivered, not audited again
    expect(ledger(db).find((f) => f.fireKey === '2027-11-05 01:30')?.state).toBe('delivered');
    expect(mailsTo(before)).toHaveLength(1);

    // A third start sends nothing more.
    const c = daemon(db, '2027-11-05T03:10:00Z', ['--spread-window', '0']);
    await c.waitFor(msg('schoolnet schedule running'), 90_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await stopped(c)).code).toBe(0);
    expect(mailsTo(before)).toHaveLength(1);
  }, 400_000);

  it('a restart across missed slots runs the latest once and owns up to the others in the email and the roll-up', async () => {
    const db = join(dir, 'missed.db');
    const before = smtp.messages.length;
    const a = daemon(db, '2027-11-06T20:00:00Z', ['--spread-window', '0']);
    await a.waitFor(msg('schoolnet schedule running'), 90_000);
    expect((await stopped(a)).code).toBe(0);
    expect(ledger(db)).toMatchObject([{ fireKey: '2027-11-07 01:30', state: 'scheduled' }]);

    // Down for two nights and most of a day: 7th and 8th missed, the 9th caught up at 09:00.
    const b = daemon(db, '2027-11-09T09:00:00Z', ['--spread-window', '0']);
    await b.waitFor(msg('delivery email sent'), 90_000);
    expect((await stopped(b)).code).toBe(0);
    const fires = ledger(db).filter((f) => f.firedAt < '2027-11-10');
    expect(fires.map((f) => [f.fireKey, f.state])).toEqual([
      ['2027-11-07 01:30', 'missed'],
      ['2027-11-08 01:30', 'missed'],
      ['2027-11-09 01:30', 'delivered'],
    ]);
    const mails = mailsTo(before);
    expect(mails).toHaveLength(1);
    const body = parseMessage(mails[0]?.raw ?? '').text;
    expect(body).toContain('Nights without a report since the last one:');
    expect(body).toMatch(/2027-11-07 01:30: missed \(the scheduler was not running/);
    expect(body).toMatch(/2027-11-08 01:30: missed/);

    // A school that catches up nothing (missed: skip) is in another test's unit; here the roll-up.
    const roll = await runCli(
      ['rollup', '--store', db, '--format', 'json', '--now', '2027-11-09T10:00:00Z'],
      env,
    );
    const model = JSON.parse(roll.stdout) as {
      schools: { id: string; nights?: string[]; attention: string[] }[];
      totals: { withMissedNights: number };
    };
    expect(model.totals.withMissedNights).toBe(1);
    const demo = model.schools.find((s) => s.id === 'demo');
    expect(demo?.nights).toHaveLength(2);
    expect(demo?.attention.join('; ')).toMatch(/2 nights missed or not delivered: 2027-11-07 01:30: missed/);
    expect(roll.code).toBe(2);
  }, 400_000);

  it('a restart inside the repeated autumn hour does not run 01:30 again', async () => {
    const db = join(dir, 'autumn.db');
    const before = smtp.messages.length;
    // 2027-10-31: 01:30 BST is 00:30Z; clocks go back at 02:00 BST, so 01:30 GMT (01:30Z) comes again.
    planned(db, '2027-10-31', '2027-10-31T00:30:00.000Z');
    const a = daemon(db, '2027-10-31T00:31:00Z', ['--spread-window', '0']);
    await a.waitFor(msg('delivery email sent'), 180_000);
    expect((await stopped(a)).code).toBe(0);
    const b = daemon(db, `2027-10-31T${LEAD}Z`, ['--spread-window', '0']);
    const dup = await b.waitFor(
      msg('fire already recorded (restart or clock change); not run again'),
      150_000,
    );
    expect(dup).toMatchObject({ school: 'demo', fireKey: '2027-10-31 01:30', state: 'delivered' });
    expect((await stopped(b)).code).toBe(0);
    expect(b.logs.filter(msg('audit starting'))).toHaveLength(0);
    expect(mailsTo(before)).toHaveLength(1);
    const fires = ledger(db);
    expect(fires.find((f) => f.fireKey === '2027-10-31 01:30')).toMatchObject({
      state: 'delivered',
      firedAt: '2027-10-31T00:30:00.000Z',
      attempts: 1,
    });
    const store = openStore(db);
    expect(store.listRuns({ school: 'demo' })).toHaveLength(1);
    store.close();
  }, 400_000);
});
