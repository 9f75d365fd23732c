/**
 * `schoolnet validate` on school folders and on each kind of file, and `schoolnet audit` refusing what it
 * refuses before contacting anything or creating a store file. The real CLI, on copies of the example
 * schools in a temporary folder; nothing here needs a service.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validatePaths } from '../checks/engine/validate.ts';
import { renderText } from '../scripts/commands/validate.ts';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'scripts', 'cli.ts');
const tmp = mkdtempSync(join(tmpdir(), 'schoolnet-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `schoolnet validate` in this process (the CLI's own functions), from `cwd`: its exit code and output. */
async function validate(
  cwd: string,
  ...paths: string[]
): Promise<{ code: number; stdout: string; files: { file: string; kind?: string; valid: boolean }[] }> {
  const here = process.cwd();
  process.chdir(cwd);
  try {
    const files = await validatePaths(paths);
    return { code: files.every((f) => f.valid) ? 0 : 1, stdout: renderText(files), files };
  } finally {
    process.chdir(here);
  }
}

function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A copy of an example school at <tmp>/<name>/schools/<school>, edited by `edit`. */
function copySchool(name: string, school: string, edit: (dir: string) => void = () => undefined): string {
  const base = join(tmp, name);
  const dir = join(base, 'schools', school);
  cpSync(join(ROOT, 'inventory', 'schools', school), dir, { recursive: true });
  edit(dir);
  return base;
}

const replaceIn = (file: string, from: string | RegExp, to: string): void => {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`fixture edit did not apply to ${file}`);
  writeFileSync(file, next);
};

describe('schoolnet validate on school folders', () => {
  it('passes every example school folder, each file by its kind', async () => {
    const r = await cli(ROOT, 'validate', '--json', 'inventory/schools');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { file: string; kind: string; valid: boolean }[] }).files;
    const kinds = new Map(files.map((f) => [f.file, f.kind]));
    expect(kinds.get('inventory/schools/croft-prep/school.yaml')).toBe('school');
    expect(kinds.get('inventory/schools/croft-prep/policy.yaml')).toBe('policy');
    expect(kinds.get('inventory/schools/croft-prep/waivers.yaml')).toBe('waivers');
    expect(kinds.get('inventory/schools/croft-prep/roster.csv')).toBe('roster');
    expect(kinds.get('inventory/schools/croft-prep/licences.csv')).toBe('register');
    expect(kinds.get('inventory/schools/scissett-middle/assets.xlsx')).toBe('register');
    for (const s of [
      'croft-prep',
      'demo',
      'miskin-primary',
      'scissett-middle',
      'st-josephs-primary',
      'st-marks-primary',
    ])
      expect(kinds.get(`inventory/schools/${s}/policy.yaml`), s).toBe('policy');
    expect(files.every((f) => f.valid)).toBe(true);
  }, 180_000);

  it('rejects a clause map naming an unknown control, a waiver naming one, and a roster missing a mapped column, each at its line', async () => {
    const base = copySchool('broken', 'croft-prep', (dir) => {
      replaceIn(
        join(dir, 'policy.yaml'),
        'controls: [NET-BANDWIDTH]',
        'controls: [NET-BANDWIDTH, NET-TELEPATHY]',
      );
      replaceIn(join(dir, 'waivers.yaml'), 'control: FW-FIRMWARE', 'control: FW-FIRMWEAR');
      replaceIn(join(dir, 'roster.csv'), 'Leaving Date', 'Left On');
    });
    const r = await validate(base, 'schools/croft-prep');
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const policyLine =
      readFileSync(join(base, 'schools/croft-prep/policy.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('NET-TELEPATHY')) + 1;
    expect(lines).toContain(
      `schools/croft-prep/policy.yaml:${policyLine}:31: /clauses/3/controls/1: unknown control "NET-TELEPATHY" (see checks/catalog/controls.json)`,
    );
    expect(lines.find((l) => l.startsWith('schools/croft-prep/waivers.yaml:'))).toMatch(
      /^schools\/croft-prep\/waivers\.yaml:\d+:\d+: \/waivers\/0\/control: waiver W-CROFT-001 names unknown control "FW-FIRMWEAR"/,
    );
    expect(lines.find((l) => l.startsWith('schools/croft-prep/roster.csv:'))).toMatch(
      /^schools\/croft-prep\/roster\.csv:1:1: column "Leaving Date": column "Leaving Date" \(lifecycle\.roster\.columns\.leavingDate\) is not in the header/,
    );
    expect(lines.at(-1)).toMatch(/^7 files checked: 4 valid, 3 invalid, 3 problems$/);
  });

  it('recognises a clause map by its content whatever its name, and never reads it as a declaration', async () => {
    const base = copySchool('named', 'miskin-primary');
    const file = join(base, 'online-safety-map.yaml');
    cpSync(join(base, 'schools/miskin-primary/policy.yaml'), file);
    const ok = await validate(base, 'online-safety-map.yaml', 'schools/miskin-primary/policy.yaml');
    expect(ok.stdout).toBe('2 files valid\n');
    expect(ok.files.map((f) => f.kind)).toEqual(['policy', 'policy']);
    replaceIn(file, /controls: \[/, 'controls: [NO-SUCH-THING, ');
    const bad = await validate(base, 'online-safety-map.yaml');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /^online-safety-map\.yaml:\d+:\d+: \/clauses\/0\/controls\/0: unknown control "NO-SUCH-THING"/,
    );
    expect(bad.stdout).not.toMatch(/school|networks/i);
  });

  it('reads a declaration that names its waivers file as a declaration, not as a waivers file', async () => {
    const r = await validate(ROOT, 'inventory/schools/demo/school.yaml');
    expect(r.files).toEqual([
      { file: 'inventory/schools/demo/school.yaml', kind: 'school', valid: true, problems: [] },
    ]);
  });

  it('refuses a file it cannot recognise instead of guessing', async () => {
    writeFileSync(join(tmp, 'notes.yaml'), 'title: staff rota\nweeks: [1, 2]\n');
    writeFileSync(join(tmp, 'stray.csv'), 'a,b\n1,2\n');
    const r = await validate(tmp, 'notes.yaml', 'stray.csv');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('notes.yaml:1:1: /: cannot tell what kind of file this is');
    expect(r.stdout).toMatch(/stray\.csv: cannot tell what this spreadsheet is/);
  });

  it('checks a register file given on its own by the mapping of the declaration beside it', async () => {
    const base = copySchool('register', 'miskin-primary', (dir) => {
      const lines = readFileSync(join(dir, 'licences.csv'), 'utf8').split('\n');
      const header = (lines[0] ?? '').split(',');
      const seats = header.indexOf('Seats');
      const row = (lines[1] ?? '').split(',');
      row[seats] = 'plenty';
      lines[1] = row.join(',');
      writeFileSync(join(dir, 'licences.csv'), lines.join('\n'));
    });
    const r = await validate(base, 'schools/miskin-primary/licences.csv');
    expect(r.code).toBe(1);
    expect(r.files[0]?.kind).toBe('register');
    expect(r.stdout).toMatch(/^schools\/miskin-primary\/licences\.csv:2:3: column "Seats": /m);
  });
});

describe('schoolnet audit refuses what validate refuses', () => {
  it('exits 3 with the problems, before contacting anything, and creates no store file', async () => {
    const base = copySchool('audit', 'croft-prep', (dir) => {
      replaceIn(join(dir, 'policy.yaml'), 'controls: [NET-BANDWIDTH]', 'controls: [NET-TELEPATHY]');
    });
    const store = join(base, 'results.db');
    const r = await cli(base, 'audit', 'schools/croft-prep/school.yaml', '--store', store, '--timeout', '1s');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /schools\/croft-prep\/policy\.yaml:\d+:\d+: \/clauses\/3\/controls\/0: unknown control "NET-TELEPATHY"/,
    );
    expect(r.stdout).toBe('');
    expect(existsSync(store)).toBe(false);
  }, 180_000);
});
