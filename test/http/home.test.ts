import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { buildServer, type AttuneServer } from '../../src/server/buildServer.js';
import { acceptQuality, prefersHtml } from '../../src/server/routes/homeRoutes.js';
import { openStore } from '../../src/engine/openStore.js';

/**
 * GET / says what the server is and links what a person or a client looks for next (it
 * answered a 404 before): a page for a browser, JSON for anything else. And /docs, the
 * rendered API reference, answers with its page and the viewer's files.
 */

const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

interface HomeBody {
  name: string;
  description: string;
  links: { rel: string; href: string; title: string; description: string }[];
}

async function serverWithExample(writeKey: string | null): Promise<{ server: AttuneServer; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-home-'));
  const server = await buildServer({
    store: openStore({ path: join(dataDir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 1000 }),
    clock: systemClock,
    ids: uuidIds,
    logger: false,
    example: async () => (writeKey === null ? null : { writeKey }),
  });
  return {
    server,
    async close() {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('GET /', () => {
  let on: Awaited<ReturnType<typeof serverWithExample>>;
  let off: Awaited<ReturnType<typeof serverWithExample>>;
  beforeAll(async () => {
    on = await serverWithExample('atw_example');
    off = await serverWithExample(null);
  });
  afterAll(async () => {
    await on.close();
    await off.close();
  });

  it('gives a browser a page that says what Attune is and links the example shop, the docs, the OpenAPI document and the health check', async () => {
    const res = await on.server.app.inject({ method: 'GET', url: '/', headers: { accept: browserAccept } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(res.headers['vary'])).toMatch(/Accept/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.body).toContain('<h1>Attune</h1>');
    expect(res.body).toMatch(/personalization engine/);
    for (const href of ['/examples/shop', '/docs', '/openapi.json', '/healthz']) expect(res.body).toContain(`href="${href}"`);
  });

  it('links the example shop only when the example is on', async () => {
    const page = await off.server.app.inject({ method: 'GET', url: '/', headers: { accept: browserAccept } });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('/examples/shop');
    expect(page.body).toContain('href="/docs"');
    const json = (await off.server.app.inject({ method: 'GET', url: '/' })).json<HomeBody>();
    expect(json.links.map((link) => link.rel)).toEqual(['docs', 'openapi', 'health']);
  });

  it('gives any other client the same links as JSON', async () => {
    for (const headers of [{}, { accept: '*/*' }, { accept: 'application/json' }, { accept: 'application/json, text/html;q=0.5' }]) {
      const res = await on.server.app.inject({ method: 'GET', url: '/', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(res.headers['content-type'], JSON.stringify(headers)).toBe('application/json; charset=utf-8');
      const body = res.json<HomeBody>();
      expect(body.name).toBe('Attune');
      expect(body.description).toMatch(/personalization engine/);
      expect(body.links.map((link) => [link.rel, link.href])).toEqual([
        ['example-shop', '/examples/shop'], ['docs', '/docs'], ['openapi', '/openapi.json'], ['health', '/healthz'],
      ]);
    }
  });

  it('links only what answers', async () => {
    const body = (await on.server.app.inject({ method: 'GET', url: '/' })).json<HomeBody>();
    for (const link of body.links) {
      // The example shop needs the SDK bundles only for its script; the page itself answers.
      expect((await on.server.app.inject({ method: 'GET', url: link.href })).statusCode, link.href).toBe(200);
    }
  });
});

describe('GET /docs', () => {
  let s: Awaited<ReturnType<typeof serverWithExample>>;
  beforeAll(async () => { s = await serverWithExample(null); });
  afterAll(async () => { await s.close(); });

  it('answers an HTML page whose scripts and styles all load from this server', async () => {
    const page = await s.server.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.filter((asset) => asset.endsWith('.js')).length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      expect(asset, 'served from this server').toMatch(/^\/docs\//);
      const res = await s.server.app.inject({ method: 'GET', url: asset });
      expect(res.statusCode, asset).toBe(200);
      expect(res.body.length, asset).toBeGreaterThan(0);
    }
  });

  it('points the viewer at the same OpenAPI document', async () => {
    const initializer = await s.server.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain("resolveUrl('./json')");
    const viewerDoc = await s.server.app.inject({ method: 'GET', url: '/docs/json' });
    const doc = await s.server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(viewerDoc.json()).toEqual(doc.json());
  });
});

describe('content negotiation', () => {
  it.each([
    [undefined, false],
    ['*/*', false],
    ['application/json', false],
    ['text/html', true],
    [browserAccept, true],
    ['text/*', true],
    ['application/json;q=0.9, text/html', true],
    ['text/html;q=0.1, application/json', false],
    ['text/html;q=0, */*', false],
  ] as const)('Accept %s prefers HTML: %s', (accept, html) => {
    expect(prefersHtml(accept)).toBe(html);
  });

  it('takes the most specific range, whatever the order', () => {
    expect(acceptQuality('text/html;q=0.2, */*', 'text/html')).toBe(0.2);
    expect(acceptQuality('*/*;q=0.3, text/*;q=0.5', 'text/html')).toBe(0.5);
    expect(acceptQuality('image/png', 'text/html')).toBe(0);
  });
});
