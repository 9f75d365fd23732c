/**
 * One CSV row per finding, for spreadsheets, written by the shared formula-safe writer (./csv.ts), so
 * a hostile SSID cannot become `=HYPERLINK(...)` in someone's Excel.
 */
import { toCsv } from '../inventory/csv.ts';
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
  ];
}

export function renderCsv(m: ReportModel): string {
  return toCsv([[...CSV_COLUMNS], ...m.findings.map((f) => row(m, f))], { quoteAll: true });
}
