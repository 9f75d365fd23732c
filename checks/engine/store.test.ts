import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { storeContract, sampleRun } from '../../test/support/store-contract.ts';
import { SCHEMA_VERSION } from './migrations.ts';
import { defaultStorePath, openStore, schemaSql, storeTarget } from './store.ts';

storeContract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  const file = join(dir, 'nested', 'results.db');
  return {
    open: () => openStore(file),
    reopen: () => openStore(file),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('schema migrations (SQLite)', () => {
  it('brings a version-1 store up to date and keeps its runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    try {
      const file = join(dir, 'v1.db');
      const old = new DatabaseSync(file);
      old.exec(schemaSql());
      old.exec('INSERT INTO schema_version (version) VALUES (1)');
      old.close();
      const store = openStore(file);
      const run = sampleRun('r1', 'alpha', '2025-11-01T01:30:00.000Z');
      store.beginRun({ ...run, night: '2025-11-01' });
      store.finishRun(run);
      expect(store.runForNight('alpha', '2025-11-01')?.id).toBe('r1');
      // Schema 3: the clause a finding was judged against survives in a migrated store.
      expect(store.getRun('r1')?.findings[0]?.judgedAgainst).toBe('alpha:passwords');
      store.close();
      const db = new DatabaseSync(file);
      expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('default store path', () => {
  it('follows SCHOOLNET_STORE, else XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultStorePath({ XDG_DATA_HOME: '/data' })).toBe('/data/schoolnet/results.db');
    expect(defaultStorePath({ HOME: '/home/tech' })).toMatch(/\.local\/share\/schoolnet\/results\.db$/);
    expect(defaultStorePath({ SCHOOLNET_STORE: 'postgres://db/x', XDG_DATA_HOME: '/data' })).toBe(
      'postgres://db/x',
    );
    expect(storeTarget(undefined, { SCHOOLNET_STORE: 'postgres://db/x' })).toBe('postgres://db/x');
    expect(storeTarget('rel.db', {})).toBe(join(process.cwd(), 'rel.db'));
  });
});
