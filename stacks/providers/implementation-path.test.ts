import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { implementationPath, loadImplementation } from './implementation-path.ts';

describe('the path a dynamic provider records for its implementation', () => {
  test('is relative to the project folder, for the sources and for dist/', () => {
    expect(implementationPath(import.meta.url, 'routeros-ops')).toBe('./stacks/providers/routeros-ops.ts');
    const compiled = pathToFileURL(resolve(import.meta.dirname, '../../dist/stacks/providers/x.js')).href;
    expect(implementationPath(compiled, 'routeros-ops')).toBe('./dist/stacks/providers/routeros-ops.js');
  });

  test('outside a Pulumi project it refuses', () => {
    expect(() => implementationPath('file:///tmp/nowhere/x.js', 'ops')).toThrow(/no Pulumi\.yaml above it/);
  });
});

describe('loading the implementation where the engine runs the provider host', () => {
  test('from the folder of `main` (dist/stacks), the project folder above it is found', () => {
    const root = mkdtempSync(join(tmpdir(), 'impl-path-'));
    const cwd = process.cwd();
    try {
      writeFileSync(join(root, 'Pulumi.yaml'), 'name: x\n');
      mkdirSync(join(root, 'dist/stacks/providers'), { recursive: true });
      writeFileSync(join(root, 'dist/stacks/providers/ops.cjs'), 'module.exports = { answer: 42 };\n');
      process.chdir(join(root, 'dist/stacks'));
      expect(loadImplementation<{ answer: number }>('./dist/stacks/providers/ops.cjs').answer).toBe(42);
      process.chdir(root);
      expect(loadImplementation<{ answer: number }>('./dist/stacks/providers/ops.cjs').answer).toBe(42);
      process.chdir(tmpdir());
      expect(() => loadImplementation('./dist/stacks/providers/ops.cjs')).toThrow(
        /no Pulumi\.yaml in .* or above/,
      );
    } finally {
      process.chdir(cwd);
      rmSync(root, { recursive: true });
    }
  });
});
