import { fileURLToPath } from 'node:url';
import { chromium, firefox, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Route } from 'playwright-core';
import { chromiumPath } from '../support/browserSuite.js';

/** A headless Chromium that talks to no one by itself (no updates, sync or background requests). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that can reach this machine's test server only, and what it tried or broke on the way. */
export interface LocalPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Requests to anywhere but 127.0.0.1: refused, and listed for the test to check. */
  readonly blocked: string[];
  /** Uncaught errors of the page's scripts. */
  readonly pageErrors: string[];
  /** Console errors: CSP violations and failed loads are reported here. */
  readonly consoleErrors: string[];
}

/** Opens a page in a new context of `browser` (with `options`: a locale, ...) that may load from 127.0.0.1 (and data: URLs) only. */
export async function openLocalPage(browser: Browser, options: BrowserContextOptions = {}): Promise<LocalPage> {
  const context = await browser.newContext(options);
  const blocked: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  await context.route(/.*/, async (route: Route) => {
    const target = route.request().url();
    if (target.startsWith('data:') || new URL(target).hostname === '127.0.0.1') return route.continue();
    blocked.push(target);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  return { context, page, blocked, pageErrors, consoleErrors };
}

/** Debian's Firefox ESR, driven over WebDriver BiDi through firefoxBidiProxy.mjs (read it for why). */
export function launchFirefox(): Promise<Browser> {
  return firefox.launch({
    channel: 'moz-firefox',
    executablePath: fileURLToPath(new URL('./firefoxBidiProxy.mjs', import.meta.url)),
    headless: true,
    // No updates, telemetry or background requests, as for Chromium.
    firefoxUserPrefs: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false, 'network.captive-portal-service.enabled': false },
  });
}
