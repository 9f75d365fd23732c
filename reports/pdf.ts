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

export async function htmlToPdf(html: string): Promise<Buffer> {
  return withChromium(async (ctx) => {
    const page = await ctx.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  });
}
