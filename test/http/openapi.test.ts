import { Validator } from '@seriousme/openapi-schema-validator';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shareTitledSchemas } from '../../src/server/openApi.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * /openapi.json documents every route the server has: a test enumerates the routes Fastify
 * actually registers and looks each up in the document, so a new endpoint (or a hidden one)
 * cannot drift out of it. Shared shapes live once under components.schemas.
 */

interface RecordedRoute {
  readonly method: string;
  readonly url: string;
  readonly hidden: boolean;
}

// Records every route of every Fastify instance built in this file (the harness's included).
const registered = vi.hoisted(() => [] as RecordedRoute[]);
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const recording = (options?: Parameters<typeof actual.default>[0]) => {
    const app = actual.default(options);
    app.addHook('onRoute', (route: RouteOptions) => {
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of [route.method].flat()) registered.push({ method, url: route.url, hidden });
    });
    return app;
  };
  return { ...actual, default: recording };
});

/**
 * The only routes left out of the document, each for a reason. Anything else hidden fails
 * the test.
 */
const undocumented: Record<string, string> = {
  'OPTIONS *': "@fastify/cors's preflight route: CORS is a property of the routes it answers for",
  'GET /docs': 'the API reference page itself (a page for people, linked from GET /)',
  'GET /docs/static/index.html': "the viewer's redirect to its page",
  'GET /docs/static/swagger-initializer.js': "the viewer's configuration script",
  'GET /docs/static/*': "the viewer's files",
  'GET /docs/json': 'a copy of /openapi.json that the viewer reads',
  'GET /docs/yaml': 'the same document as YAML',
  'GET /studio/*': "the studio's hashed assets and client-side pages (GET /studio documents the app)",
};

interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: { readonly schemas: Record<string, unknown>; readonly securitySchemes: Record<string, unknown> };
}

/** Fastify's `/a/:id` is OpenAPI's `/a/{id}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Every `$ref` in a JSON value. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') out.push(item);
      else refsIn(item, out);
    }
  }
  return out;
}

/** Every schema object with a title left inline (not a `$ref`) in a JSON value. */
function inlineTitled(value: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item, i) => inlineTitled(item, `${path}/${i}`, out));
  else if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>;
    if (typeof node['title'] === 'string' && ('type' in node || 'properties' in node || 'anyOf' in node)) out.push(`${path} (${node['title']})`);
    for (const [key, item] of Object.entries(node)) inlineTitled(item, `${path}/${key}`, out);
  }
  return out;
}

describe('/openapi.json', () => {
  let h: Harness;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    h = await startHarness();
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApiDocument>();
  });
  afterAll(async () => { await h.close(); });

  it('documents every route Fastify has, except the few listed with a reason', () => {
    // HEAD routes are answered by their GET routes.
    const routes = registered.filter((route) => route.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(50);
    const missing = routes
      .filter((route) => !(`${route.method} ${route.url}` in undocumented))
      .filter((route) => doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()] === undefined)
      .map((route) => `${route.method} ${route.url}${route.hidden ? ' (hidden)' : ''}`);
    expect(missing, 'routes missing from /openapi.json: document them, or list them in `undocumented` with the reason').toEqual([]);
    const stale = Object.keys(undocumented).filter((key) => !routes.some((route) => `${route.method} ${route.url}` === key));
    expect(stale, 'routes listed as undocumented that do not exist').toEqual([]);
  });

  it('documents the routes issue 10 found missing', () => {
    const expected = [
      '/v1/t', '/v1/i', '/v1/p', '/v1/s', '/v1/g', '/v1/a', '/v1/b', '/v1/import',
      '/sdk/attune.js', '/sdk/attune.esm.js', '/examples/shop', '/openapi.json', '/',
    ];
    for (const path of expected) expect(Object.keys(doc.paths[path] ?? {}), path).not.toEqual([]);
    expect(doc.paths['/v1/t']?.['post']).toMatchObject({ security: [{ writeKeyBasic: [] }], requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/SegmentTrack' } } } } });
    expect(doc.paths['/sdk/attune.esm.js']?.['get']).toMatchObject({ responses: { 200: { content: { 'text/javascript': { schema: { type: 'string' } } } } } });
  });

  it('keeps each shared shape once, under components.schemas, referred to from the operations', () => {
    const names = Object.keys(doc.components.schemas);
    expect(names).toEqual(expect.arrayContaining(['Problem', 'CollectResponse', 'SegmentTrack', 'DecideRequest', 'Profile', 'ExperimentDefinition', 'HomeResponse']));
    const refs = refsIn(doc);
    // Every reference resolves, and every component is used.
    for (const ref of refs) expect(names, ref).toContain(ref.replace('#/components/schemas/', ''));
    for (const name of names) expect(refs, name).toContain(`#/components/schemas/${name}`);
    // No titled shape is left inlined in an operation (the Problem shape once was, 305 times).
    expect(inlineTitled(doc.paths)).toEqual([]);
    expect(refs.filter((ref) => ref === '#/components/schemas/Problem').length).toBeGreaterThan(100);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });
});

describe('shareTitledSchemas', () => {
  const problem = { title: 'Problem', type: 'object', properties: { code: { type: 'string' } } };
  const ok = (schema: object) => ({ content: { 'application/json': { schema } } });

  it('moves a titled schema to components and leaves data that merely has a title field alone', () => {
    const shared = shareTitledSchemas({
      paths: { '/a': { get: { responses: { 200: ok({ type: 'object', title: 'A', properties: { p: problem }, default: { title: 'not a schema', type: 'x' } }), 400: ok(problem) } } } },
    });
    expect(shared).toEqual({
      paths: { '/a': { get: { responses: { 200: ok({ $ref: '#/components/schemas/A' }), 400: ok({ $ref: '#/components/schemas/Problem' }) } } } },
      components: {
        schemas: {
          Problem: problem,
          A: { type: 'object', title: 'A', properties: { p: { $ref: '#/components/schemas/Problem' } }, default: { title: 'not a schema', type: 'x' } },
        },
      },
    });
  });

  it('refuses two different schemas with the same title', () => {
    expect(() => shareTitledSchemas({ paths: { '/a': { get: { responses: { 200: ok(problem), 400: ok({ ...problem, type: 'string' }) } } } } }))
      .toThrow(/two different schemas are titled "Problem"/);
  });

  it('refuses a title that cannot name a component', () => {
    expect(() => shareTitledSchemas({ paths: { '/a': { get: { responses: { 200: ok({ title: 'A shape', type: 'object' }) } } } } })).toThrow(/cannot name/);
  });
});
