import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Run the real CLI as a user would (`node scripts/cli.ts ...`) and collect its exit code and output. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/cli.ts', ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('schoolnet validate', () => {
  it('exits 0 and says so when every file is valid', async () => {
    const files = ['demo', 'miskin-primary', 'croft-prep'].map((s) => `inventory/schools/${s}/school.yaml`);
    const r = await cli('validate', ...files);
    expect(r.stdout).toBe('3 files valid\n');
    expect(r.code).toBe(0);
  });

  it('exits 1 and prints every problem as file:line:column: pointer: message', async () => {
    const bad = 'test/fixtures/invalid/several-problems.yaml';
    const r = await cli('validate', bad, 'inventory/schools/demo/school.yaml');
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5).map((l) => l.split(': ')[0])).toEqual([
      `${bad}:8:3`,
      `${bad}:20:11`,
      `${bad}:27:13`,
      `${bad}:34:11`,
      `${bad}:43:38`,
    ]);
    expect(lines[2]).toBe(
      `${bad}:27:13: /radius/0/secret: an inline secret is not allowed: use env:NAME or file:PATH`,
    );
    expect(lines[5]).toBe('2 files checked: 1 valid, 1 invalid, 5 problems');
  });

  it('exits 1 for an unreadable file, naming it', async () => {
    const r = await cli('validate', 'inventory/schools/nowhere/school.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'inventory/schools/nowhere/school.yaml: cannot read the declaration: no such file',
    );
  });

  it('exits 3 when no file is given', async () => {
    const r = await cli('validate');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("missing required argument 'file'");
  });

  it('--json prints one object with every file and its problems', async () => {
    const bad = 'test/fixtures/invalid/vlan-4095.yaml';
    const r = await cli('validate', '--json', 'inventory/schools/demo/school.yaml', bad);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      files: [
        { file: 'inventory/schools/demo/school.yaml', kind: 'school', valid: true, problems: [] },
        {
          file: bad,
          kind: 'school',
          valid: false,
          problems: [
            {
              file: bad,
              line: 19,
              column: 11,
              pointer: '/networks/1/vlan',
              message: 'VLAN id must be a whole number from 1 to 4094',
            },
          ],
        },
      ],
    });
  });

  it('--help explains the output and the exit codes', async () => {
    const r = await cli('validate', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('FILE:LINE:COLUMN: /json/pointer: message');
    expect(r.stdout).toContain(
      'Exit codes: 0 every file is valid, 1 at least one file is invalid or unreadable, 3 usage error',
    );
  });
});

describe('the demo school', () => {
  it("pins the testbed's fixed SSH host key", async () => {
    // ssh-keygen -lf prints SHA256:<unpadded base64 of sha256(key blob)>; compute the same here.
    const pub = await readFile(join(ROOT, 'test/fixtures/testbed/ssh_host_ed25519_key.pub'), 'utf8');
    const blob = Buffer.from(pub.split(' ')[1] ?? '', 'base64');
    const { createHash } = await import('node:crypto');
    const pin = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    const demo = await readFile(join(ROOT, 'inventory/schools/demo/school.yaml'), 'utf8');
    expect(demo).toContain(`sshHostKey: ${pin}\n`);
  });
});
