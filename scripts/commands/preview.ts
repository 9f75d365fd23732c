/**
 * `schoolnet preview --all [DIR]`: every school's stack previewed with the real engine through Pulumi's
 * Automation API, a few at a time; a table per school (creates, updates, deletes, replaces, or "in
 * sync"). Exit 0 all in sync, 1 changes pending, 2 a school could not be previewed, 3 usage.
 * `schoolnet apply <school> [DIR]`: previews that one school, shows the same table, asks before applying
 * (unless --yes), then runs `pulumi up` on its stack. Applying is always per school.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parse } from 'yaml';
import { schoolRefusal } from '../../checks/engine/validate.ts';
import { DeclarationError, formatProblem, loadSchool } from '../../inventory/load.ts';
import { engineEnvironment } from '../pulumi/engine.ts';
import { fleetExitCode, formatFleet, previewFleet, selectStack, engineErrorCause } from '../pulumi/fleet.ts';

const PREVIEW_HELP = `
DIR is the schoolnet project folder (Pulumi.yaml, one Pulumi.<school>.yaml per school; default: .).
The compiled program must be there (npm run build). Each stack must exist on the current backend
(pulumi login; pulumi stack init <school>) with its secrets set; a school that cannot be previewed
(no stack, a missing secret, an invalid declaration, a router that cannot be reached) is reported as an
error with its cause, and the others are still previewed. Nothing is written to any device.

--json prints { dir, generatedAt, schools: [ { school, status: "in-sync" | "changes" | "error",
changes: { create, update, delete, replace }, error? } ], summary: { inSync, changes, errors } }.

Exit codes: 0 every school in sync, 1 changes pending, 2 a school could not be previewed, 3 usage.`;

/**
 * The problems `schoolnet validate` finds in the school folder a stack's `schoolnet:declaration` names,
 * so `apply` refuses them before the engine starts or any device is contacted. A stack file that cannot
 * be read or names no declaration is left to the engine, which reports it.
 */
export async function applyRefusal(dir: string, school: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(dir, `Pulumi.${school}.yaml`), 'utf8');
  } catch {
    return [];
  }
  const config = (parse(text) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const declared = config['schoolnet:declaration'];
  if (typeof declared !== 'string') return [];
  const file = isAbsolute(declared) ? declared : join(dir, declared);
  try {
    const loaded = await loadSchool(file);
    return (await schoolRefusal(loaded, relative(process.cwd(), loaded.dir) || '.')).map(formatProblem);
  } catch (e) {
    if (e instanceof DeclarationError) return e.problems.map(formatProblem);
    throw e;
  }
}

function engineEnvOrExplain(): Record<string, string> {
  const env = engineEnvironment();
  // The Automation API finds `pulumi` on this process's PATH.
  process.env['PATH'] = env['PATH'];
  return env;
}

export function register(program: Command): void {
  program
    .command('preview')
    .description("Preview every school's stack with the Pulumi engine: what `pulumi up` would change")
    .argument('[dir]', 'the schoolnet project folder', '.')
    .option('--all', 'every school (every Pulumi.<school>.yaml in DIR)')
    .option('--json', 'machine-readable output')
    .option('--refresh', 'read the devices first, so changes made by hand show as well')
    .option('--concurrency <n>', 'schools previewed at once', '2')
    .addHelpText('after', PREVIEW_HELP)
    .action(
      async (
        dir: string,
        opts: { all?: boolean; json?: boolean; refresh?: boolean; concurrency: string },
      ) => {
        if (!opts.all) {
          process.stderr.write(
            'schoolnet preview: give --all (to preview one school: pulumi preview -s <school>)\n',
          );
          process.exitCode = 3;
          return;
        }
        const concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
          process.stderr.write('schoolnet preview: --concurrency must be a whole number from 1 to 16\n');
          process.exitCode = 3;
          return;
        }
        let result;
        try {
          result = await previewFleet(dir, {
            env: engineEnvOrExplain(),
            concurrency,
            refresh: opts.refresh ?? false,
          });
        } catch (e) {
          process.stderr.write(`schoolnet preview: ${(e as Error).message}\n`);
          process.exitCode = 3;
          return;
        }
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatFleet(result));
        process.exitCode = fleetExitCode(result);
      },
    );

  program
    .command('apply')
    .description("Apply one school's declaration (pulumi up on its stack), after a preview and a question")
    .argument('<school>', 'the stack: the <school> of Pulumi.<school>.yaml')
    .argument('[dir]', 'the schoolnet project folder', '.')
    .option('--yes', 'apply without asking')
    .addHelpText(
      'after',
      `
Previews the school's stack (the same table as \`schoolnet preview --all\`), then asks before applying;
without a terminal to ask on, --yes is required. What \`schoolnet validate\` refuses in the school's
folder is refused first, before the engine starts (exit 3). Exit codes: 0 applied or nothing to do, 1 declined,
2 the preview or the update failed, 3 usage or an invalid school folder.`,
    )
    .action(async (school: string, dir: string, opts: { yes?: boolean }) => {
      const refused = await applyRefusal(dir, school);
      if (refused.length > 0) {
        process.stderr.write(`schoolnet apply: ${school}: not applied:\n${refused.join('\n')}\n`);
        process.exitCode = 3;
        return;
      }
      const env = engineEnvOrExplain();
      const result = await previewFleet(dir, { env, concurrency: 1, schools: [school] });
      process.stdout.write(formatFleet(result));
      const one = result.schools[0]!;
      if (one.status === 'error') {
        process.exitCode = 2;
        return;
      }
      if (one.status === 'in-sync') {
        process.stdout.write(`${school}: in sync, nothing to apply\n`);
        return;
      }
      if (!opts.yes) {
        if (!process.stdin.isTTY) {
          process.stderr.write('schoolnet apply: no terminal to ask on: give --yes to apply\n');
          process.exitCode = 3;
          return;
        }
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`Apply these changes to ${school}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stdout.write('not applied\n');
          process.exitCode = 1;
          return;
        }
      }
      try {
        const stack = await selectStack(dir, school, env);
        const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
        process.stdout.write(`\n${school}: ${up.summary.result}\n`);
        process.exitCode = up.summary.result === 'succeeded' ? 0 : 2;
      } catch (e) {
        process.stderr.write(`schoolnet apply: ${school}: ${engineErrorCause((e as Error).message)}\n`);
        process.exitCode = 2;
      }
    });
}
