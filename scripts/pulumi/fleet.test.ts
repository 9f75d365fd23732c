import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  countChanges,
  engineErrorCause,
  fleetExitCode,
  fleetStacks,
  formatFleet,
  type FleetPreview,
} from './fleet.ts';

function fleet(schools: FleetPreview['schools']): FleetPreview {
  return {
    dir: '/x',
    generatedAt: '2026-12-06T00:00:00.000Z',
    schools,
    summary: {
      inSync: schools.filter((s) => s.status === 'in-sync').length,
      changes: schools.filter((s) => s.status === 'changes').length,
      errors: schools.filter((s) => s.status === 'error').length,
    },
  };
}
const none = { create: 0, update: 0, delete: 0, replace: 0 };

describe('fleet preview', () => {
  test('stacks are the Pulumi.<school>.yaml files of the project folder, sorted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
    try {
      expect(() => fleetStacks(dir)).toThrow(/no Pulumi\.yaml/);
      for (const f of [
        'Pulumi.yaml',
        'Pulumi.b-school.yaml',
        'Pulumi.a-school.yml',
        'school.yaml',
        'Pulumi.yaml.bak',
      ])
        writeFileSync(join(dir, f), '');
      expect(fleetStacks(dir)).toEqual(['a-school', 'b-school']);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('same, read and refresh are not changes', () => {
    expect(countChanges({ same: 40, read: 2 })).toEqual(none);
    expect(countChanges({ same: 3, create: 2, update: 1, delete: 4, replace: 1 })).toEqual({
      create: 2,
      update: 1,
      delete: 4,
      replace: 1,
    });
  });

  test('exit 0 in sync, 1 changes, 2 any error', () => {
    expect(fleetExitCode(fleet([{ school: 'a', status: 'in-sync', changes: none }]))).toBe(0);
    expect(
      fleetExitCode(
        fleet([
          { school: 'a', status: 'in-sync', changes: none },
          { school: 'b', status: 'changes', changes: { ...none, create: 1 } },
        ]),
      ),
    ).toBe(1);
    expect(
      fleetExitCode(
        fleet([
          { school: 'b', status: 'changes', changes: { ...none, create: 1 } },
          { school: 'c', status: 'error', changes: none, error: 'x' },
        ]),
      ),
    ).toBe(2);
  });

  test('the table shows counts, "in sync", and each error with its cause under it', () => {
    const text = formatFleet(
      fleet([
        { school: 'demo', status: 'in-sync', changes: none },
        {
          school: 'st-marks-primary',
          status: 'changes',
          changes: { create: 3, update: 1, delete: 0, replace: 0 },
        },
        { school: 'croft-prep', status: 'error', changes: none, error: 'first line\nsecond line' },
      ]),
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^SCHOOL\s+CREATE\s+UPDATE\s+DELETE\s+REPLACE\s+STATUS$/);
    expect(lines[1]).toMatch(/^demo\s+0\s+0\s+0\s+0\s+in sync$/);
    expect(lines[2]).toMatch(/^st-marks-primary\s+3\s+1\s+0\s+0\s+changes pending$/);
    expect(lines[3]).toMatch(/^croft-prep\s+-\s+-\s+-\s+-\s+error$/);
    expect(lines[4]).toMatch(/^\s+first line$/);
    expect(lines[5]).toMatch(/^\s+second line$/);
    expect(text).toContain('1 in sync, 1 with changes pending, 1 could not be previewed');
  });

  test("an engine failure's cause is its error diagnostics with the lines under them", () => {
    const out = [
      'code: 255',
      'stdout: Previewing update (demo):',
      '',
      "    error: Running program '/p/dist/stacks/index.js' failed with an unhandled exception:",
      '    Error: inventory/schools/demo/school.yaml: cannot apply:',
      '      router core-router: no password for provisioner: run `pulumi config set --secret schoolnet:routerPassword <password>`',
      '        at main (file:///p/stacks/index.ts:101:11)',
      '        at Stack.initialize (/p/node_modules/\x1b[4m@pulumi/runtime\x1b[24m/stack.ts:78:28)',
      'Diagnostics:',
      '  pulumi:pulumi:Stack (schoolnet-demo):',
      '    error: preview failed',
      '',
      'stderr: ',
    ].join('\n');
    expect(engineErrorCause(out)).toBe(
      'Error: inventory/schools/demo/school.yaml: cannot apply:\nrouter core-router: no password for provisioner: run `pulumi config set --secret schoolnet:routerPassword <password>`',
    );
    expect(engineErrorCause('something\nwent wrong')).toBe('something\nwent wrong');
  });
});
