import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browserSuite.js';
import { basicAuth, bearer, type Harness } from '../support/harness.js';
import { userWithRole } from '../http/accessHelpers.js';
import type { LocalPage } from './localPage.js';
import { checkPage, finishPage, inject, openAt, signIn, simulateTraffic, startStudio, type StudioRun } from './studioHelpers.js';

/**
 * The studio's Experiments page and an experiment's results in a headless Chromium against a
 * running server: an editor writes an experiment in the editor, sees the server's check and
 * the plan check for the chosen audience before saving, and creates it (the workspace needs
 * no review, so the direct route); traffic is simulated through the public API (decisions,
 * then orders drawn from a seeded generator); the results page draws each metric's effect and
 * intervals, with the numbers in a visually hidden table, the primary metric's cumulative
 * effect per day (its last day the effect in the table), the sample-ratio check, the chance
 * to win, and the ROI report with the holdout. Explanations open on hover and on keyboard
 * focus. Each page is scanned by axe-core and photographed at 1280 and 390 pixels.
 */

const experimentId = 'hero-test';
const visitors = 240;

const suite = browserSuite('the studio\'s experiments and results pages in Chromium');

/** A placement with one action, 30 gold members in a segment, a 10% holdout with a monthly cost. */
async function prepareWorkspace(h: Harness): Promise<void> {
  const write = basicAuth(h.a.writeKey);
  const secret = bearer(h.a.secretKey);
  await inject(h, 'PUT', '/admin/v1/placements/hero', { id: 'hero', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } }, secret);
  await inject(h, 'PUT', '/admin/v1/actions/hero-sale', { id: 'hero-sale', placements: ['hero'], priority: 5, variants: { default: { title: 'Sale' } } }, secret);
  for (let i = 0; i < 30; i++) await inject(h, 'POST', '/v1/identify', { userId: `member-${i}`, traits: { plan: 'gold' } }, write);
  await inject(h, 'POST', '/admin/v1/segments', { id: 'gold', name: 'Gold members', rule: 'profile.traits.plan == "gold"' }, secret);
  await inject(h, 'PUT', '/admin/v1/measurement', { holdoutShare: 0.1, monthlyCost: 100, currency: 'EUR' }, secret);
}

describe.skipIf(suite.skip)(suite.title, () => {
  let run: StudioRun;
  let h: Harness;
  let base: string;
  let browser: Browser;
  const people = { editor: '', analyst: '' };

  beforeAll(async () => {
    run = await startStudio(async (harness) => {
      for (const role of ['editor', 'analyst'] as const) people[role] = (await userWithRole(harness, role)).user.email;
      await prepareWorkspace(harness);
    });
    ({ h, base, browser } = run);
  }, 120_000);
  afterAll(async () => { await run?.close(); });

  // Signed out, /admin/v1/me answers 401, and a plan check without a baseline rate (no model predicts one here) 400:
  // Chromium logs both as failed loads; the page shows the second's reason.
  const finish = (local: LocalPage): Promise<void> => finishPage(local, [401, 400]);
  const check = checkPage;

  it('creates an experiment with the plan check, then shows its results after simulated traffic', { timeout: 180_000 }, async () => {
    const editor = await openAt(browser, 1280);
    const { page } = editor;
    await signIn(page, base, h.a.id, people.editor);
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByText('No experiments yet.').waitFor();
    await page.getByLabel('Experiment id').fill(experimentId);
    await page.getByLabel('Name', { exact: true }).fill('Hero personalization');
    await page.getByLabel('Placement', { exact: true }).selectOption('hero');
    await page.getByLabel('Primary metric', { exact: true }).selectOption('conversion');
    await page.getByLabel('Guardrail: revenue').check();
    await page.getByLabel('Effect to detect (% of the primary metric)').fill('10');
    await page.getByLabel('Planned days').fill('14');
    await page.getByLabel('Control\'s conversion rate (%, empty: predicted)').fill('5');
    await page.getByLabel('Audience for the plan check').selectOption('gold');
    // The plan check: 30 members cannot give the tens of thousands of units a 10% effect on 5% needs.
    // (Before the rate was typed, the check said it needs one: no model predicts it here.)
    await page.getByTestId('plan-check').getByText('Not reachable').waitFor();
    expect(await page.getByTestId('plan-check').textContent()).toContain('baseline conversion 5.00% (given)');
    await page.getByTestId('experiment-check').getByText('The definition is valid').waitFor();

    // The plan's explanation opens on keyboard focus, and closes with Escape.
    await page.getByRole('button', { name: 'About Plan' }).focus();
    await page.getByRole('tooltip').waitFor();
    expect(await page.getByRole('tooltip').textContent()).toContain('planned power');
    await check(page, 'experiment-editor', 1280);
    await page.keyboard.press('Escape');
    await page.getByRole('tooltip').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Create experiment' }).click();
    await page.getByRole('status').getByText(`Experiment "${experimentId}" created.`).waitFor();
    await page.getByTestId(`status-${experimentId}`).waitFor();
    expect(await page.getByTestId(`status-${experimentId}`).textContent()).toBe('running');

    // Editing loads the definition into the editor; saving replaces it through the same direct route.
    await page.getByRole('button', { name: `Edit ${experimentId}` }).click();
    expect(await page.getByLabel('Experiment id').inputValue()).toBe(experimentId);
    await page.getByLabel('Name', { exact: true }).fill('Hero personalization test');
    await page.getByTestId('experiment-check').getByText('The definition is valid').waitFor();
    await page.getByRole('button', { name: 'Save experiment' }).click();
    await page.getByRole('status').getByText(`Experiment "${experimentId}" updated.`).waitFor();
    await page.getByRole('rowheader', { name: /Hero personalization test/ }).waitFor();

    await simulateTraffic(h, { placement: 'hero', visitors, seed: 17 });

    await page.getByRole('link', { name: `Results of ${experimentId}` }).click();
    const chart = page.getByTestId('effects-chart');
    await chart.locator('svg[role="img"]').first().waitFor();
    const hidden = chart.locator('.visually-hidden table');
    // One chart per scale: conversion is read relative, revenue per visitor too; the hidden table repeats every row.
    const rows = await hidden.locator('tbody tr').allTextContents();
    expect(rows.some((r) => r.startsWith('conversion'))).toBe(true);
    expect(rows.some((r) => r.startsWith('revenue'))).toBe(true);
    expect(rows.join(' ')).toMatch(/[+-]\d+\.\d%/);
    // The cumulative effect: the primary metric's line per treatment arm, its numbers in a hidden table, the last day the effect above.
    const cumulative = page.getByTestId('cumulative-effect');
    await cumulative.locator('svg[role="img"]').first().waitFor();
    // Attached, not 'visible': a flat line has no height, which Playwright counts as hidden.
    expect(await cumulative.locator('svg[role="img"] polyline.estimate').count()).toBeGreaterThan(0);
    const days = cumulative.locator('.visually-hidden tbody tr');
    expect(await days.count()).toBeGreaterThan(0);
    const [lastEffect] = await days.last().locator('td').allTextContents();
    expect(lastEffect).toMatch(/^[+-]?\d+\.\d%$/);
    expect(rows.find((r) => r.startsWith('conversion'))!.slice('conversion'.length).startsWith(lastEffect!)).toBe(true);
    // Explained on hover (not focus: a keyboard's focus would keep the chance to win's hover below from opening).
    await page.getByRole('button', { name: 'About Cumulative effect' }).hover();
    await page.getByRole('tooltip').waitFor();
    expect(await page.getByRole('tooltip').textContent()).toContain('end of each day');
    await page.mouse.move(0, 0);
    await page.getByRole('tooltip').waitFor({ state: 'detached' });
    expect(await page.getByTestId('srm-status').textContent()).toMatch(/^(OK|Mismatch)$/);
    expect(await page.getByTestId('chance-conversion:personalized').textContent()).toMatch(/%$/);
    const control = Number(await page.getByTestId('units-control').textContent());
    const personalized = Number(await page.getByTestId('units-personalized').textContent());
    // Every visitor not held out is a unit of one arm.
    expect(control + personalized).toBeGreaterThan(visitors * 0.75);
    expect(control + personalized).toBeLessThanOrEqual(visitors);
    await page.getByTestId(`roi-${experimentId}`).waitFor();
    expect(await page.getByTestId('holdout-share').textContent()).toBe('10%');
    expect(await page.getByTestId('roi-program').getByTestId('incremental-revenue').textContent()).toMatch(/^-?[\d,]+\.\d\d EUR$/);

    // The chance to win explained on hover.
    await page.getByRole('button', { name: 'About Chance to win' }).hover();
    await page.getByRole('tooltip').waitFor();
    expect(await page.getByRole('tooltip').textContent()).toContain('probability');
    await page.mouse.move(0, 0);
    await page.getByRole('tooltip').waitFor({ state: 'detached' });
    await check(page, 'experiment-results', 1280);
    await finish(editor);

    // An analyst at 390 pixels: the results fit the width; the editor is closed to the role, with the reason.
    const analyst = await openAt(browser, 390);
    await signIn(analyst.page, base, h.a.id, people.analyst);
    await analyst.page.goto(`${base}/studio/experiments/${experimentId}`);
    await analyst.page.getByTestId('effects-chart').locator('svg[role="img"]').first().waitFor();
    await analyst.page.getByTestId(`roi-${experimentId}`).waitFor();
    await check(analyst.page, 'experiment-results', 390);
    await analyst.page.getByRole('link', { name: 'Experiments' }).click();
    await analyst.page.getByTestId('editor-reason').waitFor();
    expect(await analyst.page.getByTestId('editor-reason').textContent()).toContain('config.write');
    await check(analyst.page, 'experiments', 390);
    await finish(analyst);
  });
});
