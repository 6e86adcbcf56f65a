import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DecideResponse } from '../../src/api/decideSchemas.js';
import { buildStudio } from '../../scripts/buildStudio.js';
import { seededRandom } from '../../src/core/common/random.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { testPassword } from '../http/accessHelpers.js';
import { launchChromium, openLocalPage, type LocalPage } from './localPage.js';

/** Where the studio's browser tests save screenshots (ignored by git). */
export const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation { readonly id: string; readonly impact: string | null; readonly help: string; readonly nodes: readonly { readonly target: readonly unknown[] }[] }

/** axe-core's violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated over DevTools, not a script tag: the studio's CSP allows no inline script.
  await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>('axe.run(document).then((r) => r.violations)');
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Signs in through the studio's sign-in page with the test password. */
export async function signIn(page: Page, base: string, workspaceId: string, email: string): Promise<void> {
  await page.goto(`${base}/studio`);
  await page.getByLabel('Workspace id').fill(workspaceId);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(testPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor({ timeout: 15_000 });
}

/** A running server with the studio built from the sources into a temporary folder, and a browser (Chromium unless told) to look at it. */
export interface StudioRun {
  readonly h: Harness;
  /** The server's address, `http://127.0.0.1:<port>`. */
  readonly base: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Builds the studio, starts a harness serving it, runs `prepare` on it (users, data), then listens and launches the browser. */
export async function startStudio(prepare: (h: Harness) => Promise<void>, launch: () => Promise<Browser> = launchChromium): Promise<StudioRun> {
  const studioDir = mkdtempSync(join(tmpdir(), 'attune-studio-'));
  await buildStudio(studioDir);
  mkdirSync(screenshots, { recursive: true });
  const h = await startHarness({ studioDir });
  await prepare(h);
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launch();
  return {
    h, base, browser,
    async close() {
      await browser.close();
      await h.close();
      rmSync(studioDir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser context of the given width (and 900 pixels high), in `locale` when given (the browser's language, navigator.language). */
export async function openAt(browser: Browser, width: number, locale?: string): Promise<LocalPage> {
  const local = await openLocalPage(browser, locale === undefined ? {} : { locale });
  await local.page.setViewportSize({ width, height: 900 });
  return local;
}

/** A request straight to the app (no network), which must succeed. */
export async function inject(h: Harness, method: 'POST' | 'PUT', url: string, payload: Record<string, unknown>, authorization: string): Promise<void> {
  const res = await h.app.inject({ method, url, headers: { authorization }, payload });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
}

/** A studio page as the tests photograph it: no sideways scroll at `width`, a screenshot `<name>-<width>.png`, no serious or critical axe-core violation. */
export async function checkPage(page: Page, name: string, width: number): Promise<void> {
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
  await page.screenshot({ path: join(screenshots, `${name}-${width}.png`), fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);
}

/**
 * Closes a page's browser context after checking what it logged: no script error, nothing
 * blocked, and no console error but the failed loads of `expectedStatuses` (signed out,
 * /admin/v1/me answers 401; a definition checked while it is typed may be refused with 400).
 */
export async function finishPage(local: LocalPage, expectedStatuses: readonly number[]): Promise<void> {
  expect(local.pageErrors).toEqual([]);
  const expected = new RegExp(`status of (${expectedStatuses.join('|')})`);
  expect(local.consoleErrors.filter((e) => !expected.test(e))).toEqual([]);
  expect(local.blocked).toEqual([]);
  await local.context.close();
}

/** On the Review page: the card of the open draft of `targetId`. */
export function draftCard(page: Page, targetId: string): Locator {
  return page.getByTestId('draft').filter({ hasText: targetId });
}

/** Opens the Review page from the navigation and publishes the draft of `targetId`, whose approvals are complete; it was the only open one. */
export async function publishDraft(page: Page, targetId: string): Promise<void> {
  await page.getByRole('link', { name: 'Review' }).click();
  const card = draftCard(page, targetId);
  await card.getByText('Approvals complete.').waitFor();
  await card.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('You have no open drafts.').waitFor();
}

/** In the Actions page's editor: one variant per locale, in order (`[["en", json], ["de", json]]`), then the server's check says valid. */
export async function fillActionVariants(page: Page, variants: readonly (readonly [locale: string, content: string])[]): Promise<void> {
  const locales = page.getByLabel('Locale (de-CH, de, default)');
  for (const [i, [locale, content]] of variants.entries()) {
    if (i > 0) await page.getByRole('button', { name: 'Add a locale' }).click();
    await locales.nth(i).fill(locale);
    await page.getByLabel(`Content of ${locale}`, { exact: false }).fill(content);
  }
  await page.getByTestId('action-check').getByText('Valid').waitFor();
}

/** On the Actions page: previews the action in the editor in `locale` for the profile typed, and answers the rendered content. */
export async function previewAction(page: Page, locale: string): Promise<string | null> {
  await page.getByLabel('Locale (en, de)').fill(locale);
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await page.getByTestId('preview').getByText(`tried ${locale}`).waitFor();
  return page.getByTestId('preview-content').textContent();
}

/** Simulated visitors: how many, where they are decided for, the generator's seed, and traits they identify with first (none: they stay unknown). */
export interface Traffic {
  readonly placement: string;
  readonly visitors: number;
  readonly seed: number;
  readonly traits?: Record<string, unknown>;
}

/**
 * Visitors through the public API: each (identified with `traits` first, when given) gets a
 * decision at the placement (exposing them to their arm, or holding them out), then a seeded
 * share of them orders, more often in the personalized arm, so a read-out has an effect to show.
 */
export async function simulateTraffic(h: Harness, traffic: Traffic): Promise<void> {
  const write = basicAuth(h.a.writeKey);
  const random = seededRandom(traffic.seed);
  const userIds = Array.from({ length: traffic.visitors }, (_, i) => `visitor-${i}`);
  const { traits } = traffic;
  if (traits !== undefined) {
    for (let i = 0; i < userIds.length; i += 100) await inject(h, 'POST', '/v1/batch', { batch: userIds.slice(i, i + 100).map((userId) => ({ type: 'identify', userId, traits })) }, write);
  }
  const arms = new Map<string, string>();
  for (const userId of userIds) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: write }, payload: { userId, placements: [{ id: traffic.placement }] } });
    expect(res.statusCode).toBe(200);
    // The control gets the generic content (fallback experiment_generic), the held out none; the rest are personalized.
    const fallback = res.json<DecideResponse>().placements[0]?.fallback ?? null;
    arms.set(userId, fallback === null ? 'personalized' : fallback);
  }
  await h.decisions.flushRecords();
  const orders = [...arms].flatMap(([userId, arm]) => (random.next() < (arm === 'personalized' ? 0.45 : 0.25)
    ? [{ type: 'track', userId, event: 'Order Completed', properties: { revenue: Math.round(20 + random.next() * 60), currency: 'EUR' } }]
    : []));
  for (let i = 0; i < orders.length; i += 100) await inject(h, 'POST', '/v1/batch', { batch: orders.slice(i, i + 100) }, write);
  await h.store.committer.flush();
}
