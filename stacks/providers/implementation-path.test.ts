import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { implementationPath } from './implementation-path.ts';

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
