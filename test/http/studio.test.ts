import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStudio, type StudioBuild } from '../../scripts/buildStudio.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * GET /studio and /studio/*: the built studio (scripts/buildStudio.ts, into a temporary
 * folder here) with its content types and cache headers: hashed assets cached for a year and
 * sent gzipped when accepted, every other path the app's page, never cached, under a content
 * security policy; nothing outside the build's assets folder is reachable.
 */
describe('the studio\'s files', () => {
  let h: Harness;
  let built: StudioBuild;

  beforeAll(async () => {
    built = await buildStudio(mkdtempSync(join(tmpdir(), 'attune-studio-http-')));
    h = await startHarness({ studioDir: built.dir });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(built.dir, { recursive: true, force: true });
  });

  const script = () => built.files.find((f) => /^assets\/main-[A-Z0-9]+\.js$/.test(f.path))!.path;
  const style = () => built.files.find((f) => f.path.endsWith('.css'))!.path;

  it('answers /studio and any page below it with index.html, which loads the hashed script and stylesheet', async () => {
    for (const url of ['/studio', '/studio/', '/studio/customers/some%20one']) {
      const res = await h.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      // Each answer has its own nonce, in the policy and in the meta tag React Aria reads.
      const nonce = /'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(res.body).toContain(`<meta name="csp-nonce" content="${nonce}">`);
      expect(res.body).toContain(`<script type="module" src="/studio/${script()}"></script>`);
      expect(res.body).toContain(`href="/studio/${style()}"`);
    }
  });

  it('sends the hashed assets with their types, cached for a year, gzipped when the browser accepts it', async () => {
    const plain = await h.app.inject({ method: 'GET', url: `/studio/${script()}` });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.equals(readFileSync(join(built.dir, script())))).toBe(true);

    const gzipped = await h.app.inject({ method: 'GET', url: `/studio/${script()}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['vary']).toBe('accept-encoding');
    expect(gunzipSync(gzipped.rawPayload).equals(plain.rawPayload)).toBe(true);
    expect(gzipped.rawPayload.length).toBe(built.javascriptGzipBytes);

    const css = await h.app.inject({ method: 'GET', url: `/studio/${style()}` });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for assets that are not there, and reaches nothing outside the assets folder', async () => {
    for (const url of ['/studio/assets/main-NOPE.js', '/studio/assets/../../package.json', '/studio/assets/%2e%2e%2findex.html', '/studio/assets/.hidden.js', '/studio/assets/sub/dir.js']) {
      const res = await h.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toContain('application/problem+json');
    }
    // A path that resolves above assets/ is a page of the app, never a file.
    for (const url of ['/studio/assets/..', '/studio/assets/../index.html']) {
      const up = await h.app.inject({ method: 'GET', url });
      expect(up.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(up.body, url).toContain('<div id="studio">');
    }
  });

  it('is the first link of the home page', async () => {
    const home = await h.app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
    expect(home.json<{ links: { rel: string; href: string }[] }>().links[0]).toMatchObject({ rel: 'studio', href: '/studio' });
  });

  it('keeps the studio\'s JavaScript within its budget of 300 KB gzipped', () => {
    expect(built.javascriptGzipBytes).toBeGreaterThan(10_000);
    expect(built.javascriptGzipBytes).toBeLessThanOrEqual(300 * 1024);
  });

  it('answers 404 with the reason on a server without a built studio', async () => {
    const bare = await startHarness();
    try {
      const res = await bare.app.inject({ method: 'GET', url: '/studio' });
      expect(res.statusCode).toBe(404);
      expect(res.json<{ detail: string }>().detail).toContain('npm run build');
    } finally {
      await bare.close();
    }
  });
});
