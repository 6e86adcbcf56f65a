import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Type } from 'typebox';
import { problemResponses, textResponse } from '../../api/schemas.js';
import { AttuneError } from '../../core/errors/AttuneError.js';

export interface StudioRoutesOptions {
  /** The folder scripts/buildStudio.ts wrote (dist/studio); null: the studio answers 404. */
  readonly studioDir: string | null;
}

/** Where the studio is served. */
export const studioPath = '/studio';

/**
 * In the built index.html, where each answer puts its own CSP nonce: React Aria inserts two
 * small <style> elements (touch behaviour, scroll locking) and reads the nonce for them from
 * `<meta name="csp-nonce">`; nothing else inline may run or style.
 */
export const noncePlaceholder = '%ATTUNE_CSP_NONCE%';

const contentTypes: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A built asset's name: one level under assets/, no leading dot (so never `..`), nothing but a file name's characters. */
const assetName = /^assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The studio page: the app reads everything through the admin API of this origin, so it may
 * load and connect to this server alone. Styles are the hashed stylesheet and React Aria's
 * <style> elements with this answer's nonce; React and uPlot set inline styles through the
 * CSSOM, which the policy allows.
 */
const contentSecurityPolicy = (nonce: string) => [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' 'nonce-${nonce}'`,
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

const notBuilt = () => new AttuneError('ATTUNE_NOT_FOUND', { detail: 'the studio is not built on this server; run npm run build' });

/**
 * The studio (docs/studio.md): a single-page app under /studio, built into dist/studio by
 * `npm run build`. Hashed assets are cached for a year and sent gzipped to browsers that
 * accept it (the build writes the .gz twins); any other path below /studio is a page of the
 * app, answered with index.html, which is never cached, so a new build shows at the next load.
 * Everything here is public: the files hold no workspace's data, the app signs in and reads
 * through the admin API, where each route checks its permission.
 */
export async function studioRoutes(app: FastifyInstance, options: StudioRoutesOptions): Promise<void> {
  const { studioDir } = options;

  const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
    const page = studioDir === null ? null : await readOrNull(join(studioDir, 'index.html'));
    if (page === null) throw notBuilt();
    const nonce = randomBytes(16).toString('base64');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy(nonce))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(page.toString('utf8').replaceAll(noncePlaceholder, nonce));
  };

  const sendAsset = async (request: FastifyRequest, reply: FastifyReply, name: string) => {
    const type = contentTypes[extname(name)];
    if (studioDir === null) throw notBuilt();
    const file = join(studioDir, name);
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? await readOrNull(`${file}.gz`) : null;
    const body = gzip ?? await readOrNull(file);
    if (type === undefined || body === null) throw new AttuneError('ATTUNE_NOT_FOUND', { detail: `the studio has no file ${name}` });
    if (gzip !== null) reply.header('content-encoding', 'gzip');
    return reply
      .type(type)
      .header('vary', 'accept-encoding')
      // The name carries the content's hash: a changed file has a new name.
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  };

  const html = { 200: textResponse('text/html', 'The studio\'s page'), ...problemResponses(404) };
  app.get(studioPath, {
    config: { access: 'public' },
    schema: { tags: ['studio'], summary: 'The studio: the web app for the people who run personalization (404 until built)', response: html },
  }, sendIndex);

  app.get(`${studioPath}/*`, {
    config: { access: 'public' },
    // Left out of /openapi.json: its files and page paths are the app's, not an API (GET /studio documents the app).
    schema: { hide: true, params: Type.Object({ '*': Type.String() }) },
  }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    if (rest.startsWith('assets/')) {
      if (!assetName.test(rest)) throw new AttuneError('ATTUNE_NOT_FOUND', { detail: 'no such studio asset' });
      return sendAsset(request, reply, rest);
    }
    return sendIndex(request, reply);
  });
}
