import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderResult } from '../../src/sdk/browser/AttuneBrowser.js';
import { buildBrowserSdk } from '../../src/sdk/browser/buildBrowserSdk.js';
import { exampleRoutes } from '../../src/server/routes/exampleRoutes.js';
import { browserSuite } from '../support/browserSuite.js';
import { basicAuth, bearer, type Harness } from '../support/harness.js';
import { userWithRole } from '../http/accessHelpers.js';
import type { LocalPage } from './localPage.js';
import { checkPage, draftCard, fillActionVariants, finishPage, inject, openAt, previewAction, publishDraft, signIn, simulateTraffic, startStudio, type StudioRun } from './studioHelpers.js';

/**
 * A marketer's day end to end, in a headless Chromium against one running server whose
 * workspace has a review policy (the brand team signs off every action: customer-facing
 * content), with profiles collected beforehand through the public API. The marketer (an
 * editor) writes a segment and sees its size, writes an action for that segment in English
 * and German and previews it for a member in both, and submits it; a brand reviewer, in a
 * second browser context, approves it; the marketer publishes it; the example shop, served as
 * `attune serve` serves it, shows the German content to the member in a German browser; the
 * marketer starts an experiment on the placement; simulated traffic (seeded) comes through the
 * public API; the results page draws the chart. Segments and experiments need no approval under
 * this policy, but still go through drafts, which the marketer publishes. Every page is scanned
 * by axe-core and photographed (`day-*.png`).
 */

const segmentId = 'gold-members';
const actionId = 'gold-welcome';
const experimentId = 'gold-welcome-test';
const placement = 'home-hero';
/** The example routes' prefix on the test server (the shop page's SDK URL is relative). */
const shopPrefix = '/shop';
const english = '{ "title": "Welcome back, {{ profile.traits.name | \\"friend\\" }}", "text": "Gold members save 20% today." }';
const german = '{ "title": "Willkommen zurück, {{ profile.traits.name | \\"Freund\\" }}", "text": "Gold-Mitglieder sparen heute 20 %." }';
const width = 1280;

const suite = browserSuite('a marketer\'s day in the studio and the example shop, in Chromium');

describe.skipIf(suite.skip)(suite.title, () => {
  let run: StudioRun;
  let h: Harness;
  let base: string;
  let browser: Browser;
  let sdkDir: string;
  const people = { marketer: '', reviewer: '' };

  beforeAll(async () => {
    sdkDir = mkdtempSync(join(tmpdir(), 'attune-sdk-'));
    await buildBrowserSdk(sdkDir);
    run = await startStudio(async (harness) => {
      people.marketer = (await userWithRole(harness, 'editor')).user.email;
      const reviewer = await userWithRole(harness, 'reviewer');
      await harness.engine.access.changeUser(harness.a.id, { kind: 'operator' }, reviewer.user.id, { reviewerKinds: ['brand'] });
      people.reviewer = reviewer.user.email;
      await harness.app.register(exampleRoutes, { prefix: shopPrefix, sdkDir, example: async () => ({ writeKey: harness.a.writeKey }) });
      // Collected before the day starts: two gold members (Ada one of them) and a silver one.
      const write = basicAuth(harness.a.writeKey);
      for (const [userId, traits] of [['ada', { name: 'Ada', plan: 'gold' }], ['bo', { name: 'Bo', plan: 'gold' }], ['cy', { name: 'Cy', plan: 'silver' }]] as const) {
        await inject(harness, 'POST', '/v1/identify', { userId, traits }, write);
      }
      const secret = bearer(harness.a.secretKey);
      await inject(harness, 'PUT', `/admin/v1/placements/${placement}`, { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome to the shop' } }, secret);
      // Last, since from now on every change goes through a draft.
      await inject(harness, 'PUT', '/admin/v1/review/policy', { required: [{ reviewerKind: 'brand', kinds: ['action'] }] }, secret);
    });
    ({ h, base, browser } = run);
  }, 120_000);
  afterAll(async () => {
    await run?.close();
    if (sdkDir !== undefined) rmSync(sdkDir, { recursive: true, force: true });
  });

  // Signed out, /admin/v1/me answers 401; a definition checked while it is typed may be refused with 400.
  const finish = (local: LocalPage) => finishPage(local, [401, 400]);
  const check = (page: Page, name: string) => checkPage(page, `day-${name}`, width);
  it('segment, action in two locales, review, the shop, an experiment and its results', { timeout: 180_000 }, async () => {
    // Morning: the marketer signs in on the overview, with today's collected profiles.
    const marketer = await openAt(browser, width);
    const { page } = marketer;
    await signIn(page, base, h.a.id, people.marketer);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await check(page, 'overview');

    // A segment of gold members: a draft the policy asks no approval of, published, then its size.
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByLabel('Id (lower case, used in rules)').fill(segmentId);
    await page.getByLabel('Name').fill('Gold members');
    await page.getByLabel('Rule', { exact: true }).fill('profile.traits.plan == "gold"');
    await page.getByTestId('rule-check').getByText('Valid').waitFor();
    await check(page, 'segment-editor');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('status').getByText('it needs no approval').waitFor();
    await publishDraft(page, segmentId);
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByTestId(`size-${segmentId}`).waitFor();
    expect(await page.getByTestId(`size-${segmentId}`).textContent()).toBe('2');
    await check(page, 'segments');

    // An action for the segment in English and German, previewed for Ada in both, submitted for review.
    await page.getByRole('link', { name: 'Actions' }).click();
    await page.getByLabel('Id (lower case)').fill(actionId);
    await page.getByLabel('Name', { exact: true }).fill('Welcome gold members');
    await page.getByLabel('Placements (comma separated)').fill(placement);
    await page.getByLabel('Eligibility rule (empty: everyone)').fill(`in_segment("${segmentId}")`);
    await page.getByLabel('Priority').fill('5');
    await fillActionVariants(page, [['en', english], ['de', german]]);
    await page.getByLabel('Profile (user, anonymous or profile id)').fill('ada');
    expect(await previewAction(page, 'en')).toContain('Welcome back, Ada');
    expect(await previewAction(page, 'de-DE')).toContain('Willkommen zurück, Ada');
    await check(page, 'action-editor');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('status').getByText('an approval by a brand reviewer').waitFor();
    // Not published: the marketer cannot publish it before the sign-off.
    await page.getByRole('link', { name: 'Review' }).click();
    expect(await draftCard(page, actionId).getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);

    // The brand reviewer, in a browser of their own, reads the draft's content and approves it.
    const reviewer = await openAt(browser, width);
    await signIn(reviewer.page, base, h.a.id, people.reviewer);
    await reviewer.page.getByRole('link', { name: 'Review' }).click();
    const card = draftCard(reviewer.page, actionId);
    await card.locator('table.diff tbody tr').first().waitFor();
    expect(await card.locator('table.diff').textContent()).toContain('Willkommen zurück');
    await check(reviewer.page, 'review');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.getByText('Approvals complete.').waitFor();
    // Publishing is the marketer's (config.publish), not the reviewer's.
    expect(await card.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
    await finish(reviewer);

    // The marketer publishes it: the action is live.
    await page.reload();
    await publishDraft(page, actionId);
    await page.getByRole('link', { name: 'Actions' }).click();
    await page.getByTestId(`action-${actionId}`).waitFor();
    expect(await page.getByTestId(`action-${actionId}`).textContent()).toContain('en, de');
    await check(page, 'actions');

    // The example shop in a German browser: anonymous, the default; Ada logs in, a gold member, and sees the German content.
    const shop = await openAt(browser, width, 'de-DE');
    await shop.page.goto(`${base}${shopPrefix}/examples/shop`);
    const hero = shop.page.locator(`[data-attune-placement="${placement}"]`);
    const anonymous = await shop.page.evaluate<RenderResult>('window.shop.rendered');
    expect(anonymous.shown).toEqual([]);
    expect(await hero.innerText()).toContain('Welcome to the shop');
    await shop.page.locator('#login').click();
    await shop.page.waitForFunction('window.shop.attune.userId === "ada"');
    const member = await shop.page.evaluate<RenderResult>('window.shop.rendered');
    expect(member.shown.map((d) => d.actionId)).toEqual([actionId]);
    expect(await hero.innerText()).toContain('Willkommen zurück, Ada');
    expect(await hero.innerText()).toContain('Gold-Mitglieder sparen heute 20 %.');
    await checkPage(shop.page, 'day-shop', width);
    await finishPage(shop, []);

    // An experiment on the placement: generic against personalized, conversion first.
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByText('No experiments yet.').waitFor();
    await page.getByLabel('Experiment id').fill(experimentId);
    await page.getByLabel('Name', { exact: true }).fill('Gold welcome');
    await page.getByLabel('Placement', { exact: true }).selectOption(placement);
    await page.getByLabel('Primary metric', { exact: true }).selectOption('conversion');
    await page.getByTestId('experiment-check').getByText('The definition is valid').waitFor();
    await check(page, 'experiment-editor');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('status').getByText('it needs no approval').waitFor();
    await publishDraft(page, experimentId);
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByTestId(`status-${experimentId}`).waitFor();
    expect(await page.getByTestId(`status-${experimentId}`).textContent()).toBe('running');

    // The day's traffic: gold visitors decided for at the placement, then seeded orders.
    await simulateTraffic(h, { placement, visitors: 200, seed: 7, traits: { plan: 'gold' } });

    await page.getByRole('link', { name: `Results of ${experimentId}` }).click();
    const chart = page.getByTestId('effects-chart');
    await chart.locator('svg[role="img"]').first().waitFor();
    const rows = await chart.locator('.visually-hidden table tbody tr').allTextContents();
    expect(rows.some((r) => r.startsWith('conversion'))).toBe(true);
    const control = Number(await page.getByTestId('units-control').textContent());
    const personalized = Number(await page.getByTestId('units-personalized').textContent());
    expect(control).toBeGreaterThan(0);
    expect(personalized).toBeGreaterThan(0);
    await check(page, 'experiment-results');
    await finish(marketer);
  });
});
