import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { sdkFileNames } from '../../sdk/browser/sdkFileNames.js';
import { shopPage, type DemoUser } from '../../examples/shopPage.js';
import { problemResponses, textResponse } from '../../api/schemas.js';

export interface ExampleRoutesOptions {
  /** The folder buildBrowserSdk wrote the bundles to. */
  readonly sdkDir: string;
  /** The write key the example shop sends with, and its demo user's signed id; null turns the example off (404). */
  readonly example: () => Promise<{ readonly writeKey: string; readonly demoUser?: DemoUser } | null>;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The browser SDK's bundles (GET /sdk/attune.js, the script-tag build, and
 * /sdk/attune.esm.js) and the example shop that uses them (GET /examples/shop). None of
 * these touch a workspace's data: the shop page only embeds a write key, which a page
 * must show anyway.
 */
export async function exampleRoutes(app: FastifyInstance, options: ExampleRoutesOptions): Promise<void> {
  const bundles = [
    ['/sdk/attune.js', sdkFileNames.iife, 'The browser SDK for a script tag (sets window.Attune)'],
    ['/sdk/attune.esm.js', sdkFileNames.esm, 'The browser SDK as an ES module'],
  ] as const;
  for (const [url, file, summary] of bundles) {
    app.get(url, { config: { access: 'public' }, schema: { tags: ['sdk'], summary, response: { 200: textResponse('text/javascript', 'The bundle'), ...problemResponses(404) } } }, async (_request, reply) => {
      // No folder given: nothing to serve (and never a file of the working directory).
      if (options.sdkDir === '') throw new AttuneError('ATTUNE_NOT_FOUND', { detail: 'the browser SDK is not built on this server; run npm run build' });
      let code: Buffer;
      try {
        code = await readFile(join(options.sdkDir, file));
      } catch (error) {
        if (!isMissing(error)) throw error;
        throw new AttuneError('ATTUNE_NOT_FOUND', { detail: `the browser SDK is not built (no ${file} in the SDK folder); run npm run build` });
      }
      return reply
        .type('text/javascript; charset=utf-8')
        // The file name carries no version: caches may keep it a few minutes only.
        .header('cache-control', 'public, max-age=300')
        // Sites on other origins load it with a script tag.
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('x-content-type-options', 'nosniff')
        .send(code);
    });
  }

  app.get('/examples/shop', {
    config: { access: 'public' },
    schema: { tags: ['examples'], summary: 'The example shop: a page personalised by the browser SDK (404 when ATTUNE_EXAMPLES is off)', response: { 200: textResponse('text/html', 'The page'), ...problemResponses(404) } },
  }, async (_request, reply) => {
    const example = await options.example();
    if (example === null) throw new AttuneError('ATTUNE_NOT_FOUND', { detail: 'the example shop is disabled on this server' });
    const nonce = randomBytes(16).toString('base64');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      // Inline code runs only with this response's nonce; the page may talk to this server alone.
      .header('content-security-policy', [
        "default-src 'none'",
        `script-src 'self' 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(shopPage({ writeKey: example.writeKey, demoUser: example.demoUser, nonce }));
  });
}
