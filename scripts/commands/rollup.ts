import type { Command } from 'commander';

// Placeholder until its issue lands: the command is listed so the CLI contract's names are fixed.
export function register(program: Command): void {
  program
    .command('rollup')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('schoolnet rollup is not built yet');
    });
}
