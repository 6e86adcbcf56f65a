import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { AccessService } from '../access/AccessService.js';
import { secretTags, secretMatches } from '../access/secrets.js';
import { can, type Grant, type SecretKeyScope } from '../core/access/accessMatrix.js';
import { decideAccess, type RouteAccess } from '../core/access/routeAccess.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { Principal, WorkspaceService } from '../workspaces/WorkspaceService.js';
import { setPrincipal, type RequestPrincipal } from './actor.js';
import { requireAdminToken, subscriptionKey } from './auth.js';
import { cookieValue, sessionCookieName } from './sessionCookie.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route needs: a permission of src/core/access/permissions.ts, or `public`,
     * `server`, `member`, `user` (src/core/access/routeAccess.ts). Every route declares one;
     * a route without is refused when it is registered.
     */
    readonly access?: RouteAccess;
    /** How to send a credential, when the route's clients send it their own way (401 detail). */
    readonly authHint?: string;
  }
}

/** One row of the route table: what the permission-matrix test and docs/access.md enumerate. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess;
}

export interface AccessControlOptions {
  readonly workspaces: WorkspaceService;
  readonly access: AccessService;
  readonly adminToken: string | null;
  readonly secureCookies: boolean;
  /** Routes that plugins register, which cannot carry a config of ours: their access by method and URL. */
  readonly pluginRoutes: (method: string, url: string) => RouteAccess | undefined;
}

export const csrfHeader = 'x-attune-csrf';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function grantOfKey(kind: 'write' | 'secret', scope: SecretKeyScope | null): Grant {
  return kind === 'write' ? { kind: 'writeKey' } : { kind: 'secretKey', scope: scope ?? 'full' };
}

/**
 * The one enforcement point of access. Every route declares its access in its config; a
 * route without one stops the server from being built (onRoute), so no endpoint is reachable
 * by accident. Before any route's validation (401/403 before 400: a caller without the right
 * credentials learns nothing about the API's shapes), one hook authenticates the request and
 * checks the route's permission with the core's `decideAccess`.
 *
 * Credentials, in order: an API key or personal token in the Authorization header (Basic or
 * Bearer), the Ocp-Apim-Subscription-Key header or `writeKey` in the body; else the session
 * cookie, whose unsafe requests must carry the session's CSRF token in X-Attune-CSRF.
 *
 * Returns the route table, filled as routes are registered.
 */
export function installAccessControl(app: FastifyInstance, options: AccessControlOptions): readonly RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const cookieName = sessionCookieName(options.secureCookies);

  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      const access = route.config?.access ?? options.pluginRoutes(method, route.url);
      if (access === undefined) {
        throw new Error(`${method} ${route.url} declares no access: add config: { access: '<permission>' } (src/core/access/permissions.ts lists them; 'public' for none)`);
      }
      if (route.config?.access === undefined) route.config = { ...route.config, access };
      routes.push({ method, url: route.url, access });
    }
  });

  async function authenticate(request: FastifyRequest, presented: string | null): Promise<RequestPrincipal | null> {
    if (presented !== null) {
      if (presented.startsWith(secretTags.token)) {
        const found = await options.access.token(presented);
        if (found === undefined) throw new AttuneError('ATTUNE_AUTH_INVALID', { detail: 'the personal token is unknown, revoked or expired, or its user was removed' });
        return { kind: 'user', workspace: found.workspace, user: found.user, grant: { kind: 'role', role: found.user.role }, via: 'token' };
      }
      return keyPrincipal(await options.workspaces.authenticate(presented));
    }
    const cookie = cookieValue(request.headers.cookie, cookieName);
    if (cookie === null) return null;
    const found = await options.access.session(cookie);
    if (found === undefined) throw new AttuneError('ATTUNE_AUTH_INVALID', { detail: 'the session has ended; sign in again' });
    if (!safeMethods.has(request.method)) {
      const header = request.headers[csrfHeader];
      const token = Array.isArray(header) ? header[0] : header;
      if (token === undefined || !secretMatches(token, found.csrfHash)) {
        throw new AttuneError('ATTUNE_CSRF_FAILED', { detail: `a ${request.method} with the session cookie needs the session's CSRF token in the X-Attune-CSRF header`, field: `headers/${csrfHeader}` });
      }
    }
    return { kind: 'user', workspace: found.workspace, user: found.user, grant: { kind: 'role', role: found.user.role }, via: 'session' };
  }

  function admit(request: FastifyRequest, access: Exclude<RouteAccess, 'server'>, principal: RequestPrincipal | null): void {
    const outcome = decideAccess(access, principal === null ? null : { grant: principal.grant, person: principal.kind === 'user' });
    if (outcome.kind === 'unauthenticated') throw new AttuneError('ATTUNE_AUTH_MISSING', { detail: request.routeOptions.config.authHint ?? missingHint(access) });
    if (outcome.kind === 'forbidden') throw new AttuneError('ATTUNE_FORBIDDEN', { detail: outcome.detail, extensions: { permission: outcome.permission } });
    if (principal !== null) setPrincipal(request, principal);
  }

  // A callback hook: an API key whose lookup is cached (the keys in use, on every collect and
  // decide call) is checked at once, without the promises of an async hook; anything else is
  // looked up. Errors go to `done` either way, as an async hook's rejection would.
  app.addHook('preValidation', (request, _reply, done) => {
    const access = request.routeOptions.config.access;
    // No access: the not-found handler (every registered route has one).
    if (access === undefined || access === 'public') {
      done();
      return;
    }
    let presented: string | null = null;
    let checked = true;
    try {
      if (access === 'server') requireAdminToken(request, options.adminToken);
      else {
        presented = subscriptionKey(request);
        const cached = presented === null || presented.startsWith(secretTags.token) ? null : options.workspaces.cachedAuthentication(presented);
        if (cached === null) checked = false;
        else admit(request, access, keyPrincipal(cached));
      }
    } catch (error) {
      done(error as Error);
      return;
    }
    if (checked || access === 'server') {
      done();
      return;
    }
    const needed = access;
    authenticate(request, presented).then((principal) => admit(request, needed, principal)).then(() => done(), (error: unknown) => done(error as Error));
  });
  return routes;
}

function keyPrincipal(principal: Principal | undefined): RequestPrincipal {
  if (principal === undefined) throw new AttuneError('ATTUNE_AUTH_INVALID');
  return { kind: 'key', workspace: principal.workspace, key: principal.key, grant: grantOfKey(principal.key.kind, principal.key.scope) };
}

function missingHint(access: RouteAccess): string {
  if (access !== 'member' && access !== 'user' && access !== 'public' && access !== 'server' && can({ kind: 'writeKey' }, access)) {
    return 'send the write key as the Basic auth user name, or as writeKey in the body (or a secret key or personal token as Authorization: Bearer <key>)';
  }
  return 'send the secret key or a personal API token as Authorization: Bearer <key>, or sign in (POST /admin/v1/sessions) and send the session cookie';
}
