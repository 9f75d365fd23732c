/**
 * The results store on the testbed's PostgreSQL (a real server: Debian's postgresql, TLS verified
 * against the run's CA): the same contract as SQLite, each test in a database of its own, plus what
 * only a network store has (verified TLS, no password in messages, schema migration).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../checks/engine/migrations.ts';
import { SyncPg } from '../checks/engine/pg-sync.ts';
import { openStore, schemaSql, StoreError } from '../checks/engine/store.ts';
import { pgClientConfig, redactPgUrl, writeBehind } from '../checks/engine/store-pg.ts';
import { createCa } from '../scripts/testbed/tls.ts';
import { sampleRun, storeContract } from './support/store-contract.ts';
import { testbedInfo } from './support/testbed.ts';

function pgInfo(): { url: string; admin: SyncPg } {
  const info = testbedInfo().services.postgres;
  if (!info?.extra?.url) throw new Error('the testbed has no postgres service');
  return { url: info.extra.url, admin: new SyncPg({ connectionString: info.extra.url }) };
}

let admin: SyncPg;
let baseUrl: string;
let counter = 0;
beforeAll(() => {
  const p = pgInfo();
  admin = p.admin;
  baseUrl = p.url;
});
afterAll(() => admin.close());

/** A new empty database; its URL. */
function freshDatabase(): string {
  const name = `store_${process.pid}_${++counter}`;
  admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

storeContract('PostgreSQL', () => {
  const url = freshDatabase();
  return { open: () => openStore(url), reopen: () => openStore(url) };
});

describe('PostgreSQL store connection', () => {
  it('verifies the server certificate: a store signed by another CA is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'other-ca-'));
    try {
      const other = await createCa(dir, 'not the testbed CA');
      const u = new URL(baseUrl);
      u.searchParams.set('sslrootcert', other.cert);
      expect(() => openStore(u.toString())).toThrow(/certificate/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a remote store without verified TLS, and never shows the password', () => {
    const url = 'postgres://agent:s3cr3t-pw@db.trust.example:5432/schoolnet';
    let err: unknown;
    try {
      pgClientConfig(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/sslmode=verify-full/);
    expect((err as Error).message).not.toContain('s3cr3t-pw');
    expect(redactPgUrl(url)).not.toContain('s3cr3t-pw');
    expect(() => pgClientConfig(`${url}?sslmode=verify-full&sslrootcert=/ca.pem`)).not.toThrow();
    const u = new URL(baseUrl);
    u.password = 'wrong-password-here';
    let login: unknown;
    try {
      openStore(u.toString());
    } catch (e) {
      login = e;
    }
    expect((login as Error).message).toMatch(/password authentication failed/);
    expect((login as Error).message).not.toContain('wrong-password-here');
  });

  it('migrates a version-1 store in place and keeps its runs', () => {
    const url = freshDatabase();
    const db = new SyncPg({ connectionString: url });
    try {
      db.batch(
        [
          { sql: 'CREATE SCHEMA schoolnet' },
          { sql: 'SET LOCAL search_path TO schoolnet' },
          { sql: schemaSql().replace(/\bREAL\b/g, 'DOUBLE PRECISION') },
          { sql: 'CREATE SEQUENCE run_seq' },
          { sql: 'INSERT INTO schema_version (version) VALUES (1)' },
          {
            sql: `INSERT INTO runs (id, seq, school, school_json, started, as_of, status, tool_version)
                  VALUES ('old', 1, 'alpha', '{"id":"alpha"}', '2025-10-01T01:30:00.000Z',
                          '2025-10-01T01:30:00.000Z', 'incomplete', '0.1.0')`,
          },
        ],
        true,
      );
      const store = openStore(url);
      try {
        expect(store.listRuns().map((r) => r.id)).toEqual(['old']);
        const run = sampleRun('new', 'alpha', '2025-11-01T01:30:00.000Z');
        store.beginRun({ ...run, night: '2025-11-01' });
        store.finishRun(run);
        expect(store.runForNight('alpha', '2025-11-01')?.id).toBe('new');
        expect(store.getRun('new')?.findings[0]?.judgedAgainst).toBe('alpha:passwords');
      } finally {
        store.close();
      }
      expect(db.query('SELECT version FROM schoolnet.schema_version')).toEqual([{ version: SCHEMA_VERSION }]);
    } finally {
      db.close();
    }
  });

  it("writes behind without blocking: a run's writes commit in order, interleaved with blocking reads, before settle resolves", async () => {
    const url = freshDatabase();
    const store = openStore(url);
    try {
      const { store: view, settle } = writeBehind(store);
      const runs = ['a', 'b', 'c'].map((s, i) =>
        sampleRun(`wb-${s}`, `school-${s}`, `2025-11-0${i + 1}T01:30:00.000Z`),
      );
      for (const run of runs) {
        view.beginRun({ ...run, night: run.started.slice(0, 10) });
        // A blocking read on the same connection between the queued writes.
        expect(store.listRuns({ school: 'nobody' })).toEqual([]);
        view.finishRun(run);
      }
      await settle();
      for (const run of runs) expect(store.getRun(run.id)).toEqual(run);
      expect((await writeBehind(store).runForNight('school-b', '2025-11-02'))?.id).toBe('wb-b');
      // A run finished without being begun is refused, and settle reports it.
      const other = writeBehind(store);
      other.store.finishRun(sampleRun('never-begun', 'school-z', '2025-11-09T01:30:00.000Z'));
      await expect(other.settle()).rejects.toThrow(/never begun/);
    } finally {
      store.close();
    }
  });

  it("commits the caller's statements in finishRun's own transaction: all of it or none of it", async () => {
    const url = freshDatabase();
    const store = openStore(url);
    const db = new SyncPg({ connectionString: url });
    try {
      db.query('CREATE TABLE public.marks (run_id TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n > 0))');
      const mark = (n: number) => (run: { id: string }) => [
        { sql: 'INSERT INTO public.marks VALUES ($1, $2)', params: [run.id, n] },
      ];
      const run = sampleRun('tx-ok', 'school-t', '2025-11-03T01:30:00.000Z');
      const ok = writeBehind(store, { alsoOnFinish: mark(1) });
      ok.store.beginRun(run);
      ok.store.finishRun(run);
      await ok.settle();
      expect(store.getRun('tx-ok')).toEqual(run);
      expect(db.query('SELECT run_id, n FROM public.marks')).toEqual([{ run_id: 'tx-ok', n: 1 }]);
      // A statement that fails (the CHECK) rolls the run's finish back with it: the run stays as
      // begun (incomplete, no findings), and settle reports the failure.
      const bad = sampleRun('tx-bad', 'school-u', '2025-11-04T01:30:00.000Z');
      const failing = writeBehind(store, { alsoOnFinish: mark(0) });
      failing.store.beginRun(bad);
      failing.store.finishRun(bad);
      await expect(failing.settle()).rejects.toThrow(/marks_n_check/);
      expect(store.getRun('tx-bad')?.status).toBe('incomplete');
      expect(store.getRun('tx-bad')?.findings).toEqual([]);
      expect(db.query('SELECT count(*)::int AS c FROM public.marks')).toEqual([{ c: 1 }]);
    } finally {
      db.close();
      store.close();
    }
  });
});
