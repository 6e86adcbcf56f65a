import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { ProfileResponse, StoredEventResponse } from '../../src/api/schemas.js';
import { basicAuth, bearer, type Harness } from '../support/harness.js';

/** What the HTTP tests share: typed requests to the collect and admin APIs, and problem+json checks. */

export interface FaultBody {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
  readonly index?: number;
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly instance?: string;
  readonly field?: string;
  readonly index?: number;
  readonly errors?: readonly FaultBody[];
  readonly accepted?: number;
  readonly duplicates?: number;
}

export interface CollectBody {
  readonly success: boolean;
  readonly accepted: number;
  readonly duplicates: number;
}

export type JsonPayload = Record<string, unknown> | readonly unknown[];

/**
 * Asserts an error answer: never a 500, the given status and stable code, served as
 * application/problem+json with the RFC 9457 members. Returns the document for further checks.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): ProblemBody {
  expect(res.statusCode, res.body).toBeLessThan(500);
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<ProblemBody>();
  expect(body).toMatchObject({ status, code, type: `urn:attune:error:${code}` });
  expect(typeof body.title).toBe('string');
  return body;
}

/** POSTs JSON to a collect route with the write key as Basic auth (or no key when null). */
export function collect(h: Harness, url: string, payload: JsonPayload, writeKey: string | null = h.a.writeKey, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const auth: Record<string, string> = writeKey === null ? {} : { authorization: basicAuth(writeKey) };
  return h.app.inject({ method: 'POST', url, headers: { ...auth, ...headers }, payload: payload as InjectOptions['payload'] });
}

/** POSTs a raw body (a string sent as is) to a route. */
export function postRaw(h: Harness, url: string, body: string, contentType: string | null, writeKey: string | null = h.a.writeKey): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (writeKey !== null) headers['authorization'] = basicAuth(writeKey);
  if (contentType !== null) headers['content-type'] = contentType;
  return h.app.inject({ method: 'POST', url, headers, payload: body });
}

/** Asserts a 200 collect answer and returns its counts. */
export function expectCollected(res: LightMyRequestResponse): CollectBody {
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<CollectBody>();
  expect(body.success).toBe(true);
  return body;
}

/** A request to the admin API with a secret key (or any bearer token). */
export function admin(h: Harness, method: InjectOptions['method'], url: string, token: string, payload?: JsonPayload): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method,
    url,
    headers: { authorization: bearer(token) },
    ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
  });
}

/** Every event of the workspace of `secretKey`, read through GET /admin/v1/events. */
export async function storedEvents(h: Harness, secretKey: string): Promise<StoredEventResponse[]> {
  const res = await admin(h, 'GET', '/admin/v1/events?limit=10000', secretKey);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ events: StoredEventResponse[] }>().events;
}

/** The messageIds stored in the workspace of `secretKey`, in log order. */
export async function storedMessageIds(h: Harness, secretKey: string): Promise<string[]> {
  return (await storedEvents(h, secretKey)).map((e) => e.messageId);
}

/** The profile known by `id` in the workspace of `secretKey`, or undefined on 404. */
export async function findProfile(h: Harness, secretKey: string, id: string): Promise<ProfileResponse | undefined> {
  const res = await admin(h, 'GET', `/admin/v1/profiles/${encodeURIComponent(id)}`, secretKey);
  if (res.statusCode === 404) {
    expectProblem(res, 404, 'ATTUNE_PROFILE_NOT_FOUND');
    return undefined;
  }
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ProfileResponse>();
}

/** A unique string per call, so that tests sharing one harness do not see each other's ids. */
export function uniqueId(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}-${Math.random().toString(36).slice(2, 8)}`;
}
let uniqueCounter = 0;

/** A valid track call (add `type` for batches). */
export function track(userId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { userId, event: 'Product Viewed', properties: { sku: 'sku-1' }, ...extra };
}

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The problem a rule that does not compile answers with: its position, for the editor to point at. */
export interface RuleProblemBody extends ProblemBody { line: number; column: number; caret: string; ruleErrorKind: string }

/**
 * Admin calls with workspace A's secret key, for a harness that each test starts afresh (hence
 * the getter): `ok` expects exactly `status` when given, else any 2xx, and returns the body;
 * `problem` expects a problem+json answer with this status and code.
 */
export function adminCalls(harness: () => Harness): {
  ok<T>(method: AdminMethod, url: string, payload?: JsonPayload, status?: number): Promise<T>;
  problem<P extends ProblemBody = RuleProblemBody>(method: AdminMethod, url: string, payload: JsonPayload | undefined, status: number, code: string): Promise<P>;
} {
  return {
    async ok<T>(method: AdminMethod, url: string, payload?: JsonPayload, status?: number): Promise<T> {
      const h = harness();
      const res = await admin(h, method, url, h.a.secretKey, payload);
      if (status === undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
      else expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
      return (res.statusCode === 204 ? undefined : res.json<T>()) as T;
    },
    async problem<P extends ProblemBody = RuleProblemBody>(method: AdminMethod, url: string, payload: JsonPayload | undefined, status: number, code: string): Promise<P> {
      const h = harness();
      return expectProblem(await admin(h, method, url, h.a.secretKey, payload), status, code) as P;
    },
  };
}
