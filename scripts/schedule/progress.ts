/**
 * What a fleet audit shows while it runs and when it ends: a progress bar on a terminal (redrawn in
 * place on stderr), one plain line per school otherwise (cron mail, CI logs), and a summary table.
 */
import { percent } from '../../checks/engine/summary.ts';
import { printable } from '../../checks/lib/text.ts';
import type { FleetResult } from '../../checks/engine/fleet.ts';

export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

const outcome = (r: FleetResult): string =>
  r.timedOut === true
    ? 'timed out'
    : r.run === undefined
      ? `${r.code === 3 ? 'configuration error' : 'error'}${r.error === undefined ? '' : `: ${printable(r.error)}`}`
      : (['ok', 'failures', 'errors'][r.code] ?? 'error');

export class FleetProgress {
  readonly #sink: ProgressSink;
  readonly #total: number;
  readonly #running = new Set<string>();
  #done = 0;
  #drawn = false;

  constructor(sink: ProgressSink, total: number) {
    this.#sink = sink;
    this.#total = total;
  }

  start(school: string): void {
    this.#running.add(school);
    if (this.#sink.isTTY === true) this.#draw();
  }

  done(r: FleetResult): void {
    this.#running.delete(r.school);
    this.#done++;
    if (this.#sink.isTTY === true) {
      this.#draw();
      return;
    }
    this.#sink.write(
      `[${this.#done}/${this.#total}] ${printable(r.school)}: ${outcome(r)} (exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s)\n`,
    );
  }

  /** Clears the bar so the summary that follows starts on a clean line. */
  end(): void {
    this.clear();
  }

  /** Clears the bar (on a terminal) before other output; the next start/done redraws it. */
  clear(): void {
    if (this.#sink.isTTY === true && this.#drawn) this.#sink.write('\r\x1b[2K');
    this.#drawn = false;
  }

  #draw(): void {
    const width = 24;
    const filled = this.#total === 0 ? width : Math.round((this.#done / this.#total) * width);
    const now = [...this.#running].slice(0, 3).join(', ');
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.#total} schools${now === '' ? '' : `  auditing ${printable(now)}`}`;
    const cols = this.#sink.columns ?? 100;
    this.#sink.write(`\r\x1b[2K${line.slice(0, Math.max(20, cols - 1))}`);
    this.#drawn = true;
  }
}

/**
 * One row per school: score, counts, exit code, time, outcome (with the reason when there is no run);
 * the exit code last: `exit`, when given, is the one the command returns (it may count more than the rows).
 */
export function summaryTable(results: readonly FleetResult[], exit?: number): string {
  const head = ['school', 'score', 'pass', 'fail', 'error', 'waived', 'exit', 'time', 'outcome'];
  const rows = results.map((r) => [
    printable(r.school),
    r.run === undefined ? '-' : percent(r.run.score),
    String(r.run?.counts.pass ?? '-'),
    String(r.run?.counts.fail ?? '-'),
    String(r.run?.counts.error ?? '-'),
    String(r.run?.counts.waived ?? '-'),
    String(r.code),
    `${(r.ms / 1000).toFixed(1)}s`,
    outcome(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const worst = Math.max(exit ?? 0, ...results.map((r) => r.code));
  return [
    fmt(head),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...rows.map(fmt),
    `${results.length} school(s); exit ${worst}`,
  ].join('\n');
}
