/**
 * The PDF attached to a school's email: the reports module's PDF (`renderRun(run, 'pdf', opts)`).
 * There is no fallback document: if the PDF cannot be made, the delivery records the failure and the
 * email is not sent without its promised attachment (deliver.ts).
 */
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import { renderRun, settingsOf } from '../../reports/index.ts';

export async function renderPdf(
  run: AuditRun,
  opts: {
    store?: ResultsStore;
    includeTechnical?: boolean;
    /** The school, for its report settings (pseudonym key, contacts, owners) resolved with `env`. */
    loaded?: LoadedSchool;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Buffer> {
  const settings = opts.loaded === undefined ? undefined : await settingsOf(opts.loaded, opts.env);
  // Without technical detail the report names no account anywhere (the reports module's rule).
  const out = await renderRun(run, 'pdf', {
    ...(opts.store === undefined ? {} : { store: opts.store }),
    includeTechnical: opts.includeTechnical ?? false,
    ...(settings === undefined ? {} : { settings }),
  });
  return Buffer.from(out);
}
