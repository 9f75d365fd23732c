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
import { pgClientConfig, redactPgUrl } from '../checks/engine/store-pg.ts';
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
});
