/**
 * The score-over-time chart as inline SVG: no script, no external request, prints as vectors.
 * Runs without a score (nothing scored) are gaps, not zeros.
 */
import { esc } from './escape.ts';
import type { ScorePoint } from './model.ts';

export function scoreChart(
  points: readonly ScorePoint[],
  opts: { width?: number; height?: number } = {},
): string {
  const w = opts.width ?? 640;
  const h = opts.height ?? 180;
  const pad = { l: 40, r: 12, t: 12, b: 28 };
  const iw = w - pad.l - pad.r;
  const ih = h - pad.t - pad.b;
  const x = (i: number): number => pad.l + (points.length <= 1 ? iw / 2 : (i * iw) / (points.length - 1));
  const y = (s: number): number => pad.t + ih - s * ih;
  const grid = [0, 0.5, 1]
    .map(
      (g) =>
        `<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(g).toFixed(1)}" y2="${y(g).toFixed(1)}" class="grid"/>` +
        `<text x="${pad.l - 6}" y="${(y(g) + 4).toFixed(1)}" text-anchor="end">${g * 100}%</text>`,
    )
    .join('');
  const segments: string[][] = [[]];
  const dots: string[] = [];
  points.forEach((p, i) => {
    if (p.score === null) {
      segments.push([]);
      return;
    }
    const px = x(i).toFixed(1);
    const py = y(p.score).toFixed(1);
    segments[segments.length - 1]?.push(`${px},${py}`);
    dots.push(
      `<circle cx="${px}" cy="${py}" r="3.5"><title>${esc(p.started.slice(0, 10))}: ${Math.round(p.score * 100)}%</title></circle>`,
    );
  });
  const lines = segments
    .filter((s) => s.length > 1)
    .map((s) => `<polyline points="${s.join(' ')}" class="line"/>`)
    .join('');
  const first = points[0];
  const last = points[points.length - 1];
  const labels =
    first === undefined || last === undefined
      ? ''
      : `<text x="${pad.l}" y="${h - 8}">${esc(first.started.slice(0, 10))}</text>` +
        (points.length > 1
          ? `<text x="${w - pad.r}" y="${h - 8}" text-anchor="end">${esc(last.started.slice(0, 10))}</text>`
          : '');
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" ` +
    `role="img" aria-label="Score over the last ${points.length} audits">${grid}${lines}${dots.join('')}${labels}</svg>`
  );
}
