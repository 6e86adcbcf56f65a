import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browserSuite.js';
import { basicAuth, bearer, type Harness } from '../support/harness.js';
import { userWithRole } from '../http/accessHelpers.js';
import { checkPage, finishPage, inject, openAt, signIn, startStudio, type StudioRun } from './studioHelpers.js';

/**
 * The Segments page's tools in a headless Chromium: the editor's live size of an unsaved rule
 * with its first matching profiles (and none for a role that may not read personal data), and
 * the overlap matrix of chosen segments. Scanned by axe-core and photographed at 1280 and 390.
 */

const suite = browserSuite('the studio\'s segment estimate and overlap in Chromium');

describe.skipIf(suite.skip)(suite.title, () => {
  let run: StudioRun;
  let h: Harness;
  let base: string;
  let browser: Browser;
  const people = { owner: '', analyst: '' };

  beforeAll(async () => {
    run = await startStudio(async (harness) => {
      for (const role of ['owner', 'analyst'] as const) people[role] = (await userWithRole(harness, role)).user.email;
      const write = basicAuth(harness.a.writeKey);
      const traits = [['p1', 'gold', true], ['p2', 'gold', false], ['p3', 'silver', true], ['p4', 'gold', false]] as const;
      for (const [userId, plan, vip] of traits) await inject(harness, 'POST', '/v1/identify', { userId, traits: { plan, vip } }, write);
      const secret = bearer(harness.a.secretKey);
      await inject(harness, 'POST', '/admin/v1/segments', { id: 'gold', name: 'Gold', rule: 'profile.traits.plan == "gold"' }, secret);
      await inject(harness, 'POST', '/admin/v1/segments', { id: 'silver', name: 'Silver', rule: 'profile.traits.plan == "silver"' }, secret);
      await inject(harness, 'POST', '/admin/v1/segments', { id: 'vip', name: 'VIP', rule: 'profile.traits.vip == true' }, secret);
    });
    ({ h, base, browser } = run);
  }, 120_000);
  afterAll(async () => { await run?.close(); });

  const cell = (page: Page, a: string, b: string) => page.getByTestId(`overlap-${a}-${b}`);

  it.each([1280, 390])('estimates an unsaved rule with its matching profiles, and shows the overlap of chosen segments, at %i pixels', { timeout: 120_000 }, async (width) => {
    const owner = await openAt(browser, width);
    const { page } = owner;
    await signIn(page, base, h.a.id, people.owner);
    await page.getByRole('link', { name: 'Segments' }).click();

    // The overlap of the first three segments: shared members with the Jaccard index, sizes on the diagonal.
    await page.getByTestId('segment-overlap').waitFor();
    expect(await cell(page, 'gold', 'gold').textContent()).toBe('3');
    expect(await cell(page, 'gold', 'vip').textContent()).toBe('125% Jaccard');
    expect(await cell(page, 'vip', 'silver').textContent()).toBe('150% Jaccard');
    expect(await cell(page, 'gold', 'silver').textContent()).toBe('00% Jaccard');
    await page.getByRole('checkbox', { name: 'Silver' }).uncheck();
    await page.getByTestId('overlap-gold-silver').waitFor({ state: 'detached' });
    // The old matrix leaves while the new pair's overlap loads (no table at all for a moment on a busy machine).
    await expect.poll(() => page.getByTestId('segment-overlap').locator('tbody tr').count(), { timeout: 10_000 }).toBe(2);
    await cell(page, 'gold', 'vip').waitFor();
    expect(await page.getByRole('checkbox', { name: 'Gold' }).isChecked()).toBe(true);

    // A fault first (with its caret), then the size the rule would have and who matches.
    const rule = page.getByLabel('Rule', { exact: true });
    await rule.fill('profile.traits.plan ==');
    await page.locator('.caret').waitFor();
    await rule.fill('profile.traits.plan == "gold" and profile.traits.vip == false');
    const estimate = page.getByTestId('rule-estimate');
    await estimate.waitFor();
    expect(await estimate.textContent()).toBe('Would hold 2 of 4 profiles now (counted exactly).');
    // Highlighted with the core's lexer beneath the text area, which keeps its label and lies exactly over its copy.
    const highlight = page.getByTestId('rule-highlight');
    expect(await highlight.locator('.tok-keyword').allTextContents()).toEqual(['and', 'false']);
    expect(await highlight.locator('.tok-string').allTextContents()).toEqual(['"gold"']);
    expect(await highlight.textContent()).toBe('profile.traits.plan == "gold" and profile.traits.vip == false\n');
    const [over, under] = [await rule.boundingBox(), await highlight.boundingBox()];
    expect([over?.x, over?.y, over?.width, over?.height]).toEqual([under?.x, under?.y, under?.width, under?.height]);
    const links = page.getByTestId('rule-preview').getByRole('link');
    expect(await links.count()).toBe(2);
    for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) expect(href).toMatch(/^\/studio\/customers\/p_[0-9a-f]{32}$/);
    await checkPage(page, 'segment-tools', width);
    await finishPage(owner, [401, 400]);
  });

  it.each([1280, 390])('finds customers by a trait\'s value and opens one, at %i pixels', { timeout: 120_000 }, async (width) => {
    const owner = await openAt(browser, width);
    const { page } = owner;
    await signIn(page, base, h.a.id, people.owner);
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Trait name').fill('plan');
    await page.getByLabel('Trait value').fill('GOLD');
    await page.getByRole('button', { name: 'Search traits' }).click();
    const results = page.getByTestId('trait-results').getByRole('link');
    await results.first().waitFor();
    expect(await results.count()).toBe(3);
    await checkPage(page, 'customer-search', width);
    const first = await results.first().textContent();
    await results.first().click();
    await page.getByTestId('profile-id').waitFor();
    expect(page.url()).toBe(`${base}/studio/customers/${first}`);
    await finishPage(owner, [401]);
  });

  it('gives an analyst the overlap but no editor, and so no profile ids', { timeout: 120_000 }, async () => {
    const analyst = await openAt(browser, 390);
    await signIn(analyst.page, base, h.a.id, people.analyst);
    await analyst.page.getByRole('link', { name: 'Segments' }).click();
    await analyst.page.getByTestId('segment-overlap').waitFor();
    expect(await analyst.page.getByTestId('rule-preview').count()).toBe(0);
    await finishPage(analyst, [401]);
  });
});
