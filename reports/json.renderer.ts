/** The report model as JSON, documented by `docs/report.schema.json` (a test validates real output). */
import type { ReportModel } from './model.ts';

export function renderJson(m: ReportModel): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
