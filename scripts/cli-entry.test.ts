import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'schoolnet cli entry '));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the CLI starts from any checkout path', () => {
  // It used to start only when import.meta.url equalled `file://${argv[1]}`: a path with a space
  // (percent-encoded in the URL) or a symlinked checkout made it print nothing and exit 0.
  it('runs through a symlinked checkout whose path has a space', async () => {
    const link = join(scratch, 'my checkout');
    symlinkSync(ROOT, link);
    const run = promisify(execFile);
    for (const entry of [join(link, 'scripts', 'cli.ts'), join(link, 'bin', 'schoolnet.js')]) {
      const { stdout } = await run(process.execPath, [entry, '--version']);
      expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});
