import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthorization } from '../../src/server/auth.js';
import { startHarness, type Harness } from '../support/harness.js';
import { expectProblem, storedMessageIds, uniqueId } from './httpHelpers.js';

// The Authorization header is exactly one scheme and one token: a valid key with anything
// around it is refused with 401 ATTUNE_AUTH_MALFORMED on every kind of protected route.

const adminToken = 'admin-token-for-header-tests';
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Malformed forms of a header presenting `key`. */
function malformedHeaders(key: string): [string, string][] {
  return [
    ['a key followed by more text', `Bearer ${key} junk`],
    ['two spaces', `Bearer  ${key}`],
    ['a tab', `Bearer\t${key}`],
    ['a scheme without a token', 'Bearer'],
    ['another scheme', `Token ${key}`],
    ['Basic followed by more text', `Basic ${b64(`${key}:`)} junk`],
    ['Basic that is not base64', `Basic ${key}`],
    ['Basic with broken padding', `Basic ${b64(`${key}:`).replace(/=+$/, '')}=`],
  ];
}

describe('a malformed Authorization header', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ adminToken }); });
  afterAll(async () => { await h.close(); });

  interface RouteKind {
    readonly name: string;
    readonly key: () => string;
    readonly request: (authorization: string) => InjectOptions;
    readonly okStatus: number;
    readonly wellFormed: (key: string) => string[];
  }
  const kinds: RouteKind[] = [
    {
      name: 'collection (write key)', key: () => h.a.writeKey, okStatus: 200, wellFormed: (k) => [`Basic ${b64(`${k}:`)}`, `Bearer ${k}`, `basic ${b64(k)}`],
      request: (authorization) => ({ method: 'POST', url: '/v1/track', headers: { authorization }, payload: { userId: 'u-auth', event: 'Auth Checked', messageId: uniqueId('auth') } }),
    },
    {
      name: 'batch (write key)', key: () => h.a.writeKey, okStatus: 200, wellFormed: (k) => [`Basic ${b64(`${k}:`)}`],
      request: (authorization) => ({ method: 'POST', url: '/v1/batch', headers: { authorization }, payload: { batch: [{ type: 'track', userId: 'u-auth', event: 'Auth Checked', messageId: uniqueId('auth') }] } }),
    },
    {
      // No placement exists: a 404 for it shows the key was accepted.
      name: 'decide (write key)', key: () => h.a.writeKey, okStatus: 404, wellFormed: (k) => [`Basic ${b64(`${k}:`)}`, `Bearer ${k}`],
      request: (authorization) => ({ method: 'POST', url: '/v1/decide', headers: { authorization }, payload: { anonymousId: 'v-auth', placements: ['hero'] } }),
    },
    {
      name: 'admin (secret key)', key: () => h.a.secretKey, okStatus: 200, wellFormed: (k) => [`Bearer ${k}`, `bearer ${k}`],
      request: (authorization) => ({ method: 'GET', url: '/admin/v1/workspace', headers: { authorization } }),
    },
    {
      name: 'server administration (admin token)', key: () => adminToken, okStatus: 200, wellFormed: (k) => [`Bearer ${k}`],
      request: (authorization) => ({ method: 'GET', url: '/admin/v1/workspaces', headers: { authorization } }),
    },
  ];

  for (const kind of kinds) {
    describe(kind.name, () => {
      it('takes the well-formed header', async () => {
        for (const header of kind.wellFormed(kind.key())) {
          const res = await h.app.inject(kind.request(header));
          expect(res.statusCode, `${header}: ${res.body}`).toBe(kind.okStatus);
        }
      });

      it.each(malformedHeaders('KEY'))('refuses %s with 401 ATTUNE_AUTH_MALFORMED', async (_what, template) => {
        const header = template.replaceAll('KEY', kind.key()).replace(b64('KEY:'), b64(`${kind.key()}:`));
        const problem = expectProblem(await h.app.inject(kind.request(header)), 401, 'ATTUNE_AUTH_MALFORMED');
        expect(problem.field).toBe('headers/authorization');
        expect(problem.detail).toMatch(/Authorization|Basic/);
      });
    });
  }

  it('stores nothing for a malformed header, even when the body carries a valid writeKey', async () => {
    const messageId = uniqueId('body-key');
    const res = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: `Bearer ${h.a.writeKey} junk` }, payload: { userId: 'u', event: 'e', messageId, writeKey: h.a.writeKey } });
    expectProblem(res, 401, 'ATTUNE_AUTH_MALFORMED');
    expect(await storedMessageIds(h, h.a.secretKey)).not.toContain(messageId);
  });

  it('parses exactly one scheme and one token', () => {
    expect(parseAuthorization(undefined)).toBeNull();
    expect(parseAuthorization('Bearer ats_1')).toEqual({ scheme: 'bearer', token: 'ats_1' });
    expect(parseAuthorization('BASIC dTo=')).toEqual({ scheme: 'basic', token: 'dTo=' });
    for (const header of ['', ' ', 'Bearer ', ' Bearer k', 'Bearer k ', 'Bearer k\n', 'Bearer k\u00e9', 'Basic dTo', 'Basic dT=o']) {
      expect(() => parseAuthorization(header), JSON.stringify(header)).toThrow(/Authorization|base64/);
    }
  });
});
