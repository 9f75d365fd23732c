/** The drift report as plain text for the terminal. */
import type { DeviceDrift } from './types.ts';

/** Plain-text lines for the terminal: one per difference, grouped by device and feature. */
export function formatDrift(devices: DeviceDrift[]): string {
  const lines: string[] = [];
  for (const d of devices) {
    lines.push(`${d.device} (${d.kind}): ${d.drift ? 'DRIFT' : 'as declared'}`);
    for (const f of d.features) {
      if (f.compliant) continue;
      lines.push(`  ${f.feature}:`);
      for (const m of f.missing)
        lines.push(
          `    missing    ${m.object}${m.intended && Object.keys(m.intended).length ? ` ${fmt(m.intended)}` : ''}`,
        );
      for (const e of f.extra) lines.push(`    extra      ${e.object}${e.note ? ` (${e.note})` : ''}`);
      for (const x of f.different) {
        lines.push(`    different  ${x.object}${x.note ? ` (${x.note})` : ''}`);
        for (const p of x.differences ?? [])
          lines.push(
            `                 ${p.property}: intended ${p.intended || '(none)'}, actual ${p.actual || '(none)'}`,
          );
        if (!x.differences?.length && x.intended && x.actual)
          lines.push(
            `                 intended ${fmt(x.intended)}\n                 actual   ${fmt(x.actual)}`,
          );
      }
    }
  }
  return lines.join('\n');
}

function fmt(p: Record<string, string>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
