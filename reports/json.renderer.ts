/** The report model as JSON, documented by `docs/report.schema.json` (a test validates real output). */
import { safeJson } from '../inventory/csv.ts';
import type { ReportModel } from './model.ts';

export function renderJson(m: ReportModel): string {
  // Control characters from devices (an SSID, a roster name) leave as \uXXXX escapes.
  return `${safeJson(m)}\n`;
}
