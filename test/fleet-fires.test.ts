/**
 * Every school-night accounted for on the central-plus-agents path, as the single-process scheduler
 * accounts for its fires (scripts/schedule/fires.ts): the planner (`schoolnet schedule --store
 * postgres://…`) and site agents (`schoolnet agent`) as real processes on the testbed's PostgreSQL,
 * schools whose routers are RouterOS test servers, reports mailed to a real SMTP server (smtp-server,
 * STARTTLS, AUTH) or to a port where nothing listens. What happened is read with our own SQL from the
 * ledger (`schoolnet.schedule_fires`), pg-boss's job table and the deliveries, and from what the
 * roll-up (the real CLI) prints and what the SMTP server received.
 *
 * "Every planner was down" is made as the fleet-agents test makes it: the planners' own records of
 * time move back (our ledger's planned night and pg-boss's last cron pass), which is what a real outage
 * leaves in the database; no clock is faked.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SyncPg } from '../checks/engine/pg-sync.ts';
import { nightRunId } from '../checks/engine/run.ts';
import { localKey, nextFire } from '../scripts/schedule/plan.ts';
import { freePort } from '../scripts/testbed/ports.ts';
import type { RouterEndpoint } from './support/bind-testbed.ts';
import { startSchoolRouter } from './support/bind-testbed.ts';
import type { FleetSchool, Proc } from './support/fleet-harness.ts';
import {
  eventually,
  fleetTestbed,
  freshDatabase,
  jobs,
  stopCli,
  trackedCli,
  writeFleetSchools,
} from './support/fleet-harness.ts';
import { mailCertificates, parseMessage, startSmtp } from './support/mail.ts';
import type { TestSmtp } from './support/mail.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

const TZ = 'Europe/London';

/** A daily time about six hours from now (London): never due while a test runs. */
function soonCron(): string {
  const at = localKey(new Date(Date.now() + 6 * 3_600_000), TZ);
  return `${Number(at.slice(14, 16))} ${Number(at.slice(11, 13))} * * *`;
}
const CRON = soonCron();
/** The next occurrence, and the two before it (about 18 and 42 hours ago). */
const NEXT = nextFire(CRON, TZ, new Date());
const AGO_18H = new Date(NEXT.getTime() - 86_400_000);
const AGO_42H = new Date(NEXT.getTime() - 2 * 86_400_000);
const night = (at: Date): string => localKey(at, TZ).slice(0, 10);

const SCHOOLS: FleetSchool[] = [
  { id: 'nights-a1', site: 'site-a', cron: CRON },
  { id: 'nights-a2', site: 'site-a', cron: CRON, missed: 'skip' },
  { id: 'nights-a3', site: 'site-a', cron: CRON },
  { id: 'nights-b1', site: 'site-b', cron: CRON },
];

let root: string;
let admin: SyncPg;
let baseUrl: string;
let server: RouterOsServer;
let router: RouterEndpoint;
let smtp: TestSmtp;
let envs: Record<string, NodeJS.ProcessEnv>;
let plannerEnv: NodeJS.ProcessEnv;
let deadPort: number;
const procs: Proc[] = [];

/** Adds a delivery section to the planner's copy of a school's declaration. */
function addDelivery(id: string, smtpYaml: string): void {
  const file = join(root, 'all', 'schools', id, 'school.yaml');
  const text = readFileSync(file, 'utf8');
  expect(text).not.toMatch(/^delivery:/m);
  writeFileSync(
    file,
    `${text.endsWith('\n') ? text : `${text}\n`}delivery:
  email:
    to: [head@${id}.school.test]
    when: always
    smtp:
${smtpYaml}
      from: reports@provider.example.org
    attachPdf: false
    includeTechnicalDetail: false
`,
  );
}

beforeAll(async () => {
  const { info, ...testbed } = fleetTestbed('fleet-fires');
  ({ baseUrl, admin, root } = testbed);
  ({ server, endpoint: router } = await startSchoolRouter('demo'));
  smtp = await startSmtp();
  deadPort = await freePort('127.0.0.1'); // nothing listens there: every attempt is refused
  envs = await writeFleetSchools(root, info, SCHOOLS, router);
  addDelivery(
    'nights-a1',
    `      host: 127.0.0.1
      port: ${smtp.port}
      secure: false
      user: ${smtp.user}
      password: env:SNNIGHTS_SMTP_PASSWORD`,
  );
  addDelivery(
    'nights-a3',
    `      host: 127.0.0.1
      port: ${deadPort}
      secure: false`,
  );
  plannerEnv = { SNNIGHTS_SMTP_PASSWORD: smtp.password };
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => stopCli(p, 5000)));
  await server.close();
  await smtp.close();
  admin.close();
  rmSync(root, { recursive: true, force: true });
});

function database(): { url: string; db: SyncPg } {
  const url = freshDatabase(admin, baseUrl, `fires_${process.pid}`);
  return { url, db: new SyncPg({ connectionString: url }) };
}

const cli = trackedCli(procs);

const planner = (url: string, extra: string[] = []) =>
  cli(
    [
      'schedule',
      join(root, 'all', 'schools'),
      '--store',
      url,
      '--smtp-ca',
      mailCertificates().caFile,
      '--tick',
      '1',
      ...extra,
    ],
    plannerEnv,
  );
const agent = (url: string, site: string) =>
  cli(['agent', join(root, site, 'schools'), '--site', site, '--store', url], envs[site]);

interface Fire {
  school: string;
  night: string;
  state: string;
  message: string | null;
}
/** The ledger, read with our own SQL. */
function fires(db: SyncPg): Fire[] {
  return db.query<Fire>(
    `SELECT school, fire_key AS night, state, message FROM schoolnet.schedule_fires ORDER BY school, fired_at`,
  );
}
const stateOf = (db: SyncPg, school: string, n: string): string | undefined =>
  fires(db).find((f) => f.school === school && f.night === n)?.state;

/** The roll-up's line for a school (the table is one line per school). */
function rollupLine(out: string, school: string): string {
  return out.split('\n').find((l) => l.startsWith(`${school} `)) ?? '';
}

describe('the central path accounts for every school-night as the single-process scheduler does', () => {
  it(
    'planners down past the slot: the last night caught up (missed: once) or missed (missed: skip), older ones missed, the report owning up to them; a report nobody takes is undelivered; a night no agent took in time is not started',
    { timeout: 240_000 },
    async () => {
      const { url, db } = database();
      // Where a failure (or a timeout) happened, with each process's last words.
      let step = 'first planner';
      const at = (s: string) => {
        step = `${s} (${new Date().toISOString()})`;
      };
      onTestFailed(() => {
        console.error(`failed at: ${step}\nledger: ${JSON.stringify(fires(db))}`);
        for (const p of procs)
          console.error(`--- ${p.child.spawnargs.slice(2, 4).join(' ')}\n${p.output().slice(-3000)}`);
      });
      try {
        const first = planner(url, ['--catch-up-window', '24h']);
        await first.waitFor(/planner running/);
        await stopCli(first);
        // Each school's next night is recorded before it is due.
        expect(fires(db)).toEqual(
          SCHOOLS.map((s) => ({ school: s.id, night: night(NEXT), state: 'scheduled', message: null })),
        );
        // Every planner was down for two days: what the planners recorded of time moves back.
        db.batch([
          {
            sql: `UPDATE schoolnet.schedule_fires SET fire_key = $1, fired_at = $2`,
            params: [night(AGO_42H), AGO_42H.toISOString()],
          },
          { sql: `UPDATE pgboss.version SET cron_on = now() - interval '2 days'` },
          { sql: `UPDATE pgboss.schedule SET created_on = now() - interval '2 days'` },
        ]);
        at('planner back after the outage, site A agent');
        // Site A's agent comes up with the planner (it audits its caught-up nights as soon as they are
        // queued; the planner mails the reports); site B's agent stays away.
        agent(url, 'site-a');
        const back = planner(url, ['--catch-up-window', '24h']);
        await back.waitFor(/planner running/);
        // pg-boss's own catch-up (missed: once) comes on its first passes; it must not add a night.
        await eventually(
          () => db.query(`SELECT 1 FROM pgboss.job WHERE name = 'schoolnet.plan' AND state = 'completed'`),
          (rows) => rows.length === 3,
          30_000,
        );
        const only = 'no planner was running at its time; only the most recent missed night is caught up';
        const skip = 'no planner was running at its time; the school does not catch up (missed: skip)';
        const caughtUp = (school: string, site: string): Fire[] => [
          { school, night: night(AGO_42H), state: 'missed', message: only },
          { school, night: night(AGO_18H), state: 'queued', message: `queued on schoolnet.audit.${site}` },
          { school, night: night(NEXT), state: 'scheduled', message: null },
        ];
        // Site A's caught-up nights may be further on already: queued is where they began.
        const onward = ['started', 'completed', 'delivered', 'undelivered'];
        expect(
          fires(db).map((f) =>
            f.school !== 'nights-b1' && onward.includes(f.state)
              ? { ...f, state: 'queued', message: `queued on schoolnet.audit.site-a` }
              : { ...f, message: f.message?.replace(/ at \S+Z$/, '') ?? null },
          ),
        ).toEqual([
          ...caughtUp('nights-a1', 'site-a'),
          { school: 'nights-a2', night: night(AGO_42H), state: 'missed', message: skip },
          { school: 'nights-a2', night: night(AGO_18H), state: 'missed', message: skip },
          { school: 'nights-a2', night: night(NEXT), state: 'scheduled', message: null },
          ...caughtUp('nights-a3', 'site-a'),
          ...caughtUp('nights-b1', 'site-b'),
        ]);
        expect(jobs(db).map((j) => [j.school, j.night])).toEqual([
          ['nights-a1', night(AGO_18H)],
          ['nights-a3', night(AGO_18H)],
          ['nights-b1', night(AGO_18H)],
        ]);
        at('site A audits');
        await eventually(
          () => [stateOf(db, 'nights-a1', night(AGO_18H)), stateOf(db, 'nights-a3', night(AGO_18H))],
          (s) => s.every((x) => x !== 'queued'),
          90_000,
        );
        // A planner whose window is 5 seconds: site B's night, queued long before, no agent took.
        at('planner with a 5 s window');
        const late = planner(url, ['--catch-up-window', '5s']);
        await eventually(
          () => stateOf(db, 'nights-b1', night(AGO_18H)),
          (s) => s === 'not-started',
          60_000,
        );
        expect(
          fires(db).find((f) => f.school === 'nights-b1' && f.night === night(AGO_18H))?.message,
        ).toMatch(/^queued on schoolnet\.audit\.site-b at \S+; no agent started it within 5 s$/);
        // Its job is cancelled: an agent coming back later in the day does not audit it late.
        expect(jobs(db).find((j) => j.school === 'nights-b1')?.state).toBe('cancelled');

        await eventually(
          () => [stateOf(db, 'nights-a1', night(AGO_18H)), stateOf(db, 'nights-a3', night(AGO_18H))],
          (s) => s.join() === 'delivered,undelivered',
          90_000,
        );
        at('reports delivered or not');
        // The report's digest owns up to the night missed before it, as the single process's does.
        expect(smtp.messages.map((m) => m.to)).toEqual([['head@nights-a1.school.test']]);
        const body = parseMessage(smtp.messages[0]?.raw ?? '').text.replace(/\r\n/g, '\n');
        expect(body).toContain(
          `Nights without a report since the last one:\n  - ${night(AGO_42H)}: missed (${only})`,
        );
        // Nobody takes nights-a3's mail: every retry failed, and the night is undelivered.
        const runA3 = nightRunId('nights-a3', night(AGO_18H));
        expect(
          db.query(`SELECT recipient, status, attempts FROM schoolnet.deliveries WHERE run_id = $1`, [runA3]),
        ).toEqual([{ recipient: 'head@nights-a3.school.test', status: 'failed', attempts: 4 }]);
        expect(db.query(`SELECT id, status FROM schoolnet.runs ORDER BY school`)).toEqual([
          { id: nightRunId('nights-a1', night(AGO_18H)), status: 'complete' },
          { id: runA3, status: 'complete' },
        ]);

        // The roll-up on the PostgreSQL store says all of it, in the single process's words.
        at('roll-up');
        const r = cli(['rollup', '--store', url]);
        expect((await r.exited).code).toBe(2);
        const out = r.output();
        expect(rollupLine(out, 'nights-a1')).toContain(
          `1 night missed or not delivered: ${night(AGO_42H)}: missed (${only})`,
        );
        // Never audited, and listed with both nights.
        expect(rollupLine(out, 'nights-a2')).toContain(
          `2 nights missed or not delivered: ${night(AGO_42H)}: missed (${skip}); ${night(AGO_18H)}: missed (${skip})`,
        );
        expect(rollupLine(out, 'nights-a3')).toContain(
          `2 nights missed or not delivered: ${night(AGO_42H)}: missed (${only}); ${night(AGO_18H)}: report not delivered (delivery failed) (1 delivery failed: email to head@nights-a3.school.test)`,
        );
        expect(rollupLine(out, 'nights-b1')).toMatch(
          new RegExp(
            `2 nights missed or not delivered: ${night(AGO_42H)}: missed \\(${only}\\); ${night(AGO_18H)}: not started \\(queued on schoolnet\\.audit\\.site-b at \\S+; no agent started it within 5 s\\)`,
          ),
        );
        expect(out).toMatch(/4 with missed or undelivered nights/);
        await Promise.all([stopCli(back), stopCli(late)]);
      } finally {
        db.close();
      }
    },
  );
});
