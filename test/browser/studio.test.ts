import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browserSuite.js';
import { basicAuth, bearer, type Harness } from '../support/harness.js';
import { testPassword, userWithRole } from '../http/accessHelpers.js';
import type { LocalPage } from './localPage.js';
import { inject, openAt, screenshots, seriousViolations, signIn, startStudio, type StudioRun } from './studioHelpers.js';

/**
 * The studio (/studio) in a headless Chromium against a running server, built from the
 * sources into a temporary folder: signing in with the session cookie, the overview's numbers
 * after some collected events, a customer's 360 view found by user id, what a role may not do
 * shown disabled with the reason, keyboard reachability, and an axe-core scan without serious
 * or critical violations, at 1280 and 390 pixels wide. Screenshots of each page go to
 * test/browser/screenshots/ (ignored by git). Everything stays on 127.0.0.1, and the page
 * runs under the studio's content security policy (console errors would show a violation).
 */

const widths = [1280, 390] as const;
const customerId = 'studio-shopper-1';

/** Events from two sources, a person with traits and consent, and one decision for them. */
async function collectSomeTraffic(h: Harness): Promise<void> {
  const write = basicAuth(h.a.writeKey);
  const web = { library: { name: 'analytics.js', version: '1.0.0' } };
  const server = { library: { name: 'analytics-node', version: '3.0.0' } };
  await inject(h, 'POST', '/v1/identify', { userId: customerId, traits: { name: 'Ada', plan: 'gold' }, context: web }, write);
  for (let i = 0; i < 6; i++) await inject(h, 'POST', '/v1/track', { userId: customerId, event: 'Product Viewed', properties: { product_id: `p${i}`, price: 10 + i }, context: web }, write);
  await inject(h, 'POST', '/v1/track', { userId: customerId, event: 'Order Completed', properties: { revenue: 42, currency: 'EUR' }, context: server }, write);
  for (let i = 0; i < 3; i++) await inject(h, 'POST', '/v1/track', { userId: `studio-other-${i}`, event: 'Signed Up', context: server }, write);
  const secret = bearer(h.a.secretKey);
  await inject(h, 'PUT', '/admin/v1/placements/home-hero', { id: 'home-hero', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } }, secret);
  await inject(h, 'PUT', '/admin/v1/actions/hero-gold', { id: 'hero-gold', placements: ['home-hero'], priority: 5, variants: { default: { title: 'For gold members' } } }, secret);
  await inject(h, 'POST', '/v1/decide', { userId: customerId, placements: [{ id: 'home-hero' }] }, write);
  await h.decisions.flushRecords();
}

/** The value of the overview's figure labelled `label`. */
function stat(page: Page, label: string) {
  return page.locator('.stat', { has: page.getByText(label, { exact: true }) }).locator('.stat-value');
}

const suite = browserSuite('the studio in Chromium against a running server');

describe.skipIf(suite.skip)(suite.title, () => {
  let run: StudioRun;
  let h: Harness;
  let base: string;
  let browser: Browser;
  const people: Record<'owner' | 'editor' | 'analyst', string> = { owner: '', editor: '', analyst: '' };

  beforeAll(async () => {
    run = await startStudio(async (harness) => {
      for (const role of ['owner', 'editor', 'analyst'] as const) people[role] = (await userWithRole(harness, role)).user.email;
      await collectSomeTraffic(harness);
    });
    ({ h, base, browser } = run);
  }, 120_000);
  afterAll(async () => { await run?.close(); });

  const open = (width: number): Promise<LocalPage> => openAt(browser, width);

  /** The page fits its width: nothing makes a phone scroll sideways. */
  async function expectNoSidewaysScroll(page: Page, width: number): Promise<void> {
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
  }

  async function finish(local: LocalPage): Promise<void> {
    expect(local.pageErrors).toEqual([]);
    // The studio asks /admin/v1/me whether it is signed in: signed out, that answers 401, which
    // Chromium logs as a failed load. Any other console error (a CSP violation) fails the test.
    expect(local.consoleErrors.filter((e) => !e.includes('the server responded with a status of 401'))).toEqual([]);
    expect(local.blocked).toEqual([]);
    await local.context.close();
  }

  it.each(widths)('signs in and shows the overview with numbers, at %i pixels', { timeout: 120_000 }, async (width) => {
    const local = await open(width);
    const { page } = local;
    await page.goto(`${base}/studio`);
    await page.getByRole('heading', { name: 'Attune studio' }).waitFor();
    await page.screenshot({ path: join(screenshots, `sign-in-${width}.png`), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    await signIn(page, base, h.a.id, people.owner);
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('owner');
    const profiles = stat(page, 'Profiles');
    await profiles.waitFor();
    expect(Number((await profiles.textContent())?.replace(/,/g, ''))).toBe(4);
    expect(await stat(page, 'Events stored').textContent()).toBe('11');
    await page.locator('.stat', { hasText: 'Events per minute, analytics.js' }).waitFor();
    await page.locator('.stat', { hasText: 'Events per minute, analytics-node' }).waitFor();
    // The chart is drawn, and its numbers are there for screen readers too.
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.chart table caption').first().textContent()).toContain('Events per minute by source');
    await page.locator('.stat', { hasText: 'Active experiments' }).waitFor();
    await page.locator('section', { hasText: 'Return on investment' }).locator('.loading').waitFor({ state: 'detached' });
    await expectNoSidewaysScroll(page, width);
    await page.screenshot({ path: join(screenshots, `overview-${width}.png`), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // Signed out for real: the session no longer reads /me.
    expect(await page.evaluate('fetch("/admin/v1/me").then((r) => r.status)')).toBe(401);
    await finish(local);
  });

  it.each(widths)('finds a customer by user id and shows the 360 view, at %i pixels', { timeout: 120_000 }, async (width) => {
    const local = await open(width);
    const { page } = local;
    await signIn(page, base, h.a.id, people.owner);
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('User id, anonymous id or profile id').fill(customerId);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByTestId('profile-id').waitFor();
    expect(page.url()).toBe(`${base}/studio/customers/${customerId}`);
    const section = (title: string) => page.locator('section', { has: page.getByRole('heading', { name: title, exact: true }) });
    expect(await section('Traits').textContent()).toContain('gold');
    expect(await section('Recent events').locator('.timeline li').count()).toBe(8);
    await section('Decisions').locator('tbody tr').first().waitFor();
    expect(await section('Decisions').textContent()).toContain('hero-gold');
    await section('Predictions').locator('.loading').waitFor({ state: 'detached' });
    // An owner may export and erase.
    expect(await page.getByRole('button', { name: 'Export data' }).isEnabled()).toBe(true);
    await expectNoSidewaysScroll(page, width);
    await page.screenshot({ path: join(screenshots, `customer-${width}.png`), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // Erasure asks first; cancelling erases nothing.
    await page.getByRole('button', { name: 'Erase person…' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await page.screenshot({ path: join(screenshots, `erase-dialog-${width}.png`) });
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    // A reload keeps the page: /studio/customers/<id> is answered with the app.
    await page.reload();
    await page.getByTestId('profile-id').waitFor();
    await page.getByRole('button', { name: 'Export data' }).click();
    await page.getByRole('link', { name: 'Download the export (JSON)' }).waitFor();
    await finish(local);
  });

  it('accepts an invitation, then signs in with the new password', { timeout: 120_000 }, async () => {
    const email = 'invited-reviewer@example.com';
    const invited = await h.engine.access.invite(h.a.id, { kind: 'operator' }, { email, role: 'reviewer' });
    const local = await open(390);
    const { page } = local;
    await page.goto(`${base}/studio`);
    await page.getByRole('button', { name: 'I have an invitation' }).click();
    await page.getByLabel('Invitation token').fill(invited.token);
    await page.getByLabel('Choose a password (12 characters or more)').fill(testPassword);
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    await page.getByText('Invitation accepted').waitFor();
    await page.screenshot({ path: join(screenshots, 'invitation-accepted-390.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Workspace id').fill(h.a.id);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(testPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-role').waitFor();
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('reviewer');
    await finish(local);
  });

  it('hides or disables what a role cannot do, with the reason', { timeout: 120_000 }, async () => {
    const analyst = await open(1280);
    await signIn(analyst.page, base, h.a.id, people.analyst);
    // An analyst never reads a person's data: Customers is no link, and says why.
    expect(await analyst.page.getByRole('link', { name: 'Customers' }).count()).toBe(0);
    expect(await analyst.page.locator('nav .unavailable', { hasText: 'Customers' }).textContent()).toContain('personalData.read');
    await stat(analyst.page, 'Profiles').waitFor();
    await finish(analyst);

    const editor = await open(1280);
    await signIn(editor.page, base, h.a.id, people.editor);
    await editor.page.goto(`${base}/studio/customers/${customerId}`);
    await editor.page.getByTestId('profile-id').waitFor();
    // An editor reads profiles but neither exports nor erases them.
    expect(await editor.page.getByRole('button', { name: 'Export data' }).isDisabled()).toBe(true);
    expect(await editor.page.getByRole('button', { name: 'Erase person…' }).isDisabled()).toBe(true);
    expect(await editor.page.locator('#erase-reason').textContent()).toContain('privacy.erase');
    await editor.page.screenshot({ path: join(screenshots, `customer-editor-1280.png`), fullPage: true });
    await finish(editor);
  });

  it('goes back to the sign-in page when the session ends under it', { timeout: 120_000 }, async () => {
    const local = await open(1280);
    const { page } = local;
    await signIn(page, base, h.a.id, people.owner);
    // Ended elsewhere (another tab signed out): the cookie this page holds no longer signs in.
    expect(await page.evaluate('fetch("/admin/v1/sessions/current", { method: "DELETE", headers: { "x-attune-csrf": sessionStorage.getItem("attune.studio.csrf") } }).then((r) => r.status)')).toBe(204);
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('User id, anonymous id or profile id').fill(customerId);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await finish(local);
  });

  it('reaches every control with the keyboard alone', { timeout: 120_000 }, async () => {
    const local = await open(1280);
    const { page } = local;
    await page.goto(`${base}/studio`);
    await page.getByLabel('Workspace id').waitFor();
    // Sign in by keyboard: the fields in order, then Enter.
    await page.keyboard.press('Tab');
    await page.keyboard.type(h.a.id);
    await page.keyboard.press('Tab');
    await page.keyboard.type(people.owner);
    await page.keyboard.press('Tab');
    await page.keyboard.type(testPassword);
    await page.keyboard.press('Enter');
    await page.getByTestId('signed-in-user').waitFor();

    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate('(() => { const e = document.activeElement; return e ? (e.getAttribute("aria-label") || e.textContent || e.tagName).trim() : "" })()'));
    }
    expect(reached).toEqual(expect.arrayContaining(['Skip to content', 'Sign out', 'Overview', 'Customers']));
    // Customers by keyboard, then the search.
    await page.getByRole('link', { name: 'Customers' }).focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('User id, anonymous id or profile id').waitFor();
    await page.getByLabel('User id, anonymous id or profile id').focus();
    await page.keyboard.type(customerId);
    await page.keyboard.press('Enter');
    await page.getByTestId('profile-id').waitFor();
    // The erase dialog opens, traps focus and closes with Escape.
    await page.getByRole('button', { name: 'Erase person…' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('alertdialog').waitFor();
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await finish(local);
  });
});
