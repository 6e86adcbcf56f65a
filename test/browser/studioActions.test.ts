import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../src/api/decideSchemas.js';
import { browserSuite } from '../support/browserSuite.js';
import { basicAuth, bearer, type Harness } from '../support/harness.js';
import { userWithRole } from '../http/accessHelpers.js';
import type { LocalPage } from './localPage.js';
import { checkPage, fillActionVariants, finishPage, inject, openAt, previewAction, signIn, startStudio, type StudioRun } from './studioHelpers.js';

/**
 * The studio's Actions page in a headless Chromium against a running server (no review
 * policy, so saving is direct): an editor writes an action with an English and a German
 * variant, previews it for a profile in each locale (rendered by the server, as a decision
 * renders it), saves it, and a decide call then answers the previewed text; the editor
 * changes a placement's strategy. An analyst sees what the role cannot do, and why. Each view
 * is scanned by axe-core and photographed at 1280 and 390 pixels.
 */

const suite = browserSuite('the studio\'s actions page in Chromium');
const english = '{ "title": "Welcome back, {{ profile.traits.name | \\"friend\\" }}" }';
const german = '{ "title": "Willkommen zurück, {{ profile.traits.name | \\"Freund\\" }}" }';

describe.skipIf(suite.skip)(suite.title, () => {
  let run: StudioRun;
  let h: Harness;
  let base: string;
  let browser: Browser;
  const people = { editor: '', analyst: '' };

  beforeAll(async () => {
    run = await startStudio(async (harness) => {
      for (const role of ['editor', 'analyst'] as const) people[role] = (await userWithRole(harness, role)).user.email;
      await inject(harness, 'POST', '/v1/identify', { userId: 'ada', traits: { name: 'Ada', plan: 'gold' } }, basicAuth(harness.a.writeKey));
      await inject(harness, 'PUT', '/admin/v1/placements/home-hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Hello' } }, bearer(harness.a.secretKey));
    });
    ({ h, base, browser } = run);
  }, 120_000);
  afterAll(async () => { await run?.close(); });

  const finish = (local: LocalPage) => finishPage(local, [401, 400]);
  const check = checkPage;

  it('creates an action in two locales, previews it for a profile in each, saves it, and decide answers the previewed text', { timeout: 120_000 }, async () => {
    const editor = await openAt(browser, 1280);
    const { page } = editor;
    await signIn(page, base, h.a.id, people.editor);
    await page.getByRole('link', { name: 'Actions' }).click();
    await page.getByLabel('Id (lower case)').fill('welcome');
    await page.getByLabel('Name', { exact: true }).fill('Welcome back');
    await page.getByLabel('Placements (comma separated)').fill('home-hero');
    // Live validation through the admin API: a rule fault shows its caret, then the fixed rule is valid.
    await page.getByLabel('Eligibility rule (empty: everyone)').fill('profile.traits.plan ==');
    await page.locator('.caret').waitFor();
    await page.getByLabel('Eligibility rule (empty: everyone)').fill('profile.traits.plan == "gold"');
    await page.getByLabel('Priority').fill('5');
    await page.getByLabel('Shows per profile (empty: no cap)').fill('3');
    await fillActionVariants(page, [['en', english], ['de', german]]);

    await page.getByLabel('Profile (user, anonymous or profile id)').fill('ada');
    expect(await previewAction(page, 'en')).toContain('Welcome back, Ada');
    expect(await previewAction(page, 'de-CH')).toContain('Willkommen zurück, Ada');
    expect(await page.getByTestId('preview').textContent()).toContain('Variant de');
    await check(page, 'actions-editor', 1280);
    // The same filled editor on a phone.
    await page.setViewportSize({ width: 390, height: 900 });
    await check(page, 'actions-editor', 390);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('button', { name: 'Save action' }).click();
    await page.getByRole('status').getByText('Action "welcome" saved.').waitFor();
    await page.getByTestId('action-welcome').waitFor();
    expect(await page.getByTestId('action-welcome').textContent()).toContain('en, de');
    await finish(editor);

    // The saved action answers a decision with the text the preview showed.
    const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { userId: 'ada', placements: ['home-hero'], context: { locale: 'de-CH' } } });
    expect(res.json<DecideResponse>().placements[0]?.decisions[0]?.content).toEqual({ title: 'Willkommen zurück, Ada' });
  });

  it('edits a placement\'s strategy, and shows an analyst what the role cannot do and why', { timeout: 120_000 }, async () => {
    const editor = await openAt(browser, 1280);
    await signIn(editor.page, base, h.a.id, people.editor);
    await editor.page.goto(`${base}/studio/actions`);
    await editor.page.getByRole('button', { name: 'Edit strategy of home-hero' }).click();
    await editor.page.getByLabel('Strategy', { exact: true }).selectOption('weighted');
    await editor.page.getByLabel('Settings (JSON)').fill('{ "weightFrom": "value" }');
    await editor.page.getByRole('button', { name: 'Save strategy' }).click();
    await editor.page.getByRole('status').getByText('now uses weighted').waitFor();
    expect(await editor.page.getByTestId('strategy-home-hero').textContent()).toBe('weighted {"weightFrom":"value"}');
    await check(editor.page, 'actions-placements', 1280);
    await finish(editor);

    const analyst = await openAt(browser, 390);
    await signIn(analyst.page, base, h.a.id, people.analyst);
    await analyst.page.getByRole('link', { name: 'Actions' }).click();
    await analyst.page.getByTestId('editor-reason').waitFor();
    expect(await analyst.page.getByTestId('editor-reason').textContent()).toContain('config.write');
    expect(await analyst.page.getByTestId('preview-reason').textContent()).toContain('personalData.read');
    expect(await analyst.page.getByRole('button', { name: 'Save action' }).isDisabled()).toBe(true);
    expect(await analyst.page.getByRole('button', { name: 'Edit strategy of home-hero' }).isDisabled()).toBe(true);
    await check(analyst.page, 'actions-analyst', 390);
    await finish(analyst);
  });
});
