import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderResult } from '../../src/sdk/browser/AttuneBrowser.js';
import { buildBrowserSdk } from '../../src/sdk/browser/buildBrowserSdk.js';
import { provisionShopExample, shopWorkspaceId } from '../../src/examples/shopExample.js';
import { exampleRoutes } from '../../src/server/routes/exampleRoutes.js';
import { browserSuite } from '../support/browserSuite.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import { launchChromium, openLocalPage } from './localPage.js';

/**
 * The example shop in a headless Chromium against a running server, through the browser
 * SDK's script-tag build: the hero is personalized, its view and click come back as
 * interaction events on the visitor's profile, the frequency cap (once a day) hands the
 * hero to the next action on reload, and when the decision comes too late the page keeps
 * its default content for good. Everything stays on 127.0.0.1.
 */

/** The example routes are mounted under this prefix with the test workspace's write key, whatever the server itself serves. */
const prefix = '/shop-test';
/** And under this one with the example shop's own workspace, as `attune serve` provisions it (identity verification on). */
const examplePrefix = '/shop-example';
const hero = '[data-attune-placement="home-hero"]';

interface ProfileBody {
  recentEvents: { type: string; name: string | null; anonymousId: string | null; body: { properties?: Record<string, unknown> } }[];
}

async function adminPut(h: Harness, url: string, payload: Record<string, unknown>): Promise<void> {
  const res = await h.app.inject({ method: 'PUT', url, headers: { authorization: bearer(h.a.secretKey) }, payload });
  if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`PUT ${url} answered ${res.statusCode}: ${res.body}`);
}

/**
 * The shop's decision setup in workspace A: a hero placement, a sale shown once a day, and
 * new arrivals for when the sale is capped. (The example shop that `attune serve` provisions
 * has other actions; this test needs a deterministic second choice.)
 */
async function provisionShop(h: Harness): Promise<void> {
  await adminPut(h, '/admin/v1/placements/home-hero', { id: 'home-hero', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome to the shop' } });
  await adminPut(h, '/admin/v1/actions/hero-sale', {
    id: 'hero-sale',
    placements: ['home-hero'],
    priority: 10,
    variants: { default: { title: 'Spring sale for {{ profile.traits.name | "you" }}' } },
    caps: { perProfile: [{ max: 1, window: 'day' }] },
  });
  await adminPut(h, '/admin/v1/actions/hero-new', { id: 'hero-new', placements: ['home-hero'], priority: 1, variants: { default: { title: 'New arrivals' } } });
}

async function poll<T>(read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ready(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** The page's render result (window.shop.rendered, a promise page.evaluate waits for). */
function rendered(page: Page): Promise<RenderResult> {
  return page.evaluate<RenderResult>('window.shop.rendered');
}

const suite = browserSuite('the example shop in Chromium against a running server');

describe.skipIf(suite.skip)(suite.title, () => {
  let h: Harness;
  let url: string;
  let browser: Browser;
  let sdkDir: string;
  let decideAnswers = 0;

  beforeAll(async () => {
    sdkDir = mkdtempSync(join(tmpdir(), 'attune-sdk-'));
    await buildBrowserSdk(sdkDir);
    h = await startHarness();
    await h.app.register(exampleRoutes, { prefix, sdkDir, example: async () => ({ writeKey: h.a.writeKey }) });
    const shop = await provisionShopExample(h.engine);
    await h.app.register(exampleRoutes, { prefix: examplePrefix, sdkDir, example: async () => shop });
    h.app.addHook('onResponse', async (request) => {
      if (request.url === '/v1/decide') decideAnswers += 1;
    });
    await provisionShop(h);
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (sdkDir !== undefined) rmSync(sdkDir, { recursive: true, force: true });
  });

  async function profile(id: string): Promise<{ status: number; body: ProfileBody }> {
    const response = await fetch(`${url}/admin/v1/profiles/${encodeURIComponent(id)}?events=100`, { headers: { authorization: bearer(h.a.secretKey) } });
    return { status: response.status, body: (await response.json()) as ProfileBody };
  }

  it('personalizes the hero, records its view and click, caps it, and keeps the default when the decision is late', { timeout: 90_000 }, async () => {
    const { context, page, blocked, pageErrors, consoleErrors } = await openLocalPage(browser);
    try {
      // 1. A new visitor: the sale wins the hero, and its view is reported.
      await page.goto(`${url}${prefix}/examples/shop`);
      const first = await rendered(page);
      expect(first.response.placements.find((p) => p.placement === 'home-hero')).toMatchObject({ fallback: null, decisions: [{ actionId: 'hero-sale' }] });
      expect(first.shown.map((d) => d.actionId)).toEqual(['hero-sale']);
      expect(await page.locator(hero).innerText()).toContain('Spring sale for you');
      // home-recs is not configured in this workspace: its element keeps the page's own HTML.
      expect(await page.locator('[data-attune-placement="home-recs"]').innerText()).toContain('Popular right now');
      const anonymousId = await page.evaluate<string>('window.shop.attune.anonymousId');
      expect(await page.evaluate<string | null>('localStorage.getItem("attune_anonymous_id")')).toBe(anonymousId);

      // 2. A click on the hero's link is reported as a click on that decision.
      await page.locator(`${hero} a`).click();
      const decisionId = first.shown[0]!.decisionId;
      const seen = await poll(
        () => profile(anonymousId),
        (p) => p.status === 200 && ['Decision Viewed', 'Decision Clicked'].every((name) => p.body.recentEvents.some((e) => e.name === name)),
        15_000,
      );
      expect(seen.status).toBe(200);
      for (const name of ['Decision Viewed', 'Decision Clicked']) {
        const event = seen.body.recentEvents.find((e) => e.name === name);
        expect(event, name).toMatchObject({ type: 'track', anonymousId, body: { properties: { decisionId, actionId: 'hero-sale', placement: 'home-hero', channel: 'web' } } });
      }
      expect(seen.body.recentEvents.some((e) => e.type === 'page')).toBe(true);

      // 3. Reload: the sale is capped at one view a day, so the next action takes the hero.
      await page.reload();
      const second = await rendered(page);
      expect(second.shown.map((d) => d.actionId)).toEqual(['hero-new']);
      expect(await page.locator(hero).innerText()).toContain('New arrivals');
      expect(await page.evaluate<string>('window.shop.attune.anonymousId')).toBe(anonymousId);

      // 4. The decision takes 3 s to come: after the 800 ms timeout the page keeps its default, for good.
      const answersBefore = decideAnswers;
      await page.route('**/v1/decide', async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await route.continue().catch(() => {});
      });
      await page.reload();
      const third = await rendered(page);
      expect(third.response.placements.map((p) => [p.placement, p.fallback, p.decisions.length])).toEqual([['home-hero', 'timeout', 0], ['home-recs', 'timeout', 0]]);
      expect(third.shown).toEqual([]);
      const defaultHtml = await page.locator(hero).innerHTML();
      expect(defaultHtml).toContain('Welcome to the shop');
      await page.evaluate(`(() => {
        window.__heroChanges = 0;
        new MutationObserver((records) => { window.__heroChanges += records.length; })
          .observe(document.querySelector('${hero}'), { childList: true, subtree: true, characterData: true, attributes: true });
      })()`);
      // The late answer reaches the page (the server answered it) and changes nothing.
      await poll(async () => decideAnswers, (n) => n > answersBefore, 10_000);
      await page.waitForTimeout(500);
      expect(decideAnswers).toBeGreaterThan(answersBefore);
      expect(await page.evaluate<number>('window.__heroChanges')).toBe(0);
      expect(await page.locator(hero).innerHTML()).toBe(defaultHtml);

      expect(blocked, 'requests that would have left 127.0.0.1').toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the example shop\'s own loop: View the trail runner, reload, see the shoe banner; log in as Ada, verified', { timeout: 90_000 }, async () => {
    const context = await browser.newContext();
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    const storedEvents = async (id: string) => (await h.store.profiles.findProfile(shopWorkspaceId, id, 100))?.recentEvents ?? [];
    try {
      // A new visitor: the daily sale, seen once.
      await page.goto(`${url}${examplePrefix}/examples/shop`);
      const first = await rendered(page);
      expect(first.shown.map((d) => d.actionId)).toEqual(['spring-sale']);
      expect(await page.locator(hero).innerText()).toContain('Spring sale, friend');
      const anonymousId = await page.evaluate<string>('window.shop.attune.anonymousId');

      // "View" on the trail runner; the page says what to do next.
      await page.locator('button[data-action="view"][data-product*="trail-runner"]').click();
      expect(await page.locator('#hint').innerText()).toContain('Reload the page to see what it shows you now');
      const viewed = await poll(() => storedEvents(anonymousId), (events) => events.some((e) => e.name === 'Product Viewed') && events.some((e) => e.name === 'Decision Viewed'), 15_000);
      expect(viewed.some((e) => e.name === 'Product Viewed')).toBe(true);

      // The reload views the shop's home page again; the hero is the shoe banner all the same.
      await page.reload();
      const second = await rendered(page);
      expect(second.shown.map((d) => d.actionId)).toEqual(['shoe-lover']);
      expect(await page.locator(hero).innerText()).toContain('Still thinking about those shoes?');
      expect(second.response.identity).toBe('anonymous');

      // "Log in as Ada": the server signed her id, so her picks are hers.
      await page.locator('#login').click();
      await page.waitForFunction('window.shop.attune.userId === "ada"');
      const loggedIn = await rendered(page);
      expect(loggedIn.response.identity).toBe('verified');
      expect(await page.locator('[data-attune-placement="home-recs"]').innerText()).toContain('Picked for you, Ada');
      expect(await page.locator('#status').innerText()).toContain('identity: verified');
      // The next page of the signed-in visitor is verified too.
      await page.reload();
      expect((await rendered(page)).response.identity).toBe('verified');

      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
