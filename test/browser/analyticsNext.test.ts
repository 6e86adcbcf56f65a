import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chromium, type Browser, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../e2e/support.js';
import { browserSuite, chromiumPath } from '../support/browserSuite.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * The real @segment/analytics-next browser bundle, in a headless Chromium, loads its settings
 * from Attune (cdnURL) and sends page, identify and track to Attune's short routes; the
 * profile API then shows all three on one profile. Everything stays on 127.0.0.1: the bundle
 * comes from node_modules, and any other request the page makes is answered from disk (the
 * bundle's own lazy chunks) or blocked and reported.
 */

const bundleDir = join(repoRoot, 'node_modules/@segment/analytics-next/dist/umd');
/** The UMD build of the AnalyticsBrowser API: defines window.AnalyticsNext. */
const bundleFile = join(bundleDir, 'index.js');
/** Where the bundle looks for its lazy chunks (its webpack public path when no Segment script tag is on the page). */
const segmentChunkPrefix = 'https://cdn.segment.com/analytics-next/bundles/';

interface ProfileBody {
  id: string;
  identities: { kind: string; value: string }[];
  traits: Record<string, unknown>;
  eventCounts: Record<string, number>;
  recentEvents: { type: string; name: string | null; userId: string | null; anonymousId: string | null; body: Record<string, unknown> }[];
}

interface LoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly userAgent: string;
  readonly origin: string;
}

function pageHtml(writeKey: string, cdnURL: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>attune analytics-next</title></head>
<body>
<script src="/analytics-next.js"></script>
<script>
  window.__attune = { done: false, error: null };
  (async () => {
    try {
      const [analytics] = await AnalyticsNext.AnalyticsBrowser.load(${JSON.stringify({ writeKey, cdnURL })});
      await analytics.page();
      await analytics.identify('u-browser', { plan: 'pro' });
      await analytics.track('Clicked', { x: 1 });
      window.__attune.done = true;
    } catch (error) {
      window.__attune.error = String((error && error.stack) || error);
    }
  })();
</script>
</body></html>`;
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

const suite = browserSuite('@segment/analytics-next in Chromium against a running server');

describe.skipIf(suite.skip)(suite.title, () => {
  let h: Harness;
  let attuneUrl: string;
  let site: FastifyInstance;
  let siteUrl: string;
  let browser: Browser;
  const requests: LoggedRequest[] = [];

  beforeAll(async () => {
    h = await startHarness();
    h.app.addHook('onRequest', async (request) => {
      requests.push({
        method: request.method,
        url: request.url,
        userAgent: request.headers['user-agent'] ?? '',
        origin: request.headers.origin ?? '',
      });
    });
    attuneUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });

    site = Fastify({ logger: false });
    site.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(pageHtml(h.a.writeKey, attuneUrl)));
    site.get('/analytics-next.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(readFileSync(bundleFile)));
    siteUrl = await site.listen({ host: '127.0.0.1', port: 0 });

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await h?.close();
  });

  async function profile(id: string): Promise<{ status: number; body: ProfileBody }> {
    const response = await fetch(`${attuneUrl}/admin/v1/profiles/${encodeURIComponent(id)}?events=100`, { headers: { authorization: bearer(h.a.secretKey) } });
    return { status: response.status, body: (await response.json()) as ProfileBody };
  }

  it('loads settings from Attune, then page, identify and track land on one profile', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const blocked: string[] = [];
    const pageErrors: string[] = [];
    // Offline: only 127.0.0.1 is reachable; the bundle's lazy chunks are served from node_modules.
    await context.route(/.*/, async (route: Route) => {
      const url = route.request().url();
      const { hostname } = new URL(url);
      if (hostname === '127.0.0.1') return route.continue();
      if (url.startsWith(segmentChunkPrefix)) {
        const file = join(bundleDir, basename(new URL(url).pathname));
        if (existsSync(file)) return route.fulfill({ status: 200, contentType: 'text/javascript', body: readFileSync(file) });
      }
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    try {
      await page.goto(siteUrl);
      await page.waitForFunction('window.__attune !== undefined && (window.__attune.done || window.__attune.error !== null)', undefined, { timeout: 30_000 });
      const state = await page.evaluate<{ done: boolean; error: string | null }>('window.__attune');
      expect(state, 'the page script finished').toEqual({ done: true, error: null });
      const userAgent = await page.evaluate<string>('navigator.userAgent');

      const seen = await poll(
        () => profile('u-browser'),
        (p) => p.status === 200 && (p.body.eventCounts['page'] ?? 0) >= 1 && (p.body.eventCounts['identify'] ?? 0) >= 1 && (p.body.eventCounts['track'] ?? 0) >= 1,
        15_000,
      );
      expect(seen.status).toBe(200);
      expect(seen.body.eventCounts).toEqual({ page: 1, identify: 1, track: 1 });
      expect(seen.body.traits).toMatchObject({ plan: 'pro' });

      const byType = new Map(seen.body.recentEvents.map((e) => [e.type, e]));
      const identify = byType.get('identify')!;
      const track = byType.get('track')!;
      const pageCall = byType.get('page')!;
      expect(identify.userId).toBe('u-browser');
      expect(track).toMatchObject({ name: 'Clicked', userId: 'u-browser' });
      expect(track.body['properties']).toEqual({ x: 1 });
      // The page call came before identify: it reached this profile through the anonymous id.
      expect(pageCall.userId).toBeNull();
      expect(pageCall.anonymousId).toEqual(expect.any(String));
      expect(pageCall.anonymousId).toBe(identify.anonymousId);
      expect((await profile(pageCall.anonymousId!)).body.id).toBe(seen.body.id);
      for (const event of seen.body.recentEvents) {
        expect((event.body['context'] as { library?: { name?: string } } | undefined)?.library?.name).toBe('analytics.js');
      }

      // The settings document was fetched by the browser, cross-origin from the page's site.
      const settings = requests.filter((r) => r.method === 'GET' && r.url === `/v1/projects/${h.a.writeKey}/settings`);
      expect(settings.length).toBeGreaterThanOrEqual(1);
      expect(settings[0]).toMatchObject({ userAgent, origin: siteUrl });
      const posts = requests.filter((r) => r.method === 'POST').map((r) => r.url).sort();
      expect(posts).toEqual(['/v1/i', '/v1/p', '/v1/t']);

      expect(blocked, 'requests that would have left 127.0.0.1').toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
