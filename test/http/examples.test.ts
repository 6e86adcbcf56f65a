import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserSdk } from '../../src/sdk/browser/buildBrowserSdk.js';
import { installJsonBodyParser } from '../../src/server/jsonBody.js';
import { installProblemHandlers } from '../../src/server/problem.js';
import { exampleRoutes } from '../../src/server/routes/exampleRoutes.js';
import { expectProblem } from './httpHelpers.js';

/**
 * The SDK bundles and the example shop over HTTP (the browser test drives the shop in
 * Chromium; this one runs without a browser): what is served, with which headers, and
 * the 404s when the SDK is not built or the example is off.
 */

async function appWith(sdkDir: string, writeKey: string | null): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installJsonBodyParser(app);
  installProblemHandlers(app);
  await app.register(exampleRoutes, { sdkDir, example: async () => (writeKey === null ? null : { writeKey }) });
  return app;
}

describe('example routes', () => {
  let sdkDir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    sdkDir = mkdtempSync(join(tmpdir(), 'attune-sdk-'));
    await buildBrowserSdk(sdkDir);
    app = await appWith(sdkDir, 'atw_</script><b>key');
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(sdkDir, { recursive: true, force: true });
  });

  it.each(['/sdk/attune.js', '/sdk/attune.esm.js'])('serves %s as JavaScript that other sites may load', async (url) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body.length).toBeGreaterThan(1000);
  });

  it('answers 404 problem+json when the SDK is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'attune-nosdk-'));
    const bare = await appWith(empty, 'atw_x');
    try {
      const body = expectProblem(await bare.inject({ method: 'GET', url: '/sdk/attune.js' }), 404, 'ATTUNE_NOT_FOUND');
      expect(body.detail).toMatch(/not built/);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serves the shop: placements with default content, the SDK by script tag, inline code under a nonce CSP', async () => {
    const res = await app.inject({ method: 'GET', url: '/examples/shop' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const html = res.body;
    expect(html).toMatch(/<section class="hero" data-attune-placement="home-hero">[\s\S]*Welcome to the shop[\s\S]*<\/section>/);
    expect(html).toContain('data-attune-placement="home-recs"');
    expect(html).toContain('<script src="../sdk/attune.js"></script>');
    // Nothing from elsewhere: every URL the page names is its own.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    // Every inline script and style carries this response's nonce, and the page's code parses.
    const inline = [...html.matchAll(/<script( nonce="([^"]*)")?>([\s\S]*?)<\/script>/g)];
    expect(inline).toHaveLength(1);
    expect(inline[0]![2]).toBe(nonce);
    expect(() => new Script(inline[0]![3]!)).not.toThrow();
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(inline[0]![3]).toContain("attune.render(config.placements, { timeout: config.timeout })");
  });

  it('embeds the write key so that it cannot end the script', async () => {
    const html = (await app.inject({ method: 'GET', url: '/examples/shop' })).body;
    expect(html).toContain('"writeKey":"atw_\\u003c/script>\\u003cb>key"');
    expect(html).not.toContain('atw_</script>');
  });

  it('gives each response its own nonce', async () => {
    const [a, b] = await Promise.all([app.inject({ method: 'GET', url: '/examples/shop' }), app.inject({ method: 'GET', url: '/examples/shop' })]);
    expect(a.headers['content-security-policy']).not.toBe(b.headers['content-security-policy']);
  });

  it('answers 404 problem+json when the example is off', async () => {
    const off = await appWith(sdkDir, null);
    try {
      const body = expectProblem(await off.inject({ method: 'GET', url: '/examples/shop' }), 404, 'ATTUNE_NOT_FOUND');
      expect(body.detail).toMatch(/disabled/);
    } finally {
      await off.close();
    }
  });
});
