/**
 * The few lines `schoolnet audit` prints per school: score, counts, unreachable devices, the worst
 * failures and any warnings. Plain text for a terminal or a cron mail; device strings are printed as
 * they are (this is not HTML), with control characters removed so a hostile SSID cannot drive the
 * terminal.
 */
import { printable } from '../lib/text.ts';
import { severityRank } from '../severity.ts';
import type { AuditRun, RunFinding } from './types.ts';

export function percent(score: number | null): string {
  return score === null ? 'n/a' : `${Math.round(score * 1000) / 10}%`;
}

function subject(f: RunFinding): string {
  const e = f.evidence[0];
  return [e?.source, e?.object].filter((x): x is string => x !== undefined && x !== '').join(' ');
}

export function topFailures(run: AuditRun, n = 5): RunFinding[] {
  return run.findings
    .filter((f) => f.status === 'fail')
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.checkId.localeCompare(b.checkId))
    .slice(0, n);
}

export function summarise(run: AuditRun, opts: { storePath?: string; top?: number } = {}): string {
  const c = run.counts;
  const lines = [
    `${printable(run.school.name)} (${run.school.id}): score ${percent(run.score)}  ` +
      `pass ${c.pass}, fail ${c.fail}, error ${c.error}, waived ${c.waived}, not applicable ${c.not_applicable}` +
      (run.status === 'complete' ? '' : '  [INCOMPLETE]'),
    `  run ${run.id}${opts.storePath === undefined ? '' : ` stored in ${opts.storePath}`}`,
  ];
  const down = run.devices.filter((d) => !d.ok);
  if (down.length > 0) {
    lines.push('  could not read:');
    for (const d of down)
      lines.push(`    ${d.name}: ${d.error?.code ?? ''} ${printable(d.error?.message ?? '')}`);
  }
  const top = topFailures(run, opts.top ?? 5);
  if (top.length > 0) {
    lines.push(`  top failures${c.fail > top.length ? ` (${top.length} of ${c.fail})` : ''}:`);
    for (const f of top) {
      const clauses = f.clauses.length > 0 ? ` [${f.clauses.join(', ')}]` : '';
      lines.push(
        `    ${f.severity.padEnd(8)} ${f.checkId} ${printable(subject(f))}: ${printable(f.reason)}${clauses}`,
      );
    }
  }
  if (run.attestations.length > 0)
    lines.push(`  needs attestation: ${run.attestations.map((a) => a.clause).join(', ')}`);
  for (const w of run.warnings) lines.push(`  warning: ${printable(w.message)}`);
  return lines.join('\n');
}
