import Fastify from 'fastify';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { allGrants, grantName, roles, type Grant } from '../../src/core/access/accessMatrix.js';
import { decideAccess, type AccessOutcome } from '../../src/core/access/routeAccess.js';
import { installAccessControl, type RegisteredRoute } from '../../src/server/access.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';
import { userWithRole } from './accessHelpers.js';
import { matrixTable, routeTable } from './accessTables.js';

/**
 * The permission matrix, generated from the route table: every route the server registers,
 * times every role (as a personal token), the write key, each scope of secret key, the
 * server admin token and no credentials, each with its expected outcome from the core's
 * matrix. Allowed: anything but 401/403. Denied: 403 ATTUNE_FORBIDDEN naming the permission.
 * Without credentials: 401. A route without a declared access never gets this far: the
 * server refuses to build (the last test shows it), and docs/access.md lists every route
 * (checked below), so a new route shows up in review with its permission.
 */

const adminToken = 'matrix-admin-token';

interface Credential {
  readonly name: string;
  readonly headers: Record<string, string>;
  /** null: no workspace credential (none, or the server admin token). */
  readonly grant: Grant | null;
  readonly person: boolean;
  readonly serverAdmin: boolean;
}

function expected(route: RegisteredRoute, credential: Credential): AccessOutcome {
  // The admin token is not a workspace's: any other credential is an invalid admin token (401).
  if (route.access === 'server') return credential.serverAdmin ? { kind: 'allowed' } : { kind: 'unauthenticated' };
  return decideAccess(route.access, credential.grant === null ? null : { grant: credential.grant, person: credential.person });
}

/**
 * A concrete URL for a route pattern: every parameter and wildcard a value no workspace has,
 * but a write key in the path (Segment's settings URL), whose own credential it is.
 */
function concrete(url: string, writeKey: string): string {
  return url.replace(':writeKey', writeKey).replace(/:[A-Za-z]+/g, 'matrix-unknown').replace(/\*$/, 'matrix-unknown');
}

function request(route: RegisteredRoute, credential: Credential, writeKey: string): InjectOptions {
  const withBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  // An empty object: allowed requests stop at validation (400) or find nothing (404), and change nothing.
  return { method: route.method as InjectOptions['method'], url: concrete(route.url, writeKey), headers: credential.headers, ...(withBody ? { payload: {} } : {}) };
}

describe('the permission matrix', () => {
  let h: Harness;
  const credentials: Credential[] = [];

  beforeAll(async () => {
    h = await startHarness({ adminToken });
    credentials.push({ name: 'no credentials', headers: {}, grant: null, person: false, serverAdmin: false });
    credentials.push({ name: 'server admin token', headers: { authorization: bearer(adminToken) }, grant: null, person: false, serverAdmin: true });
    credentials.push({ name: 'write key', headers: { authorization: basicAuth(h.a.writeKey) }, grant: { kind: 'writeKey' }, person: false, serverAdmin: false });
    for (const scope of ['full', 'read', 'decide'] as const) {
      const key = scope === 'full' ? h.a.secretKey : (await h.workspaces.createKey(h.a.id, 'secret', scope)).plain;
      credentials.push({ name: `secret key (${scope})`, headers: { authorization: bearer(key) }, grant: { kind: 'secretKey', scope }, person: false, serverAdmin: false });
    }
    for (const role of roles) {
      const { token } = await userWithRole(h, role);
      credentials.push({ name: `${role} (personal token)`, headers: { authorization: bearer(token) }, grant: { kind: 'role', role }, person: true, serverAdmin: false });
    }
  });
  afterAll(async () => { await h.close(); });

  it('covers every grant of the core, and the server has routes of every kind of access', () => {
    expect(credentials.flatMap((c) => (c.grant === null ? [] : [grantName(c.grant)])).sort()).toEqual(allGrants.map(grantName).sort());
    const kinds = new Set(h.routes.map((r) => r.access));
    for (const kind of ['public', 'server', 'member', 'user', 'events.collect', 'decide', 'config.read', 'config.write', 'users.manage', 'keys.manage']) expect(kinds).toContain(kind);
  });

  it('answers every route for every credential as the matrix says', { timeout: 300_000 }, async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of h.routes) {
      for (const credential of credentials) {
        const want = expected(route, credential);
        const res = await h.app.inject(request(route, credential, h.a.writeKey));
        // A HEAD answer has no body: its status is checked, and its GET's body.
        const problem = res.body.length > 0 && res.headers['content-type']?.toString().startsWith('application/problem+json') === true;
        const body = problem ? res.json() as { code?: string; permission?: string } : {};
        const where = `${route.method} ${route.url} (${route.access}) as ${credential.name}`;
        checked++;
        if (want.kind === 'allowed' && (res.statusCode === 401 || res.statusCode === 403)) mismatches.push(`${where}: expected allowed, got ${res.statusCode} ${body.code ?? ''}`);
        if (want.kind === 'unauthenticated' && res.statusCode !== 401) mismatches.push(`${where}: expected 401, got ${res.statusCode}`);
        if (want.kind === 'forbidden') {
          if (route.method === 'HEAD') {
            if (res.statusCode !== 403) mismatches.push(`${where}: expected 403, got ${res.statusCode}`);
          } else if (res.statusCode !== 403 || body.code !== 'ATTUNE_FORBIDDEN') mismatches.push(`${where}: expected 403 ATTUNE_FORBIDDEN, got ${res.statusCode} ${body.code ?? ''}`);
          else if (body.permission !== want.permission) mismatches.push(`${where}: the 403 names ${String(body.permission)}, not ${want.permission}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(h.routes.length * credentials.length);
  });

  it('is documented in docs/access.md: every permission, role and scope, and every route with its access', () => {
    const doc = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');
    const section = (name: string) => {
      const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(doc);
      if (match === null) throw new Error(`docs/access.md has no ${name} section`);
      return match[1];
    };
    expect(section('matrix'), 'docs/access.md: the permission matrix is generated from src/core/access; paste the expected text').toBe(matrixTable());
    expect(section('routes'), 'docs/access.md: a route was added or its access changed; paste the expected line into the route table').toBe(routeTable(h.routes));
  });
});

describe('a route without a declared access', () => {
  it('stops the server from being built, naming the route', async () => {
    const app = Fastify();
    installAccessControl(app, {
      workspaces: {} as never, access: {} as never, adminToken: null, secureCookies: true, pluginRoutes: () => undefined,
    });
    app.get('/declared', { config: { access: 'public' } }, async () => 'ok');
    await expect((async () => {
      app.get('/admin/v1/forgotten', async () => 'oops');
      await app.ready();
    })()).rejects.toThrow(/GET \/admin\/v1\/forgotten declares no access/);
  });
});
