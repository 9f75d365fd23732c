/**
 * `renderRun(run, format, opts)`: the one entry the CLI (`schoolnet audit --format`, `schoolnet report`)
 * and the nightly mailer use. With a results store it finds the school's earlier runs for the trend;
 * without one the report simply has no trend.
 */
import { loadCatalog } from '../checks/catalog/catalog.ts';
import type { Catalog } from '../checks/catalog/catalog.ts';
import type { ResultsStore } from '../checks/engine/store.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import { renderCsv } from './csv.renderer.ts';
import { renderHtml } from './html.renderer.ts';
import { renderJson } from './json.renderer.ts';
import { renderJunit } from './junit.renderer.ts';
import { buildReportModel } from './model.ts';
import type { ReportModel, ScorePoint } from './model.ts';
import { htmlToPdf } from './pdf.ts';

export type ReportFormat = 'html' | 'pdf' | 'json' | 'csv' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'pdf', 'json', 'csv', 'junit'];
export const REPORT_EXT: Record<ReportFormat, string> = {
  html: 'html',
  pdf: 'pdf',
  json: 'json',
  csv: 'csv',
  junit: 'xml',
};

export interface RenderOptions {
  /** Where to find earlier runs of the school for the trend. */
  store?: ResultsStore;
  /** Earlier complete runs, newest first (instead of reading them from `store`). */
  previous?: readonly AuditRun[];
  scores?: readonly ScorePoint[];
  /** Default true; false leaves the technician's section out and withholds pupil details everywhere. */
  includeTechnical?: boolean;
  catalog?: Catalog;
  /** How many earlier runs to read for "still open since" (default 6; older problems say "at least since"). */
  historyRuns?: number;
}

export function isReportFormat(f: string): f is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(f);
}

/** The school's earlier complete runs (newest first) and its score history, from the store. */
export function historyOf(
  store: ResultsStore,
  run: AuditRun,
  maxRuns = 6,
): { previous: AuditRun[]; scores: ScorePoint[] } {
  const previous: AuditRun[] = [];
  let at = run.id;
  while (previous.length < maxRuns) {
    const p = store.previousRun(run.school.id, at);
    if (p === undefined) break;
    previous.push(p);
    at = p.id;
  }
  const scores = store
    .listRuns({ school: run.school.id, status: 'complete', limit: 60 })
    .filter((s) => s.started <= run.started)
    .map((s) => ({ runId: s.id, started: s.started, score: s.score }));
  return { previous, scores };
}

export function modelOf(run: AuditRun, opts: RenderOptions = {}): ReportModel {
  let previous = opts.previous;
  let scores = opts.scores;
  if (opts.store !== undefined && previous === undefined) {
    const h = historyOf(opts.store, run, opts.historyRuns);
    previous = h.previous;
    scores ??= h.scores;
  }
  return buildReportModel(run, {
    catalog: opts.catalog ?? loadCatalog(),
    ...(previous === undefined ? {} : { previous }),
    ...(scores === undefined ? {} : { scores }),
    includeTechnical: opts.includeTechnical ?? true,
  });
}

export function renderModel(m: ReportModel, format: Exclude<ReportFormat, 'pdf'>): string {
  switch (format) {
    case 'html':
      return renderHtml(m);
    case 'json':
      return renderJson(m);
    case 'csv':
      return renderCsv(m);
    case 'junit':
      return renderJunit(m);
  }
}

export async function renderRun(
  run: AuditRun,
  format: string,
  opts: RenderOptions = {},
): Promise<string | Buffer> {
  if (!isReportFormat(format))
    throw new Error(`unknown report format "${format}"; use one of ${REPORT_FORMATS.join(', ')}`);
  const m = modelOf(run, opts);
  if (format === 'pdf') return htmlToPdf(renderHtml(m));
  return renderModel(m, format);
}

export { buildReportModel } from './model.ts';
export type { ReportModel } from './model.ts';
export { renderHtml } from './html.renderer.ts';
export { htmlToPdf } from './pdf.ts';
