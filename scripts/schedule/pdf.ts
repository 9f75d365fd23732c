/**
 * The PDF attached to a school's email: the reports module's PDF (`renderRun(run, 'pdf', opts)`).
 * There is no fallback document: if the PDF cannot be made, the delivery records the failure and the
 * email is not sent without its promised attachment (deliver.ts).
 */
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import { renderRun } from '../../reports/index.ts';

export async function renderPdf(
  run: AuditRun,
  opts: { store?: ResultsStore; includeTechnical?: boolean } = {},
): Promise<Buffer> {
  // Without technical detail the report withholds pupil details everywhere (the reports module's rule).
  const out = await renderRun(run, 'pdf', {
    ...(opts.store === undefined ? {} : { store: opts.store }),
    includeTechnical: opts.includeTechnical ?? false,
  });
  return Buffer.from(out);
}
