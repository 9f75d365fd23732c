/**
 * Delivery after a run, against real servers on loopback: the demo school audited against the testbed,
 * then its report emailed through a real SMTP server (STARTTLS with a test CA, AUTH) and posted to a
 * local HTTP webhook. Asserts what actually arrived (envelope recipients resolved from the school's
 * contact roles, subject, the plain-English body, the PDF attachment), that failures are retried and
 * recorded, that an untrusted certificate is refused, and that no pupil's name or secret leaves.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSchool } from '../checks/engine/index.ts';
import { openStore } from '../checks/engine/store.ts';
import type { ResultsStore } from '../checks/engine/store.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import { loadSchool } from '../inventory/load.ts';
import type { Delivery, LoadedSchool } from '../inventory/types.ts';
import { deliverRun } from '../scripts/schedule/deliver.ts';
import { NightlyRecords } from '../scripts/schedule/records.ts';
import { sign } from '../scripts/schedule/webhook.ts';
import { bindToTestbed, SCHOOLS_DIR, startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';
import { mailCertificates, parseMessage, smtpSettings, startSmtp } from './support/mail.ts';
import type { TestSmtp } from './support/mail.ts';

const FAST = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

describe('delivery of a run by email and webhook', () => {
  let dir: string;
  let router: RouterOsServer;
  let school: LoadedSchool;
  let env: NodeJS.ProcessEnv;
  let secrets: string[];
  let store: ResultsStore;
  let records: NightlyRecords;
  let run: AuditRun;
  let smtp: TestSmtp;

  const withDelivery = (delivery: Delivery): LoadedSchool => ({
    ...school,
    decl: { ...school.decl, delivery },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'delivery-'));
    const r = await startSchoolRouter('demo');
    router = r.server;
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      {
        routers: r.endpoint,
      },
    );
    school = bound.loaded;
    smtp = await startSmtp();
    env = { ...bound.env, SNTEST_SMTP_PASSWORD: smtp.password, SNTEST_HOOK_SECRET: 'hook-test-secret' };
    secrets = [...bound.secrets, smtp.password, 'hook-test-secret'];
    store = openStore(join(dir, 'results.db'));
    records = new NightlyRecords(store.path);
    run = await auditSchool(school, { store, env });
  }, 120_000);
  afterAll(async () => {
    records.close();
    store.close();
    await smtp.close();
    await router.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('emails the head and the provider over STARTTLS with auth: summary in the body, PDF attached', async () => {
    const before = smtp.messages.length;
    const sent = await deliverRun(
      withDelivery({
        email: {
          to: ['head', 'provider'],
          when: 'always',
          smtp: smtpSettings(smtp),
          attachPdf: true,
          includeTechnicalDetail: false,
        },
      }),
      run,
      { store, records, env, retry: FAST, smtpTls: { ca: mailCertificates().caFile } },
    );
    expect(sent.map((d) => [d.recipient, d.status, d.attempts])).toEqual([
      ['head@demo-primary.example.org', 'sent', 1],
      ['servicedesk@provider.example.org', 'sent', 1],
    ]);
    expect(smtp.messages).toHaveLength(before + 1);
    const got = smtp.messages.at(-1);
    expect(got?.to.sort()).toEqual(['head@demo-primary.example.org', 'servicedesk@provider.example.org']);
    expect(got?.from).toBe('reports@provider.example.org');
    expect(got?.user).toBe(smtp.user);
    expect(got?.secure).toBe(true); // upgraded with STARTTLS before AUTH and DATA

    const msg = parseMessage(got?.raw ?? '');
    // The score comes with how many checks it stands on whenever not every check could judge.
    expect(msg.subject).toMatch(
      /^Demo Primary School: network check \d+(\.\d)?% \(\d+ issues?\)( \[\d+ of \d+ checks ran\])?$/,
    );
    expect(msg.text).toMatch(/checks?( could run|\)\.)/);
    expect(msg.text).toMatch(/Score: \d+(\.\d)?%\. \d+ checks? passed, \d+ problems? found/);
    expect(msg.text).toContain('What changed: this is the first check on record.');
    expect(msg.text).toContain('What needs attention:');
    expect(msg.text).toContain('The report is attached.');
    const pdf = msg.parts.find((p) => (p.headers['content-type'] ?? '').startsWith('application/pdf'));
    expect(pdf?.headers['content-disposition']).toMatch(/attachment; filename=.*demo-.*-report\.pdf/);
    expect(pdf?.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf?.body.length).toBeGreaterThan(1000);

    // The body is the head section only: no account named in any finding's evidence appears, and no secret.
    const people = run.findings
      .filter((f) => f.personal !== undefined || f.checkId.startsWith('directory-account'))
      .flatMap((f) => f.evidence.map((e) => e.object))
      .filter((o): o is string => o !== undefined && o.length > 3);
    expect(people.length).toBeGreaterThan(0);
    for (const p of people) expect(msg.text).not.toContain(p);
    for (const s of secrets) expect(got?.raw).not.toContain(s);

    expect(
      records
        .deliveries(run.id)
        .filter((d) => d.channel === 'email')
        .map((d) => d.status),
    ).toEqual(['sent', 'sent']);
  }, 60_000);

  it('a wrong password is retried, then recorded as failed with the server’s reason', async () => {
    const failuresBefore = smtp.authFailures;
    const out = await deliverRun(
      withDelivery({
        email: {
          to: ['dsl'],
          when: 'always',
          smtp: smtpSettings(smtp),
          attachPdf: false,
          includeTechnicalDetail: false,
        },
      }),
      run,
      {
        store,
        records,
        env: { ...env, SNTEST_SMTP_PASSWORD: 'not-the-password' },
        retry: FAST,
        smtpTls: { ca: mailCertificates().caFile },
      },
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      channel: 'email',
      recipient: 'dsl@demo-primary.example.org',
      status: 'failed',
      attempts: 3,
    });
    expect(out[0]?.lastError).toMatch(/Invalid username or password|535/);
    expect(smtp.authFailures - failuresBefore).toBe(3);
    const stored = records.deliveries(run.id).find((d) => d.recipient === 'dsl@demo-primary.example.org');
    expect(stored).toMatchObject({ status: 'failed', attempts: 3 });
    expect(JSON.stringify(records.deliveries())).not.toContain('not-the-password');
  });

  it('a server that is down is retried and recorded; so is a certificate from an untrusted CA', async () => {
    const down = await startSmtp();
    const port = down.port;
    await down.close(); // nothing listens there now
    const [refused] = await deliverRun(
      withDelivery({
        email: {
          to: ['governor'],
          when: 'always',
          smtp: smtpSettings(smtp, { port }),
          attachPdf: false,
          includeTechnicalDetail: false,
        },
      }),
      run,
      { store, records, env, retry: FAST, smtpTls: { ca: mailCertificates().caFile } },
    );
    expect(refused).toMatchObject({ status: 'failed', attempts: 3 });
    expect(refused?.lastError).toMatch(/ECONNREFUSED/);

    // No CA given: the server's certificate cannot be verified, so no password is sent and nothing delivered.
    const before = smtp.messages.length;
    const [untrusted] = await deliverRun(
      withDelivery({
        email: {
          to: ['head'],
          when: 'always',
          smtp: smtpSettings(smtp),
          attachPdf: false,
          includeTechnicalDetail: false,
        },
      }),
      run,
      { store, records, env, retry: { ...FAST, attempts: 1 } },
    );
    expect(untrusted).toMatchObject({ status: 'failed', attempts: 1 });
    expect(untrusted?.lastError).toMatch(/certificate/i);
    expect(smtp.messages.length).toBe(before);
  });

  describe('webhook', () => {
    let http: Server;
    let url: string;
    const got: { headers: IncomingMessage['headers']; body: string }[] = [];
    let failFirst = 0;

    beforeAll(async () => {
      http = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (c: string) => (body += c));
        req.on('end', () => {
          got.push({ headers: req.headers, body });
          if (failFirst > 0) {
            failFirst--;
            res.writeHead(503).end();
            return;
          }
          const ok = req.headers['x-schoolnet-signature'] === sign(body, 'hook-test-secret');
          res.writeHead(ok ? 204 : 401).end();
        });
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/hooks/schoolnet?token=abc123`;
    });
    afterAll(() => new Promise<void>((r) => http.close(() => r())));

    it('posts the signed run summary, retrying a 503, and records it sent', async () => {
      got.length = 0;
      failFirst = 1;
      const [d] = await deliverRun(
        withDelivery({ webhook: { url, secret: 'env:SNTEST_HOOK_SECRET', when: 'always' } }),
        run,
        { store, records, env, retry: FAST },
      );
      expect(d).toMatchObject({ channel: 'webhook', status: 'sent', attempts: 2 });
      // The query string (which can carry a token) is not kept in the store.
      expect(d?.recipient).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/schoolnet$/);
      expect(got).toHaveLength(2);
      const last = got[1];
      expect(last?.headers['content-type']).toBe('application/json');
      expect(last?.headers['x-schoolnet-run']).toBe(run.id);
      expect(last?.headers['x-schoolnet-signature']).toBe(sign(last?.body ?? '', 'hook-test-secret'));
      const payload = JSON.parse(last?.body ?? '{}') as Record<string, unknown>;
      expect(payload).toMatchObject({
        type: 'schoolnet.run',
        runId: run.id,
        school: { id: 'demo', name: 'Demo Primary School' },
        score: run.score,
        counts: run.counts,
      });
      expect(last?.body).not.toContain('hook-test-secret');
    });

    it('a wrong signature secret is refused by the receiver and recorded failed without pointless retries', async () => {
      got.length = 0;
      const [d] = await deliverRun(
        withDelivery({ webhook: { url, secret: 'env:SNTEST_WRONG', when: 'always' } }),
        run,
        { store, records, env: { ...env, SNTEST_WRONG: 'wrong-secret' }, retry: FAST },
      );
      expect(d).toMatchObject({ status: 'failed', attempts: 1 });
      expect(d?.lastError).toMatch(/HTTP 401/);
    });
  });

  it('`when: changed` skips an unchanged second run, and records the skip', async () => {
    const again = await auditSchool(school, { store, env });
    const before = smtp.messages.length;
    const out = await deliverRun(
      withDelivery({
        email: {
          to: ['head'],
          when: 'changed',
          smtp: smtpSettings(smtp),
          attachPdf: false,
          includeTechnicalDetail: false,
        },
      }),
      again,
      { store, records, env, retry: FAST, smtpTls: { ca: mailCertificates().caFile } },
    );
    expect(out).toMatchObject([
      { status: 'skipped', attempts: 0, lastError: 'nothing changed since the previous run' },
    ]);
    expect(smtp.messages.length).toBe(before);
  }, 60_000);
});
