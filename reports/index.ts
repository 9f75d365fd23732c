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
import { loadSchool } from '../inventory/load.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import type { LoadedSchool } from '../inventory/types.ts';
import { MIN_KEY_LENGTH } from './pseudonym.ts';
import type { ReportSettings } from './risk.ts';

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
  /**
   * Contacts, due days, owners and the pseudonym key (`settingsOf`). `renderRun` reads them from the
   * run's declaration when not given; without them there are no pseudonyms and owners are role names.
   */
  settings?: ReportSettings;
}

/**
 * The report settings a school declares, with the pseudonym key resolved (`env:` / `file:`). A key
 * that cannot be read, or is too short, is an error naming the reference, never a silent fallback.
 */
export async function settingsOf(
  loaded: LoadedSchool,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReportSettings> {
  const d = loaded.decl;
  const s: ReportSettings = {};
  if (d.school.contacts !== undefined) s.contacts = d.school.contacts;
  if (d.reports?.dueDays !== undefined) s.dueDays = d.reports.dueDays;
  if (d.reports?.owners !== undefined) s.owners = d.reports.owners;
  const remediation: NonNullable<ReportSettings['remediation']> = {};
  if (d.directory !== undefined)
    remediation.directory = { kind: d.directory.kind, baseDn: d.directory.baseDn };
  const mgmt: Record<string, readonly string[]> = {};
  for (const dev of d.devices)
    if (dev.managementAllowFrom !== undefined) mgmt[dev.name] = dev.managementAllowFrom;
  remediation.managementAllowFrom = mgmt;
  if (d.inventory?.assets !== undefined) remediation.assets = d.inventory.assets;
  s.remediation = remediation;
  const ref = d.reports?.pseudonymKey;
  if (ref !== undefined) {
    const key = await resolveSecret(ref, loaded.dir, env);
    if (key.length < MIN_KEY_LENGTH)
      throw new Error(
        `${loaded.file}: reports.pseudonymKey (${ref}) must be at least ${MIN_KEY_LENGTH} characters`,
      );
    s.pseudonymKey = key;
  }
  return s;
}

/**
 * The settings for a stored run, from its declaration file when that still loads. A run whose
 * declaration is gone renders with no pseudonyms (counts only) and role names as owners.
 */
export async function settingsForRun(run: AuditRun, env?: NodeJS.ProcessEnv): Promise<ReportSettings> {
  let loaded: LoadedSchool;
  try {
    loaded = await loadSchool(run.school.file);
  } catch {
    return {};
  }
  return settingsOf(loaded, env);
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
    ...(opts.settings === undefined ? {} : { settings: opts.settings }),
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
  const settings = opts.settings ?? (await settingsForRun(run));
  const m = modelOf(run, { ...opts, settings });
  if (format === 'pdf') return htmlToPdf(renderHtml(m), m);
  return renderModel(m, format);
}

export { buildReportModel } from './model.ts';
export type { ReportModel } from './model.ts';
export { renderHtml } from './html.renderer.ts';
export { htmlToPdf } from './pdf.ts';
