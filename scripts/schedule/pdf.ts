/**
 * The PDF attached to a school's email. The reports module renders it (`renderRun(run, 'pdf', opts)`)
 * when it is built; until then, and if it fails, this falls back to a one-page PDF of the plain-English
 * summary printed by Chromium, so a head teacher still gets a document, never an email that silently
 * lost its attachment.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import type { Digest } from './digest.ts';
import { bodyOf, subjectOf } from './digest.ts';

type Renderer = (
  run: AuditRun,
  format: string,
  opts?: { store?: ResultsStore; includeTechnical?: boolean; settings?: unknown },
) => string | Uint8Array | Promise<string | Uint8Array>;
type Settings = (loaded: LoadedSchool, env?: NodeJS.ProcessEnv) => Promise<unknown>;

async function reportsRenderer(): Promise<{ render: Renderer; settings?: Settings } | undefined> {
  for (const name of ['index.ts', 'index.js']) {
    const file = fileURLToPath(new URL(`../../reports/${name}`, import.meta.url));
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as { renderRun?: Renderer; settingsOf?: Settings };
    if (typeof mod.renderRun === 'function')
      return { render: mod.renderRun, ...(mod.settingsOf === undefined ? {} : { settings: mod.settingsOf }) };
  }
  return undefined;
}

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export const CHROMIUM = process.env.SCHOOLNET_CHROMIUM ?? '/usr/bin/chromium';

async function summaryPdf(d: Digest, run: AuditRun): Promise<Buffer> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage();
    // Everything escaped: school names and check titles are data.
    await page.setContent(
      `<!doctype html><meta charset="utf-8"><title>${esc(subjectOf(d))}</title>` +
        `<body style="font-family:sans-serif;margin:2cm"><h1>${esc(subjectOf(d))}</h1>` +
        `<pre style="white-space:pre-wrap;font-family:inherit">${esc(bodyOf(d, run))}</pre></body>`,
    );
    return await page.pdf({ format: 'A4' });
  } finally {
    await browser.close();
  }
}

export async function renderPdf(
  run: AuditRun,
  d: Digest,
  opts: {
    store?: ResultsStore;
    includeTechnical?: boolean;
    warn?: (message: string) => void;
    /** The school, for its report settings (pseudonym key, contacts) resolved with `env`. */
    loaded?: LoadedSchool;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Buffer> {
  const reports = await reportsRenderer();
  if (reports !== undefined) {
    try {
      const settings =
        opts.loaded === undefined || reports.settings === undefined
          ? undefined
          : await reports.settings(opts.loaded, opts.env);
      // Without technical detail the report names no account anywhere (the reports module's rule).
      const out = await reports.render(run, 'pdf', {
        ...(opts.store === undefined ? {} : { store: opts.store }),
        includeTechnical: opts.includeTechnical ?? false,
        ...(settings === undefined ? {} : { settings }),
      });
      return Buffer.from(out);
    } catch (e) {
      // A plain summary document beats no attachment; the failure is logged, not hidden.
      opts.warn?.(
        `the report PDF could not be rendered (${(e as Error).message}); attaching the summary PDF`,
      );
    }
  }
  return summaryPdf(d, run);
}
