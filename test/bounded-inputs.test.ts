/**
 * One small declaration cannot take the night down: a 518 KB declaration whose every subnet overlaps
 * every other (37 million pairs for the old quadratic check) beside a good school, loaded the way
 * `audit --all` and the scheduler load a schools folder; and files over their size limit.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../inventory/limits.ts';
import { loadSchoolsDir, validateSchoolFile } from '../inventory/load.ts';
import { demoDeclarationText } from './support/testbed.ts';

const run = promisify(execFile);
let root: string;
let bigFile: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'schoolnet-bounded-'));
  const demo = await demoDeclarationText();
  const put = async (id: string, text: string): Promise<string> => {
    await mkdir(join(root, 'schools', id), { recursive: true });
    const file = join(root, 'schools', id, 'school.yaml');
    await writeFile(file, text);
    return file;
  };
  await put('demo', demo);
  // 8,600 networks, all 10.0.0.0/8: every pair overlaps.
  const nets = Array.from(
    { length: 8600 },
    (_, i) =>
      `  - { role: staff, name: N${i}, vlan: ${(i % 4000) + 2}, subnet: 10.0.0.0/8, gateway: 10.0.0.1 }\n`,
  ).join('');
  const big = demo.replace('id: demo', 'id: flood').replace(/^networks:\n/m, `networks:\n${nets}`);
  bigFile = await put('flood', big);
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('bounded inputs', () => {
  it("the flood declaration is over 500 KB (the issue's 518 KB case)", async () => {
    expect((await readFile(bigFile)).length).toBeGreaterThan(500 * 1024);
  });

  it('a schools folder with the flood beside a good school: the good one loads, the flood is one capped error', async () => {
    const before = process.memoryUsage().rss;
    const { schools, errors } = await loadSchoolsDir(join(root, 'schools'));
    expect(schools.map((s) => s.decl.school.id)).toEqual(['demo']);
    expect(errors).toHaveLength(1);
    const problems = errors[0]!.problems;
    expect(problems.length).toBeLessThanOrEqual(LIMITS.problems + 1);
    expect(problems.some((p) => /overlaps 10\.0\.0\.0\/8/.test(p.message))).toBe(true);
    expect(problems.at(-1)?.message).toMatch(/^\d+ more problems not listed$/);
    // The old check held tens of millions of problems (4.3 GB); a bound, not a speed test.
    expect(process.memoryUsage().rss - before).toBeLessThan(1024 * 1024 * 1024);
  }, 120_000);

  it('`schoolnet validate` on both finishes, prints a bounded report and exits 1', async () => {
    const res = await run(
      process.execPath,
      ['scripts/cli.ts', 'validate', join(root, 'schools', 'demo', 'school.yaml'), bigFile],
      {
        maxBuffer: 8 * 1024 * 1024,
      },
    ).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect((res as { code?: number }).code).toBe(1);
    const out = `${res.stdout}${res.stderr}`;
    expect(out.split('\n').length).toBeLessThan(LIMITS.problems + 50);
    expect(out).toMatch(/more problems not listed/);
  }, 120_000);

  it('a declaration over the size limit is refused without being read', async () => {
    const file = join(root, 'huge.yaml');
    await writeFile(file, Buffer.alloc(LIMITS.declarationBytes + 1, 0x20));
    const problems = await validateSchoolFile(file);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(
      /the declaration .* is \d+ bytes, over the \d+-byte limit: refused without reading it/,
    );
  });
});
