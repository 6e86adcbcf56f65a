import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { browserSuite } from '../support/browserSuite.js';
import { launchChromium, openLocalPage } from './localPage.js';

/**
 * The rendered API reference (/docs) in a headless Chromium against a running server: the
 * viewer loads from the server alone (anything else is blocked and would fail the test),
 * runs under its content security policy without a violation, and renders the operations
 * and the shared schemas of /openapi.json.
 */

const suite = browserSuite('the API reference at /docs in Chromium');

describe.skipIf(suite.skip)(suite.title, () => {
  let h: Harness;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness();
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('renders the operations and the shared schemas, loading nothing from elsewhere', { timeout: 120_000 }, async () => {
    const { context, page, blocked, pageErrors, consoleErrors } = await openLocalPage(browser);
    try {
      const response = await page.goto(`${url}/docs`);
      expect(response?.status()).toBe(200);
      const track = page.locator('.opblock-summary', { hasText: '/v1/track' }).first();
      await track.waitFor({ timeout: 90_000 });
      expect(await track.textContent()).toContain('Collect a track call');
      // A short route and the SDK files are documented too.
      await page.locator('.opblock-summary-path', { hasText: /^\/v1\/t$/ }).first().waitFor();
      // An operation opened shows its answers, the problem+json one resolved from components.schemas.
      await track.click();
      await page.locator('.responses-table', { hasText: 'application/problem+json' }).first().waitFor();
      // Swagger UI renders only the operations near the viewport, so the SDK's (past the admin
      // tags) are scrolled to.
      const sdk = page.locator('.opblock-summary-path', { hasText: '/sdk/attune.esm.js' }).first();
      for (let step = 0; step < 300 && !await sdk.isVisible(); step++) {
        await page.evaluate('window.scrollBy(0, 800)');
        await page.waitForTimeout(50);
      }
      await sdk.waitFor({ timeout: 5_000 });
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
