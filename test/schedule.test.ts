/**
 * The nightly scheduler with an injected clock over a simulated night: three schools on the testbed
 * (each its own RouterOS test server, switches on snmpsim, SSH CLI on sshd, directory on Samba or
 * slapd), each on its own cron line, are each audited exactly once and emailed exactly once through a
 * real SMTP server; each run's start, end and outcome is recorded. Then: an overlapping tick is skipped
 * and logged, and a stop during a run that will not finish records it as interrupted while the
 * engine's run stays `incomplete`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetOptions, FleetResult } from '../checks/engine/fleet.ts';
import { auditWithin } from '../checks/engine/fleet.ts';
import { defaultCollectors } from '../checks/engine/inputs.ts';
import { openStore } from '../checks/engine/store.ts';
import type { ResultsStore } from '../checks/engine/store.ts';
import { loadSchool } from '../inventory/load.ts';
import type { LoadedSchool } from '../inventory/types.ts';
import { FireLedger } from '../scripts/schedule/fires.ts';
import { NightlyRecords } from '../scripts/schedule/records.ts';
import { Scheduler } from '../scripts/schedule/scheduler.ts';
import { bindToTestbed, SCHOOLS_DIR, startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';
import { emailDelivery, mailCertificates, parseMessage, startSmtp } from './support/mail.ts';
import type { TestSmtp } from './support/mail.ts';

const NIGHT = ['demo', 'croft-prep', 'miskin-primary'] as const;
const CRON: Record<(typeof NIGHT)[number], string> = {
  demo: '30 1 * * *',
  'croft-prep': '50 1 * * *',
  'miskin-primary': '15 2 * * *',
};

describe('schoolnet schedule over a simulated night', () => {
  let dir: string;
  const routers: RouterOsServer[] = [];
  let smtp: TestSmtp;
  let schools: LoadedSchool[];
  let env: NodeJS.ProcessEnv;
  let secrets: string[];
  let store: ResultsStore;
  let records: NightlyRecords;
  let fires: FireLedger;
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) });
  let now = new Date('2026-11-24T20:00:00Z');
  const clock = () => new Date(now.getTime());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schedule-'));
    smtp = await startSmtp();
    env = { ...process.env, SNTEST_SMTP_PASSWORD: smtp.password };
    secrets = [smtp.password];
    schools = [];
    for (const id of NIGHT) {
      const r = await startSchoolRouter(id === 'croft-prep' ? 'bad' : 'demo');
      routers.push(r.server);
      const bound = await bindToTestbed(
        await loadSchool(join(SCHOOLS_DIR, id, 'school.yaml')),
        testbedInfo(),
        {
          routers: r.endpoint,
        },
      );
      Object.assign(env, bound.env);
      secrets.push(...bound.secrets);
      schools.push({
        ...bound.loaded,
        decl: {
          ...bound.loaded.decl,
          schedule: { cron: CRON[id], timezone: 'Europe/London' },
          delivery: emailDelivery(smtp, ['head'], { attachPdf: true }),
        },
      });
    }
    store = openStore(join(dir, 'results.db'));
    records = new NightlyRecords(store.path);
    fires = new FireLedger(store.path);
  }, 120_000);
  afterAll(async () => {
    fires.close();
    records.close();
    store.close();
    await smtp.close();
    for (const r of routers) await r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scheduler = (over: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) =>
    new Scheduler({
      schools,
      store,
      records,
      fires,
      logger,
      clock,
      spreadWindowMs: 10 * 60_000,
      audit: { env },
      delivery: {
        env,
        retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
        smtpTls: { ca: mailCertificates().caFile },
      },
      ...over,
    });

  it('audits each school once and emails each once, recording start, end and outcome', async () => {
    const s = scheduler();
    const ticks = await s.simulate(
      new Date('2026-11-24T20:00:00Z'),
      new Date('2026-11-25T07:00:00Z'),
      (at) => {
        now = at;
      },
    );
    expect(ticks.map((t) => [t.school, t.outcome]).sort()).toEqual(NIGHT.map((id) => [id, 'ran']).sort());

    const runs = store.listRuns();
    expect(runs.map((r) => r.school.id).sort()).toEqual([...NIGHT].sort());
    expect(runs.every((r) => r.status === 'complete')).toBe(true);
    for (const id of NIGHT) {
      const [m = '', h = ''] = CRON[id].split(' ');
      const hh = h.padStart(2, '0');
      const run = runs.find((r) => r.school.id === id);
      // Started on the simulated clock: the school's cron time (GMT in November) plus its spread.
      const fire = Date.parse(`2026-11-25T${hh}:${m}:00Z`);
      expect(Date.parse(run?.started ?? '')).toBeGreaterThanOrEqual(fire);
      expect(Date.parse(run?.started ?? '')).toBeLessThan(fire + 10 * 60_000);
      const rec = records.scheduledRuns(id);
      expect(rec).toHaveLength(1);
      expect(rec[0]).toMatchObject({
        outcome: 'complete',
        runId: run?.id,
        fireKey: `2026-11-25 ${hh}:${m}`,
      });
      expect(rec[0]?.exitCode).toBeGreaterThanOrEqual(1); // every fixture has deliberate faults
      expect(rec[0]?.started).toBeDefined();
      expect(rec[0]?.finished).toBeDefined();
    }

    expect(smtp.messages).toHaveLength(3);
    const heads = smtp.messages.map((m) => m.to.join(',')).sort();
    expect(heads).toEqual([
      'head@croft-prep.example.org',
      'head@demo-primary.example.org',
      'head@miskin-primary.example.org',
    ]);
    for (const m of smtp.messages) {
      const msg = parseMessage(m.raw);
      expect(msg.subject).toMatch(/: network check \d/);
      expect(msg.parts.some((p) => (p.headers['content-type'] ?? '').startsWith('application/pdf'))).toBe(
        true,
      );
    }
    for (const run of runs)
      expect(records.deliveries(run.id).map((d) => [d.channel, d.status])).toEqual([['email', 'sent']]);

    // Structured logs: one JSON object a line, the run's outcome logged, no secret anywhere.
    const logs = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.filter((l) => l.msg === 'audit finished')).toHaveLength(3);
    for (const sec of secrets) expect(logLines.join('')).not.toContain(sec);
  }, 240_000);

  it('skips and logs a tick that comes while the same school is still running', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let audits = 0;
    const s = scheduler({
      schools: schools.slice(0, 1),
      delivery: { env, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
      // The real audit, held at the start until the second tick has come and gone.
      auditor: async (school: LoadedSchool, o: FleetOptions): Promise<FleetResult> => {
        audits++;
        await gate;
        return auditWithin(school, o);
      },
    });
    const noDelivery = schools[0] as LoadedSchool;
    delete noDelivery.decl.delivery;
    now = new Date('2026-11-26T01:30:00Z');
    const first = s.fire('demo', clock(), { spread: false });
    now = new Date('2026-11-27T01:30:00Z');
    const second = await s.fire('demo', clock(), { spread: false });
    expect(second).toBe('skipped-overlap');
    release();
    expect(await first).toBe('ran');
    expect(audits).toBe(1);
    const skip = records.scheduledRuns('demo').find((r) => r.outcome === 'skipped-overlap');
    expect(skip).toMatchObject({ fireKey: '2026-11-27 01:30' });
    expect(skip?.message).toMatch(/was still going/);
    const logged = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'previous run still going; tick skipped');
    expect(logged).toMatchObject({ school: 'demo', level: 40 });
  }, 60_000);

  it('a stop during a run that does not finish in the grace period marks it interrupted; the run stays incomplete', async () => {
    let release: () => void = () => undefined;
    const hang = new Promise<void>((r) => (release = r));
    const s = scheduler({
      schools: schools.slice(1, 2),
      audit: {
        env,
        timeoutMs: 120_000,
        inputs: {
          collectors: {
            ...defaultCollectors,
            // A router that never answers within the grace period (the real collector runs after the hang).
            router: async (d, o) => {
              await hang;
              return defaultCollectors.router(d, o);
            },
          },
        },
      },
    });
    now = new Date('2026-11-26T01:50:00Z');
    const running = s.fire('croft-prep', clock(), { spread: false });
    // Wait until the engine has begun the run in the store.
    for (
      let i = 0;
      i < 200 && store.listRuns({ school: 'croft-prep', status: 'incomplete' }).length === 0;
      i++
    )
      await new Promise((r) => setTimeout(r, 25));
    const interrupted = await s.stop(100);
    expect(interrupted).toEqual(['croft-prep']);
    const rec = records.scheduledRuns('croft-prep').find((r) => r.fireKey === '2026-11-26 01:50');
    expect(rec).toMatchObject({ outcome: 'interrupted', exitCode: 2 });
    const run = store.listRuns({ school: 'croft-prep' }).find((r) => r.id === rec?.runId);
    expect(run?.status).toBe('incomplete');
    // A tick after the stop does nothing.
    expect(await s.fire('croft-prep', new Date('2026-11-27T01:50:00Z'))).toBe('stopping');
    release();
    await running;
    // The late finish did not overwrite the record.
    expect(records.scheduledRuns('croft-prep').find((r) => r.fireKey === '2026-11-26 01:50')?.outcome).toBe(
      'interrupted',
    );
  }, 60_000);

  it('never audits more schools at once than maxConcurrent; the others wait their turn', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const bare = schools.map((x) => {
      const decl = { ...x.decl };
      delete decl.delivery;
      return { ...x, decl };
    });
    const s = scheduler({
      schools: bare,
      maxConcurrent: 1,
      auditor: async (school: LoadedSchool, o: FleetOptions): Promise<FleetResult> => {
        started++;
        await gate;
        return auditWithin(school, o);
      },
    });
    now = new Date('2026-11-28T01:30:00Z');
    const all = NIGHT.map((id) => s.fire(id, clock(), { spread: false }));
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toBe(1);
    expect(s.running.sort()).toEqual([...NIGHT].sort()); // all fired, two waiting for a slot
    release();
    expect(await Promise.all(all)).toEqual(['ran', 'ran', 'ran']);
    expect(started).toBe(3);
  }, 60_000);
});
