import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { legacyConfigKey, requiredPackages, runArguments } from './language-host.ts';

describe('the stand-in language host', () => {
  test('config keys reach the SDK as <namespace>:config:<name>', () => {
    expect(legacyConfigKey('schoolnet:declaration')).toBe('schoolnet:config:declaration');
    expect(legacyConfigKey('schoolnet:config:declaration')).toBe('schoolnet:config:declaration');
    expect(legacyConfigKey('aws:assumeRole:arn')).toBe('aws:config:assumeRole:arn');
    expect(() => legacyConfigKey('nonamespace')).toThrow(/invalid config key/);
  });

  test('the program runs with the arguments the real host gives @pulumi/pulumi/cmd/run', () => {
    const base = {
      monitor: '127.0.0.1:5',
      organization: 'organization',
      project: 'schoolnet',
      rootDirectory: '/p',
      stack: 'demo',
      programDirectory: '/p',
      parallel: 16,
      entryPoint: 'dist/stacks/index.js',
      args: [],
    };
    expect(runArguments('/sdk/cmd/run/index.js', '127.0.0.1:9', { ...base, dryRun: true })).toEqual([
      '/sdk/cmd/run/index.js',
      '--monitor',
      '127.0.0.1:5',
      '--engine',
      '127.0.0.1:9',
      '--organization',
      'organization',
      '--project',
      'schoolnet',
      '--root-directory',
      '/p',
      '--stack',
      'demo',
      '--pwd',
      '/p',
      '--dry-run',
      '--parallel',
      '16',
      'dist/stacks/index.js',
    ]);
    expect(runArguments('run', 'e', { ...base, dryRun: false, organization: '' })).not.toContain('--dry-run');
    expect(runArguments('run', 'e', { ...base, dryRun: false, organization: '' })).not.toContain(
      '--organization',
    );
  });

  test('only dependencies that declare a Pulumi resource plugin are required', () => {
    const dir = mkdtempSync(join(tmpdir(), 'langhost-'));
    try {
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ dependencies: { plain: '1', '@pulumi/random': '4' } }),
      );
      mkdirSync(join(dir, 'node_modules/plain'), { recursive: true });
      writeFileSync(
        join(dir, 'node_modules/plain/package.json'),
        JSON.stringify({ name: 'plain', version: '1.0.0' }),
      );
      mkdirSync(join(dir, 'node_modules/@pulumi/random'), { recursive: true });
      writeFileSync(
        join(dir, 'node_modules/@pulumi/random/package.json'),
        JSON.stringify({
          name: '@pulumi/random',
          version: '4.16.0',
          pulumi: { resource: true, name: 'random' },
        }),
      );
      expect(requiredPackages(dir)).toEqual([{ name: 'random', version: '4.16.0' }]);
      expect(requiredPackages(join(dir, 'nowhere'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
