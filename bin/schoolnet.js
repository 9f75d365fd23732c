#!/usr/bin/env node
// Runs the compiled CLI when present (installed package), else the TypeScript sources directly
// (Node >= 22.18 strips types natively).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/scripts/cli.js', import.meta.url));
const mod = existsSync(compiled) ? await import(compiled) : await import('../scripts/cli.ts');
process.exitCode = await mod.main(process.argv.slice(2));
