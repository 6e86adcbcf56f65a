import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browserSuite.js';
import { basicAuth, bearer, type Harness } from '../support/harness.js';
import { userWithRole } from '../http/accessHelpers.js';
import type { LocalPage } from './localPage.js';
import { checkPage, draftCard, finishPage, inject, openAt, publishDraft, signIn, startStudio, type StudioRun } from './studioHelpers.js';

/**
 * The studio's Segments and Review pages in a headless Chromium against a running server whose
 * workspace requires one approval: an editor writes a segment in the editor (live validation
 * shows a fault with its caret), which becomes a draft; a reviewer, another person, sees its
 * diff and approves it; the editor publishes it; the segment shows with its size; the owner
 * filters the audit trail down to the steps. What a role may not do is disabled with the
 * reason. Each page is scanned by axe-core and photographed at 1280 and 390 pixels.
 */

const segmentId = 'gold-members';
const today = new Date().toISOString().slice(0, 10);
const rule = 'profile.traits.plan == "gold"';

const suite = browserSuite('the studio\'s segments and review pages in Chromium');

describe.skipIf(suite.skip)(suite.title, () => {
  let run: StudioRun;
  let h: Harness;
  let base: string;
  let browser: Browser;
  const people = { owner: '', editor: '', reviewer: '', analyst: '' };
  let reviewerId = '';

  beforeAll(async () => {
    run = await startStudio(async (harness) => {
      for (const role of ['owner', 'editor', 'reviewer', 'analyst'] as const) {
        const { user } = await userWithRole(harness, role);
        people[role] = user.email;
        if (role === 'reviewer') reviewerId = user.id;
      }
      const write = basicAuth(harness.a.writeKey);
      for (const [userId, plan] of [['p1', 'gold'], ['p2', 'gold'], ['p3', 'silver']] as const) await inject(harness, 'POST', '/v1/identify', { userId, traits: { plan } }, write);
      await inject(harness, 'PUT', '/admin/v1/review/policy', { approvers: 1, changeLimits: { segment: 5, workspace: 20 } }, bearer(harness.a.secretKey));
    });
    ({ h, base, browser } = run);
  }, 120_000);
  afterAll(async () => { await run?.close(); });

  const open = (width: number): Promise<LocalPage> => openAt(browser, width);

  // Signed out, /admin/v1/me answers 401 and a rule that does not compile 400.
  const finish = (local: LocalPage) => finishPage(local, [401, 400]);
  const check = checkPage;

  const segmentCard = (page: Page) => draftCard(page, segmentId);

  it('takes a segment from the editor through review to published, and finds the steps in the audit trail', { timeout: 180_000 }, async () => {
    // The editor writes the segment: live validation first shows the fault, then the rule's reads.
    const editor = await open(1280);
    await signIn(editor.page, base, h.a.id, people.editor);
    await editor.page.getByRole('link', { name: 'Segments' }).click();
    await editor.page.getByLabel('Id (lower case, used in rules)').fill(segmentId);
    await editor.page.getByLabel('Name').fill('Gold members');
    await editor.page.getByLabel('Rule', { exact: true }).fill('profile.traits.plan ==');
    await editor.page.locator('.caret').waitFor();
    expect(await editor.page.locator('.caret').textContent()).toContain('^');
    expect(await editor.page.getByRole('button', { name: 'Save as draft' }).isDisabled()).toBe(true);
    await editor.page.getByLabel('Rule', { exact: true }).fill(rule);
    await editor.page.getByTestId('rule-check').getByText('Valid').waitFor();
    expect(await editor.page.getByTestId('rule-check').textContent()).toContain('profile.traits.plan');
    await check(editor.page, 'segment-editor', 1280);
    await editor.page.getByRole('button', { name: 'Save as draft' }).click();
    await editor.page.getByRole('status').getByText('awaits review').waitFor();
    // Not published yet: the list has no such segment.
    expect(await editor.page.getByTestId(`size-${segmentId}`).count()).toBe(0);

    // On the Review page it is the editor's own: editors approve nothing, and it is not publishable before approval.
    await editor.page.getByRole('link', { name: 'Review' }).click();
    await segmentCard(editor.page).waitFor();
    expect(await segmentCard(editor.page).getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await segmentCard(editor.page).textContent()).toContain('review.approve');
    expect(await segmentCard(editor.page).getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
    expect(await editor.page.getByTestId('audit-reason').textContent()).toContain('audit.read');
    await finish(editor);

    // The reviewer sees what the draft changes and approves it; publishing is not theirs.
    const reviewer = await open(1280);
    await signIn(reviewer.page, base, h.a.id, people.reviewer);
    await reviewer.page.getByRole('link', { name: 'Review' }).click();
    const card = segmentCard(reviewer.page);
    await card.locator('table.diff tbody tr').first().waitFor();
    expect(await card.locator('table.diff').textContent()).toContain(rule);
    expect(await card.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
    expect(await card.textContent()).toContain('config.publish');
    await reviewer.page.getByText('Each segment').waitFor();
    await check(reviewer.page, 'review', 1280);
    // Asking for changes leaves a comment on the draft, which stays open.
    await card.getByLabel('What should change').fill('Name the tier in the title.');
    await card.getByRole('button', { name: 'Request changes' }).click();
    await card.getByTestId('changes-requested').waitFor();
    expect(await card.getByTestId('changes-requested').textContent()).toContain('Name the tier in the title.');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.getByText('Approvals complete.').waitFor();
    expect(await card.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    await finish(reviewer);

    // The editor publishes it; the segment shows with its size (every profile is evaluated first).
    const publisher = await open(1280);
    await signIn(publisher.page, base, h.a.id, people.editor);
    await publishDraft(publisher.page, segmentId);
    await publisher.page.getByRole('link', { name: 'Segments' }).click();
    await publisher.page.getByTestId(`size-${segmentId}`).waitFor();
    expect(await publisher.page.getByTestId(`size-${segmentId}`).textContent()).toBe('2');
    // Its history: two members at the end of today, both entered today (the evaluation at publishing).
    const history = publisher.page.getByTestId('segment-history');
    await history.locator('canvas').first().waitFor();
    expect(await history.locator('.visually-hidden table').nth(0).locator('tbody tr').last().textContent()).toBe(`${today}2`);
    expect(await history.locator('.visually-hidden table').nth(1).locator('tbody tr').last().textContent()).toBe(`${today}20`);
    await check(publisher.page, 'segments', 1280);
    await finish(publisher);

    // The owner filters the audit trail: the draft's steps, then the reviewer's alone.
    const owner = await open(1280);
    await signIn(owner.page, base, h.a.id, people.owner);
    await owner.page.goto(`${base}/studio/review`);
    const entries = owner.page.getByTestId('audit-entries');
    await entries.waitFor();
    await owner.page.getByLabel('Action (or a prefix ending in a dot)').fill('draft.');
    await owner.page.getByRole('button', { name: 'Filter' }).click();
    await entries.locator('caption', { hasText: '4 entries' }).waitFor();
    expect(await entries.locator('tbody td:nth-child(3)').allTextContents()).toEqual(['draft.created', 'draft.changesRequested', 'draft.approved', 'draft.published']);
    await owner.page.getByLabel('Actor id').fill(reviewerId);
    await owner.page.getByRole('button', { name: 'Filter' }).click();
    await entries.locator('caption', { hasText: '2 entries' }).waitFor();
    expect(await entries.locator('tbody td:nth-child(3)').allTextContents()).toEqual(['draft.changesRequested', 'draft.approved']);
    await owner.page.getByLabel('Actor id').fill('');
    await owner.page.getByLabel('Target kind').fill('segment');
    await owner.page.getByLabel('From day').fill(today);
    await owner.page.getByLabel('To day').fill(today);
    await owner.page.getByLabel('Action (or a prefix ending in a dot)').fill('');
    await owner.page.getByRole('button', { name: 'Filter' }).click();
    // The editor's live check showed the rule's first matching profiles once (a read, recorded), then the segment was created.
    // The caption of the previous filter also read 2 entries: poll the rows, not the caption.
    await expect.poll(() => entries.locator('tbody td:nth-child(3)').allTextContents(), { timeout: 10_000 }).toEqual(['segment.previewViewed', 'segment.created']);
    await check(owner.page, 'review-audit', 1280);
    await finish(owner);
  });

  it('shows the segments and review pages to an analyst at 390 pixels, with what the role cannot do and why', { timeout: 120_000 }, async () => {
    const analyst = await open(390);
    await signIn(analyst.page, base, h.a.id, people.analyst);
    await analyst.page.getByRole('link', { name: 'Segments' }).click();
    await analyst.page.getByTestId('editor-reason').waitFor();
    expect(await analyst.page.getByTestId('editor-reason').textContent()).toContain('config.write');
    await analyst.page.locator('section', { hasText: 'All segments' }).locator('.loading').waitFor({ state: 'detached' });
    await check(analyst.page, 'segments', 390);
    await analyst.page.getByRole('link', { name: 'Review' }).click();
    await analyst.page.getByRole('heading', { name: 'Awaiting approval' }).waitFor();
    await analyst.page.getByTestId('review-required').waitFor();
    expect(await analyst.page.getByTestId('audit-reason').textContent()).toContain('audit.read');
    await check(analyst.page, 'review', 390);
    await finish(analyst);

    // An owner at 390 pixels: the audit filters and table fit the width.
    const owner = await open(390);
    await signIn(owner.page, base, h.a.id, people.owner);
    await owner.page.goto(`${base}/studio/review`);
    await owner.page.getByTestId('audit-entries').waitFor();
    await check(owner.page, 'review-audit', 390);
    await finish(owner);
  });
});
