/**
 * Every school's stack previewed through Pulumi's Automation API (`@pulumi/pulumi/automation`,
 * LocalWorkspace over the project folder), a few at a time: what `pulumi preview` would do per school,
 * or why it could not tell. Used by `schoolnet preview --all` and `schoolnet apply`.
 */
import { LocalWorkspace, StackNotFoundError, type Stack } from '@pulumi/pulumi/automation/index.js';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

export interface Changes {
  create: number;
  update: number;
  delete: number;
  replace: number;
}

export interface SchoolPreview {
  /** The stack name: the `<school>` of `Pulumi.<school>.yaml`. */
  school: string;
  /** in-sync: nothing to do; changes: `pulumi up` would change something; error: no answer (see error). */
  status: 'in-sync' | 'changes' | 'error';
  changes: Changes;
  /** Why this school could not be previewed (the engine's or the program's own words). */
  error?: string;
}

export interface FleetPreview {
  dir: string;
  generatedAt: string;
  schools: SchoolPreview[];
  summary: { inSync: number; changes: number; errors: number };
}

/** Terminal colour codes (the SDK underlines module names in stack traces). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const NONE: Changes = { create: 0, update: 0, delete: 0, replace: 0 };

/** The stacks of the project in `dir`: one per `Pulumi.<school>.yaml`, sorted. */
export function fleetStacks(dir: string): string[] {
  if (!existsSync(resolve(dir, 'Pulumi.yaml')))
    throw new Error(`${resolve(dir)}: no Pulumi.yaml: give the schoolnet project folder`);
  return readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The engine's counts as create/update/delete/replace (`same`, `read`, `refresh` are no change). */
export function countChanges(summary: Record<string, number | undefined>): Changes {
  const n = (k: string): number => summary[k] ?? 0;
  return { create: n('create'), update: n('update'), delete: n('delete'), replace: n('replace') };
}

/**
 * The useful lines of a failed engine run: its `error:` diagnostics and the lines indented under them
 * (the program prints each problem of a declaration as `file:line:column: /pointer: message` there),
 * without the command line or the preview's progress.
 */
export function engineErrorCause(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!/\berror: /.test(l)) continue;
    const msg = l.replace(/^.*?\berror: /, '').trim();
    if (msg.startsWith('preview failed') || /^update failed$/.test(msg)) continue;
    out.push(msg);
    for (let j = i + 1; j < lines.length && /^\s{4,}\S/.test(lines[j]!) && !/\berror: /.test(lines[j]!); j++)
      out.push(lines[j]!.trim());
  }
  const unique = [...new Set(out.map((l) => l.replace(ANSI, '')))].filter(
    // The program's stack trace and the SDK's preamble say nothing to whoever fixes the school.
    (l) => l && !/^at /.test(l) && !/^Running program .* failed with an unhandled exception:$/.test(l),
  );
  if (unique.length > 0) return unique.join('\n');
  const last = lines.map((l) => l.trim()).filter(Boolean);
  return last.slice(-5).join('\n') || 'the engine failed without a message';
}

export async function selectStack(dir: string, school: string, env: Record<string, string>): Promise<Stack> {
  return LocalWorkspace.selectStack({ stackName: school, workDir: resolve(dir) }, { envVars: env });
}

async function previewOne(
  dir: string,
  school: string,
  env: Record<string, string>,
  refresh: boolean,
): Promise<SchoolPreview> {
  try {
    const stack = await selectStack(dir, school, env);
    const result = await stack.preview({ refresh });
    const changes = countChanges(result.changeSummary as Record<string, number | undefined>);
    const any = changes.create + changes.update + changes.delete + changes.replace > 0;
    return { school, status: any ? 'changes' : 'in-sync', changes };
  } catch (e) {
    if (e instanceof StackNotFoundError)
      return {
        school,
        status: 'error',
        changes: { ...NONE },
        error: `no stack ${school} on this backend: run \`pulumi stack init ${school}\` and set its secrets (docs/pulumi.md)`,
      };
    return { school, status: 'error', changes: { ...NONE }, error: engineErrorCause((e as Error).message) };
  }
}

/** Previews every school, at most `concurrency` at a time; one school's failure never stops the others. */
export async function previewFleet(
  dir: string,
  opts: { env: Record<string, string>; concurrency: number; refresh?: boolean; schools?: string[] },
): Promise<FleetPreview> {
  const schools = opts.schools ?? fleetStacks(dir);
  // Selecting a stack through the Automation API changes the folder's current stack: put it back after.
  const ws = await LocalWorkspace.create({ workDir: resolve(dir), envVars: opts.env });
  const selected = (await ws.stack())?.name;
  const results: SchoolPreview[] = new Array(schools.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < schools.length) {
      const i = next++;
      results[i] = await previewOne(dir, schools[i]!, opts.env, opts.refresh ?? false);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(opts.concurrency, schools.length)) }, worker),
    );
  } finally {
    if (selected) await ws.selectStack(selected);
  }
  return {
    dir: resolve(dir),
    generatedAt: new Date().toISOString(),
    schools: results,
    summary: {
      inSync: results.filter((r) => r.status === 'in-sync').length,
      changes: results.filter((r) => r.status === 'changes').length,
      errors: results.filter((r) => r.status === 'error').length,
    },
  };
}

/** 0 all in sync, 1 changes pending, 2 any school could not be previewed. */
export function fleetExitCode(p: FleetPreview): 0 | 1 | 2 {
  if (p.summary.errors > 0) return 2;
  return p.summary.changes > 0 ? 1 : 0;
}

/** One row per school: its counts, or "in sync", or the error's first line (the rest below it). */
export function formatFleet(p: FleetPreview): string {
  const w = Math.max(6, ...p.schools.map((s) => s.school.length));
  const head = `${'SCHOOL'.padEnd(w)}  CREATE  UPDATE  DELETE  REPLACE  STATUS`;
  const rows = p.schools.map((s) => {
    const c = s.changes;
    const nums =
      s.status === 'error' ? ['-', '-', '-', '-'] : [c.create, c.update, c.delete, c.replace].map(String);
    const status = s.status === 'in-sync' ? 'in sync' : s.status === 'changes' ? 'changes pending' : 'error';
    const row = `${s.school.padEnd(w)}  ${nums[0]!.padStart(6)}  ${nums[1]!.padStart(6)}  ${nums[2]!.padStart(6)}  ${nums[3]!.padStart(7)}  ${status}`;
    if (s.status !== 'error' || !s.error) return row;
    return `${row}\n${s.error
      .split('\n')
      .map((l) => `${' '.repeat(w + 2)}${l}`)
      .join('\n')}`;
  });
  const { inSync, changes, errors } = p.summary;
  return `${head}\n${rows.join('\n')}\n\n${inSync} in sync, ${changes} with changes pending, ${errors} could not be previewed\n`;
}
