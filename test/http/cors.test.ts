import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { sdkFileNames } from '../../src/sdk/browser/sdkFileNames.js';
import { buildServer, type AttuneServer } from '../../src/server/buildServer.js';
import { openStore } from '../../src/engine/openStore.js';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { basicAuth, bearer } from '../support/harness.js';

/**
 * Cross-origin calls: any origin (by default) on the public routes, only the listed
 * origins on the admin API, none elsewhere. Issue 10 found the admin preflight answering
 * every origin, through @fastify/cors's catch-all OPTIONS route.
 */

const listed = 'https://console.example';
const stranger = 'https://evil.example';

interface Served {
  readonly server: AttuneServer;
  readonly workspace: CreatedWorkspace;
  close(): Promise<void>;
}

async function serve(adminCorsOrigins?: readonly string[]): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-cors-'));
  // Small stand-in bundles: these tests are about headers, not about the SDK's code.
  for (const file of Object.values(sdkFileNames)) writeFileSync(join(dataDir, file), 'export const sdk = 1;\n');
  const server = await buildServer({
    store: openStore({ path: join(dataDir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 1000 }),
    clock: systemClock,
    ids: uuidIds,
    adminToken: 'admin-token-for-cors',
    sdkDir: dataDir,
    logger: false,
    ...(adminCorsOrigins === undefined ? {} : { adminCorsOrigins }),
  });
  const workspace = await server.workspaces.create('cors');
  return {
    server,
    workspace,
    async close() {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function preflight(s: Served, url: string, origin: string, method = 'POST') {
  return s.server.app.inject({
    method: 'OPTIONS', url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });
}

const adminCalls = (s: Served) => [
  { method: 'GET' as const, url: '/admin/v1/workspace', authorization: bearer(s.workspace.secretKey), status: 200 },
  { method: 'GET' as const, url: '/admin/v1/keys', authorization: bearer(s.workspace.secretKey), status: 200 },
  { method: 'GET' as const, url: '/admin/v1/workspaces', authorization: bearer('admin-token-for-cors'), status: 200 },
];

describe('CORS with no admin origins configured (the default)', () => {
  let s: Served;
  beforeAll(async () => { s = await serve(); });
  afterAll(async () => { await s.close(); });

  it('answers no admin preflight, from any origin', async () => {
    for (const url of ['/admin/v1/workspace', '/admin/v1/keys', '/admin/v1/keys/some-key', '/admin/v1/workspaces', '/admin/v1/segments/x']) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const res = await preflight(s, url, stranger, method);
        expect(res.headers['access-control-allow-origin'], `${method} ${url}`).toBeUndefined();
        expect(res.headers['access-control-allow-methods'], `${method} ${url}`).toBeUndefined();
        expect(res.statusCode, `${method} ${url}`).toBe(404);
      }
    }
  });

  it('sends no CORS headers on admin answers', async () => {
    for (const call of adminCalls(s)) {
      const res = await s.server.app.inject({ method: call.method, url: call.url, headers: { origin: stranger, authorization: call.authorization } });
      expect(res.statusCode, call.url).toBe(call.status);
      expect(res.headers['access-control-allow-origin'], call.url).toBeUndefined();
    }
  });

  it('keeps the public routes open to any origin', async () => {
    for (const url of ['/v1/track', '/v1/t', '/v1/batch', '/v1/decide']) {
      const res = await preflight(s, url, stranger);
      expect(res.statusCode, url).toBe(204);
      expect(res.headers['access-control-allow-origin'], url).toBe(stranger);
    }
    const track = await s.server.app.inject({
      method: 'POST', url: '/v1/track',
      headers: { origin: stranger, authorization: basicAuth(s.workspace.writeKey), 'content-type': 'application/json' },
      payload: { userId: 'u-cors', event: 'Viewed' },
    });
    expect(track.statusCode).toBe(200);
    expect(track.headers['access-control-allow-origin']).toBe(stranger);
  });

  it('lets other sites import the SDK as a module (fetched in CORS mode)', async () => {
    for (const url of ['/sdk/attune.esm.js', '/sdk/attune.js']) {
      const res = await s.server.app.inject({ method: 'GET', url, headers: { origin: stranger } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['access-control-allow-origin'], url).toBe(stranger);
    }
  });

  it('sends no CORS headers on the other routes', async () => {
    for (const url of ['/healthz', '/openapi.json']) {
      const res = await s.server.app.inject({ method: 'GET', url, headers: { origin: stranger } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['access-control-allow-origin'], url).toBeUndefined();
      expect((await preflight(s, url, stranger, 'GET')).headers['access-control-allow-origin'], url).toBeUndefined();
    }
  });
});

describe('CORS with admin origins listed', () => {
  let s: Served;
  beforeAll(async () => { s = await serve([listed, 'https://other-console.example']); });
  afterAll(async () => { await s.close(); });

  it('answers the admin preflight of a listed origin only', async () => {
    const ok = await preflight(s, '/admin/v1/keys/some-key', listed, 'DELETE');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(listed);
    expect(String(ok.headers['access-control-allow-methods'])).toMatch(/DELETE/);
    expect(String(ok.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization/);
    const refused = await preflight(s, '/admin/v1/keys/some-key', stranger, 'DELETE');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    // The catalog changes items in place with PATCH.
    const patch = await preflight(s, '/admin/v1/items/sku-1', listed, 'PATCH');
    expect(String(patch.headers['access-control-allow-methods'])).toMatch(/PATCH/);
  });

  it('sends the CORS headers on admin answers to a listed origin only', async () => {
    for (const call of adminCalls(s)) {
      const fromListed = await s.server.app.inject({ method: call.method, url: call.url, headers: { origin: listed, authorization: call.authorization } });
      expect(fromListed.statusCode, call.url).toBe(call.status);
      expect(fromListed.headers['access-control-allow-origin'], call.url).toBe(listed);
      const fromStranger = await s.server.app.inject({ method: call.method, url: call.url, headers: { origin: stranger, authorization: call.authorization } });
      expect(fromStranger.headers['access-control-allow-origin'], call.url).toBeUndefined();
    }
  });

  it('leaves the public routes open to any origin', async () => {
    expect((await preflight(s, '/v1/track', stranger)).headers['access-control-allow-origin']).toBe(stranger);
  });
});

describe('ATTUNE_ADMIN_CORS_ORIGINS', () => {
  it('is a comma-separated list of origins, empty by default', () => {
    expect(loadConfig({}, {}).adminCorsOrigins).toEqual([]);
    expect(loadConfig({}, { ATTUNE_ADMIN_CORS_ORIGINS: ` ${listed}, https://b.example ,` }).adminCorsOrigins).toEqual([listed, 'https://b.example']);
  });

  it('refuses "*": every origin trusted with secret keys is named', () => {
    expect(() => loadConfig({}, { ATTUNE_ADMIN_CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { ATTUNE_ADMIN_CORS_ORIGINS: `${listed},*` })).toThrow(/ATTUNE_ADMIN_CORS_ORIGINS/);
  });
});
