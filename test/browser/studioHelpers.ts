import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildStudio } from '../../scripts/buildStudio.js';
import { startHarness, type Harness } from '../support/harness.js';
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

/** A fresh browser context of the given width (and 900 pixels high). */
export async function openAt(browser: Browser, width: number): Promise<LocalPage> {
  const local = await openLocalPage(browser);
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
