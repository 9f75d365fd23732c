/**
 * Child process of test/bench/inputs.ts: reads ONE large input in a fresh process, through the same
 * public functions the audit uses, and prints as JSON the RSS before, the peak RSS after
 * (`process.resourceUsage().maxRSS`), the time and how many records came back.
 *
 *   node test/bench/inputs-rss.ts <roster|register|declaration> <school.yaml>
 */
import { performance } from 'node:perf_hooks';
import { loadSchool } from '../../inventory/load.ts';
import { loadRegister } from '../../inventory/register/index.ts';
import { auditRosterFacts } from '../../inventory/roster.ts';

const [kind, file] = process.argv.slice(2);
if (!kind || !file) throw new Error('usage: inputs-rss.ts <roster|register|declaration> <school.yaml>');

// The declaration's own cost is measured by the `declaration` case; the others load a small one first.
const before = process.memoryUsage().rss;
const t0 = performance.now();
const loaded = await loadSchool(file);
async function read(): Promise<number> {
  if (kind === 'declaration') return loaded.decl.networks.length;
  if (kind === 'roster') return (await auditRosterFacts(loaded)).people.length;
  if (kind === 'register') {
    const r = await loadRegister(loaded);
    return r.assets.length + r.software.length + r.licences.length + r.installs.length;
  }
  throw new Error(`unknown input kind ${kind}`);
}
const records = await read();
const ms = performance.now() - t0;
process.stdout.write(
  `${JSON.stringify({ kind, records, ms, rssBefore: before, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`,
);
