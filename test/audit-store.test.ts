/**
 * The results store under real conditions: the CLI audits the demo school (bound to the testbed) into a
 * store file; then an audit is killed mid-run, twice: once while collecting, once inside the final
 * transaction. Earlier runs stay intact, the killed run stays `incomplete` with nothing half-written,
 * and the file passes SQLite's integrity check. No secret value ever reaches the file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import { loadSchool } from '../inventory/load.ts';
import {
  bindToTestbed,
  REPO,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { BoundSchool, CliResult } from './support/bind-testbed.ts';

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function integrity(db: string): string {
  const d = new DatabaseSync(db, { readOnly: true });
  try {
    return (d.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
  } finally {
    d.close();
  }
}

describe('the results store', () => {
  let dir: string;
  let db: string;
  let bound: BoundSchool;
  let file: string;
  let first: CliResult;
  let firstRun: AuditRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-store-'));
    db = join(dir, 'results.db');
    const { server, endpoint } = await startSchoolRouter('demo');
    bound = await bindToTestbed(await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')), testbedInfo(), {
      routers: endpoint,
    });
    file = await writeBoundSchool(bound, dir);
    first = await runCli(['audit', file, '--store', db, '--format', 'json'], bound.env);
    await server.close();
    firstRun = JSON.parse(first.stdout) as AuditRun;
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps exactly the run the CLI printed', () => {
    expect(first.code, first.stderr).toBe(1);
    const store = openStore(db);
    try {
      expect(store.getRun(firstRun.id)).toEqual(firstRun);
    } finally {
      store.close();
    }
  });

  it('never stores (or prints) a secret', () => {
    const sshd = testbedInfo().services.sshd;
    const secrets = [...bound.secrets];
    if (sshd?.privateKey !== undefined)
      secrets.push(readFileSync(sshd.privateKey, 'utf8').split('\n')[1] ?? '');
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    const files = [db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
    for (const s of secrets.filter((x) => x.length >= 6)) {
      for (const bytes of files)
        expect(bytes.includes(Buffer.from(s, 'utf8')), 'a secret in the store').toBe(false);
      expect(first.stdout.includes(s) || first.stderr.includes(s), 'a secret in the output').toBe(false);
    }
  });

  it('marks a run killed while collecting incomplete, and leaves earlier runs intact', async () => {
    const { server, endpoint } = await startSchoolRouter('demo', [
      { fault: { kind: 'delay', ms: 60_000 }, command: '/ip/firewall/filter/print' },
    ]);
    const again = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      {
        routers: endpoint,
      },
    );
    const f2 = await writeBoundSchool(again, join(dir, 'second'));
    let kill: (() => void) | undefined;
    const pending = runCli(['audit', f2, '--store', db], again.env, (child) => {
      kill = () => child.kill('SIGKILL');
    });
    const store = openStore(db);
    try {
      await until(
        'the run row and the router login',
        () => store.listRuns({ status: 'incomplete' }).length > 0 && server.logins.some((l) => l.ok),
      );
      kill?.();
      const res = await pending;
      expect(res.signal).toBe('SIGKILL');
      const [killed] = store.listRuns({ status: 'incomplete' });
      expect(killed).toBeDefined();
      expect(store.getRun(killed?.id ?? '')).toMatchObject({
        status: 'incomplete',
        findings: [],
        devices: [],
      });
      expect(store.getRun(firstRun.id)).toEqual(firstRun);
      expect(store.latestRun('demo')?.id).toBe(killed?.id);
      expect(store.previousRun('demo', killed?.id ?? '')?.id).toBe(firstRun.id);
    } finally {
      store.close();
      await server.close();
    }
    expect(integrity(db)).toBe('ok');
  });

  it('rolls back a run killed inside its final transaction', async () => {
    // A child process begins a run and, part-way through writing its findings, blocks on a getter that
    // signals "inside" (a pipe write is synchronous on Linux) and waits forever; the parent kills it.
    const child = `
      import { writeSync } from 'node:fs';
      import { openStore } from ${JSON.stringify(join(REPO, 'checks/engine/store.ts'))};
      const [db, id] = process.argv.slice(-2);
      const store = openStore(db);
      const base = store.getRun(id);
      const run = { ...base, id: 'killed-in-transaction', started: new Date().toISOString() };
      store.beginRun(run);
      const findings = Array.from({ length: 40 }, (_, i) => ({ ...base.findings[0], key: 'k' + i }));
      Object.defineProperty(findings[30], 'reason', { get() {
        writeSync(1, 'inside\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        return 'never';
      } });
      store.finishRun({ ...run, findings, status: 'complete' });
    `;
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child, db, firstRun.id], {
      cwd: REPO,
    });
    let err = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const closed = new Promise<NodeJS.Signals | null>((r) => proc.on('close', (_c, sig) => r(sig)));
    await new Promise<void>((resolveInside, reject) => {
      proc.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('inside')) resolveInside();
      });
      proc.on('close', () => reject(new Error(`the child ended before blocking: ${err}`)));
    });
    proc.kill('SIGKILL');
    expect(await closed).toBe('SIGKILL');
    const store = openStore(db);
    try {
      const killed = store.getRun('killed-in-transaction');
      expect(killed?.status).toBe('incomplete');
      expect(killed?.findings).toEqual([]);
      expect(store.getRun(firstRun.id)).toEqual(firstRun);
    } finally {
      store.close();
    }
    expect(integrity(db)).toBe('ok');
  });
});
