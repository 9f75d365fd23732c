#!/usr/bin/env node
/**
 * The `schoolnet` CLI. Each command lives in scripts/commands/<name>.ts and exports `register`.
 * Exit codes (the CLI contract): 0 ok / no failures, 1 failures found, 2 errors or incomplete,
 * 3 usage or configuration error.
 */
import { Command, CommanderError } from 'commander';
import { privateUmask } from '../inventory/private-files.ts';
import { register as validate } from './commands/validate.ts';
import { register as testbed } from './commands/testbed.ts';
import { register as demo } from './commands/demo.ts';
import { register as audit } from './commands/audit.ts';
import { register as leavers } from './commands/leavers.ts';
import { register as report } from './commands/report.ts';
import { register as rollup } from './commands/rollup.ts';
import { register as schedule } from './commands/schedule.ts';
import { register as drift } from './commands/drift.ts';
import { register as inventory } from './commands/inventory.ts';
import { register as agent } from './commands/agent.ts';
import { register as db } from './commands/db.ts';
import { register as preview } from './commands/preview.ts';
import { register as probe } from './commands/probe.ts';

export const EXIT = { ok: 0, failures: 1, errors: 2, usage: 3 } as const;

export function buildProgram(): Command {
  const program = new Command('schoolnet')
    .description("Declare, audit and report UK schools' networks, directories and inventory.")
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const reg of [
    validate,
    testbed,
    demo,
    audit,
    leavers,
    report,
    rollup,
    schedule,
    drift,
    inventory,
    agent,
    db,
    preview,
    probe,
  ])
    reg(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      return EXIT.usage;
    }
    process.stderr.write(`schoolnet: ${(e as Error).message}\n`);
    return EXIT.errors;
  }
}

if (import.meta.main) {
  privateUmask(); // everything the CLI and its children create: 0600 files, 0700 folders
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
