/**
 * Private by default: the results store and the scheduler's records are created 0600 in a 0700 folder,
 * and what the CLI writes (here a register export, a report-like file with asset data) is 0600 too,
 * whatever the caller's umask.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import { NightlyRecords } from '../scripts/schedule/records.ts';

const run = promisify(execFile);
let root: string;
const mode = async (p: string): Promise<string> => ((await stat(p)).mode & 0o777).toString(8);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'schoolnet-modes-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('files are created private', () => {
  it('the results store: 600 in a 700 folder, even under umask 022', async () => {
    const old = process.umask(0o022);
    try {
      const file = join(root, 'store', 'results.db');
      openStore(file).close();
      expect(await mode(file)).toBe('600');
      expect(await mode(join(root, 'store'))).toBe('700');
    } finally {
      process.umask(old);
    }
  });

  it("the scheduler's records: 600 in a 700 folder", async () => {
    const old = process.umask(0o022);
    try {
      const file = join(root, 'nightly', 'records.db');
      new NightlyRecords(file).close();
      expect(await mode(file)).toBe('600');
      expect(await mode(join(root, 'nightly'))).toBe('700');
    } finally {
      process.umask(old);
    }
  });

  it('a file the CLI writes (inventory export) is 600', async () => {
    const out = join(root, 'assets.csv');
    await run(process.execPath, [
      'scripts/cli.ts',
      'inventory',
      'export',
      'inventory/schools/st-marks-primary/school.yaml',
      '--table',
      'assets',
      '--to',
      out,
    ]);
    expect(await mode(out)).toBe('600');
  }, 60_000);
});
