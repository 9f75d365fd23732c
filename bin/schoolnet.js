#!/usr/bin/env node
// Runs the TypeScript sources directly (Node >= 22.18 strips types natively), so a checkout never runs
// stale compiled code. Node does not strip types under node_modules, so an installed copy runs dist/.
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const mod = here.includes('/node_modules/')
  ? await import(new URL('../dist/scripts/cli.js', import.meta.url).href)
  : await import('../scripts/cli.ts');
process.exitCode = await mod.main(process.argv.slice(2));
