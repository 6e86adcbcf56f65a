import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface CorsPolicy {
  /** Origins that may call the public routes (collection, decide, the SDK files); `*` allows any. */
  readonly publicOrigins: readonly string[] | '*';
  /** Origins that may call the admin API from a browser; empty (the default): none. */
  readonly adminOrigins: readonly string[];
}

/** Which CORS rules a path falls under: the public API, the admin API, or neither. */
export type CorsScope = 'public' | 'admin' | 'none';

/**
 * The public routes are the ones a page on another site calls with a write key (/v1/...)
 * or loads as a module script (/sdk/..., fetched in CORS mode). The admin API takes secret
 * keys, which never belong in a page, so it answers cross-origin calls only from the
 * origins an operator lists (an admin console on another host, say).
 */
export function corsScopeOf(url: string): CorsScope {
  if (url.startsWith('/v1/') || url.startsWith('/sdk/')) return 'public';
  if (url.startsWith('/admin/')) return 'admin';
  return 'none';
}

const adminHeaders = ['Authorization', 'Content-Type', 'Content-Encoding', 'Sec-GPC', 'X-Attune-CSRF'];

const shared: FastifyCorsOptions = {
  // Content-Encoding: SDKs that compress their bodies (gzip, deflate) send it.
  allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'Sec-GPC'],
  // Not CORS-safelisted: without this a browser cannot read when to retry a 429.
  exposedHeaders: ['Retry-After'],
  maxAge: 86400,
};

/**
 * CORS for the whole server, registered once at the root. @fastify/cors answers preflights
 * through a catch-all `OPTIONS *` route; routes are global in Fastify (only hooks are
 * scoped), so a registration inside the public routes' scope answered the preflight of
 * every path, /admin/v1 included, for any origin. One registration choosing its rules by
 * path keeps the preflight and the actual request under the same rules.
 */
export async function installCors(app: FastifyInstance, policy: CorsPolicy): Promise<void> {
  const byScope: Record<CorsScope, FastifyCorsOptions> = {
    public: { ...shared, origin: policy.publicOrigins === '*' ? true : [...policy.publicOrigins], methods: ['GET', 'POST'] },
    // An empty list turns CORS off: no headers, and the preflight answers 404.
    admin: policy.adminOrigins.length === 0
      ? { origin: false }
      // A listed admin console may also use the session cookie (SameSite=Strict still keeps it
      // to the same site) and send its CSRF token.
      : { ...shared, origin: [...policy.adminOrigins], methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], allowedHeaders: [...adminHeaders], credentials: true },
    none: { origin: false },
  };
  await app.register(cors, {
    delegator: (request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) => {
      callback(null, byScope[corsScopeOf(request.url)]);
    },
  });
}
