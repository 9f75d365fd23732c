/**
 * HTML to PDF through Debian's Chromium driven by playwright-core (no browser download). Each call gets
 * a fresh profile directory, removed afterwards, and the flags that stop Chromium phoning home; the page
 * is loaded with `setContent`, so the report (which makes no requests anyway) is never served or saved.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { esc } from './escape.ts';

export const CHROMIUM = process.env.SCHOOLNET_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class PdfError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'PdfError';
  }
}

/** Opens a throwaway Chromium context for `fn` and always cleans up, even when `fn` throws. */
export async function withChromium<T>(fn: (ctx: BrowserContext) => Promise<T>): Promise<T> {
  const profile = await mkdtemp(join(tmpdir(), 'schoolnet-chromium-'));
  let ctx: BrowserContext | undefined;
  try {
    try {
      ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 30_000,
        offline: true,
      });
    } catch (e) {
      throw new PdfError(
        `cannot start Chromium at ${CHROMIUM}: ${(e as Error).message.split('\n')[0] ?? ''}; install Debian's chromium package or set SCHOOLNET_CHROMIUM`,
        { cause: e },
      );
    }
    return await fn(ctx);
  } finally {
    await ctx?.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  }
}

/** What every page's footer says: the protective marking, the school and the date, and the page number. */
export interface PdfFooter {
  marking: { label: string };
  school: { name: string };
  run: { asOf: string };
}

/** Chromium's footer template: its own tiny document, so everything in it is escaped here. */
export function footerTemplate(f: PdfFooter): string {
  return (
    `<div style="font:8px system-ui,Arial,sans-serif;color:#444;width:100%;padding:0 14mm;display:flex;justify-content:space-between">` +
    `<span><b>${esc(f.marking.label)}</b> · ${esc(f.school.name)} · network safety report ${esc(f.run.asOf.slice(0, 10))}</span>` +
    `<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`
  );
}

export async function htmlToPdf(html: string, footer?: PdfFooter): Promise<Buffer> {
  return withChromium(async (ctx) => {
    const page = await ctx.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '14mm', right: '14mm', bottom: '18mm', left: '14mm' },
      ...(footer === undefined
        ? {}
        : {
            displayHeaderFooter: true,
            headerTemplate: `<div style="font:8px system-ui,Arial,sans-serif;width:100%;text-align:center;color:#444"><b>${esc(footer.marking.label)}</b></div>`,
            footerTemplate: footerTemplate(footer),
          }),
    });
  });
}
