import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeclarationCache } from './declarations.ts';

const SOURCE = join(
  import.meta.dirname,
  '..',
  '..',
  'inventory',
  'schools',
  'st-marks-primary',
  'school.yaml',
);

describe("the agent's declaration cache", () => {
  const root = mkdtempSync(join(tmpdir(), 'decl-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'st-marks-primary'));
  const file = join(root, 'st-marks-primary', 'school.yaml');
  copyFileSync(SOURCE, file);

  it('loads a school once while its file is unchanged, and again after an edit', async () => {
    const cache = new DeclarationCache();
    expect(await cache.preload(root)).toBe(1);
    const first = await cache.get(file);
    expect(await cache.get(file)).toBe(first);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}name: .*$/m, "  name: St Mark's Primary"));
    const edited = await cache.get(file);
    expect(edited).not.toBe(first);
    expect(edited.decl.school.name).toBe("St Mark's Primary");
  });

  it('does not keep a broken declaration: every job reports it until it is mended', async () => {
    const cache = new DeclarationCache();
    const good = readFileSync(SOURCE, 'utf8');
    writeFileSync(file, good.replace('apiVersion: schoolnet/v1', 'apiVersion: schoolnet/v9'));
    await expect(cache.get(file)).rejects.toThrow(/apiVersion/);
    await expect(cache.get(file)).rejects.toThrow(/apiVersion/);
    writeFileSync(file, good);
    expect((await cache.get(file)).decl.school.id).toBe('st-marks-primary');
  });
});
