/**
 * One CSV row per finding, for spreadsheets. Cells a spreadsheet would read as a formula (starting with
 * = + - @, or a tab / carriage return that some programs skip first) get a leading apostrophe, so a
 * hostile SSID cannot become `=HYPERLINK(...)` in someone's Excel.
 */
import { stringify } from 'csv-stringify/sync';
import type { FindingView, ReportModel } from './model.ts';

export const CSV_COLUMNS = [
  'school',
  'run',
  'check',
  'status',
  'waived_status',
  'severity',
  'source',
  'object',
  'expected',
  'actual',
  'reason',
  'clauses',
  'controls',
  'references',
  'waiver',
  'waiver_expires',
  'pupil',
] as const;

export function safeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function row(m: ReportModel, f: FindingView): string[] {
  const e = f.evidence[0];
  const extra = f.evidence.length > 1 ? ` (+${f.evidence.length - 1} more)` : '';
  return [
    m.school.id,
    m.run.id,
    f.checkId,
    f.status,
    f.waivedStatus ?? '',
    f.severity,
    e?.source ?? '',
    e?.object ?? '',
    e?.expected ?? '',
    `${e?.actual ?? ''}${extra}`,
    f.reason,
    f.clauses.join(' '),
    f.controls.join(' '),
    f.references.join(' '),
    f.waiver === undefined ? '' : `${f.waiver.id}: ${f.waiver.reason} (${f.waiver.approver})`,
    f.waiver?.expires ?? '',
    f.personal === 'pupil' ? (f.pseudonym ?? 'yes') : '',
  ].map(safeCell);
}

export function renderCsv(m: ReportModel): string {
  return stringify([[...CSV_COLUMNS], ...m.findings.map((f) => row(m, f))], { quoted_string: true });
}
