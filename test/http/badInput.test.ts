import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import {
  admin, collect, expectCollected, expectProblem, findProfile, postRaw, storedMessageIds, track, uniqueId,
} from './httpHelpers.js';

/**
 * Bad input never costs a 500 and never costs the good events sent with it: each case gets
 * a 4xx application/problem+json answer with a stable code and the field or batch index at
 * fault, and the valid events of the same batch are stored.
 */
describe('bad input', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  /** A batch of `good` valid events around the bad ones; returns their messageIds. */
  function validEvents(count: number): Record<string, unknown>[] {
    return Array.from({ length: count }, () => ({ type: 'track', ...track(uniqueId('user')), messageId: uniqueId('good') }));
  }

  async function expectStored(messageIds: readonly unknown[]): Promise<void> {
    const stored = await storedMessageIds(h, h.a.secretKey);
    for (const id of messageIds) expect(stored).toContain(id);
  }

  async function expectNotStored(messageIds: readonly unknown[]): Promise<void> {
    const stored = await storedMessageIds(h, h.a.secretKey);
    for (const id of messageIds) expect(stored).not.toContain(id);
  }

  describe('malformed JSON', () => {
    it('answers ATTUNE_MALFORMED_JSON for a truncated JSON body', async () => {
      const res = await postRaw(h, '/v1/track', '{"userId": "u1", "event":', 'application/json');
      const problem = expectProblem(res, 400, 'ATTUNE_MALFORMED_JSON');
      expect(problem.instance).toBe('/v1/track');
      expect(problem.detail).toBeTruthy();
    });

    it('answers ATTUNE_MALFORMED_JSON for malformed JSON sent as text/plain (Segment browser library)', async () => {
      const res = await postRaw(h, '/v1/t', '{userId: u1}', 'text/plain;charset=UTF-8');
      expectProblem(res, 400, 'ATTUNE_MALFORMED_JSON');
    });

    it('answers ATTUNE_MALFORMED_JSON for a malformed batch, storing nothing', async () => {
      const messageId = uniqueId('m');
      const res = await postRaw(h, '/v1/batch', `{"batch": [{"type": "track", "userId": "u", "event": "e", "messageId": "${messageId}"},]}`, 'application/json');
      expectProblem(res, 400, 'ATTUNE_MALFORMED_JSON');
      await expectNotStored([messageId]);
    });
  });

  describe('empty body', () => {
    it('answers ATTUNE_MALFORMED_JSON for an empty JSON body', async () => {
      const res = await postRaw(h, '/v1/track', '', 'application/json');
      const problem = expectProblem(res, 400, 'ATTUNE_MALFORMED_JSON');
      expect(problem.detail).toMatch(/empty/);
    });

    it('answers ATTUNE_MALFORMED_JSON for a whitespace-only text/plain body', async () => {
      expectProblem(await postRaw(h, '/v1/batch', '  \n ', 'text/plain'), 400, 'ATTUNE_MALFORMED_JSON');
    });

    it('answers ATTUNE_EVENT_INVALID at the event itself when a call has no body at all', async () => {
      const res = await postRaw(h, '/v1/track', '', null);
      const problem = expectProblem(res, 400, 'ATTUNE_EVENT_INVALID');
      expect(problem.field).toBe('');
      expect(problem.accepted).toBe(0);
    });

    it('answers ATTUNE_INVALID_REQUEST at /batch when a batch has no body at all', async () => {
      const problem = expectProblem(await postRaw(h, '/v1/batch', '', null), 400, 'ATTUNE_INVALID_REQUEST');
      expect(problem.field).toBe('/batch');
    });
  });

  describe('a body that is JSON but not an event', () => {
    it.each([
      ['an array', '[{"userId": "u", "event": "e"}]'],
      ['a string', '"hello"'],
      ['a number', '42'],
      ['null', 'null'],
    ])('answers ATTUNE_EVENT_INVALID for %s on a call route', async (_label, body) => {
      const problem = expectProblem(await postRaw(h, '/v1/track', body, 'application/json'), 400, 'ATTUNE_EVENT_INVALID');
      expect(problem.field).toBe('');
    });
  });

  describe('a batch body that is not {batch: [...]}', () => {
    it.each([
      ['an array of events', [{ type: 'track', userId: 'u', event: 'e' }]],
      ['no batch member', { events: [{ type: 'track', userId: 'u', event: 'e' }] }],
      ['batch as an object', { batch: { type: 'track', userId: 'u', event: 'e' } }],
      ['batch as a string', { batch: 'track' }],
      ['batch as null', { batch: null }],
    ])('answers ATTUNE_INVALID_REQUEST at /batch for %s', async (_label, payload) => {
      const problem = expectProblem(await collect(h, '/v1/batch', payload), 400, 'ATTUNE_INVALID_REQUEST');
      expect(problem.field).toBe('/batch');
    });

    it('answers the same on the short form /v1/b and on /v1/import', async () => {
      for (const url of ['/v1/b', '/v1/import']) {
        const problem = expectProblem(await collect(h, url, { batch: 'nope' }), 400, 'ATTUNE_INVALID_REQUEST');
        expect(problem.field).toBe('/batch');
      }
    });

    it.each([
      ['sentAt', 1700000000000],
      ['sentAt', { at: 'now' }],
      ['context', 'mobile'],
      ['context', [1, 2]],
      ['integrations', true],
    ])('answers ATTUNE_INVALID_REQUEST at /%s when the batch-level member has the wrong type (%j), storing nothing', async (member, value) => {
      const events = validEvents(2);
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: events, [member]: value }), 400, 'ATTUNE_INVALID_REQUEST');
      expect(problem.field).toBe(`/${member}`);
      await expectNotStored(events.map((e) => e['messageId']));
    });
  });

  describe('wrong types', () => {
    it.each([
      ['event as a number', { userId: 'u', event: 5 }, '/event'],
      ['event as an empty string', { userId: 'u', event: '' }, '/event'],
      ['properties as an array', { userId: 'u', event: 'e', properties: [1, 2] }, '/properties'],
      ['properties as a string', { userId: 'u', event: 'e', properties: 'x' }, '/properties'],
      ['context as a string', { userId: 'u', event: 'e', context: 'web' }, '/context'],
      ['integrations as a number', { userId: 'u', event: 'e', integrations: 1 }, '/integrations'],
      ['userId as an object', { userId: { id: 1 }, event: 'e' }, '/userId'],
      ['anonymousId as a boolean', { anonymousId: true, event: 'e' }, '/anonymousId'],
      ['messageId as a number', { userId: 'u', event: 'e', messageId: 7 }, '/messageId'],
      ['messageId as an empty string', { userId: 'u', event: 'e', messageId: '' }, '/messageId'],
      ['the event name missing', { userId: 'u', properties: {} }, '/event'],
    ])('answers ATTUNE_EVENT_INVALID with the JSON pointer for %s', async (_label, payload, field) => {
      const problem = expectProblem(await collect(h, '/v1/track', payload), 400, 'ATTUNE_EVENT_INVALID');
      expect(problem.field).toBe(field);
      expect(problem.accepted).toBe(0);
    });

    it.each([
      ['/v1/identify', { userId: 'u', traits: 'vip' }, '/traits'],
      ['/v1/page', { userId: 'u', name: 12 }, '/name'],
      ['/v1/screen', { userId: 'u', category: ['a'] }, '/category'],
      ['/v1/group', { userId: 'u' }, '/groupId'],
      ['/v1/group', { userId: 'u', groupId: { id: 1 } }, '/groupId'],
      ['/v1/alias', { userId: 'u' }, '/previousId'],
      ['/v1/alias', { previousId: 'anon-1' }, '/userId'],
    ])('answers ATTUNE_EVENT_INVALID on %s with the field at fault (%j)', async (url, payload, field) => {
      const problem = expectProblem(await collect(h, url, payload), 400, 'ATTUNE_EVENT_INVALID');
      expect(problem.field).toBe(field);
    });

    it('reports each wrongly typed event of a batch by index and field, and stores the others', async () => {
      const good = validEvents(3);
      const batch = [good[0], { type: 'track', userId: 'u', event: 42 }, good[1], { type: 'identify', userId: 'u', traits: [] }, good[2]];
      const problem = expectProblem(await collect(h, '/v1/batch', { batch }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([
        expect.objectContaining({ index: 1, code: 'ATTUNE_EVENT_INVALID', field: '/event' }),
        expect.objectContaining({ index: 3, code: 'ATTUNE_EVENT_INVALID', field: '/traits' }),
      ]);
      expect(problem).toMatchObject({ accepted: 3, duplicates: 0 });
      await expectStored(good.map((e) => e['messageId']));
    });
  });

  describe('a missing identity', () => {
    it.each([
      ['neither id', { event: 'e' }],
      ['both ids null', { userId: null, anonymousId: null, event: 'e' }],
    ])('answers ATTUNE_EVENT_MISSING_IDENTITY at /userId for %s', async (_label, payload) => {
      const problem = expectProblem(await collect(h, '/v1/track', payload), 400, 'ATTUNE_EVENT_MISSING_IDENTITY');
      expect(problem.field).toBe('/userId');
    });

    it('reports the batch index of an event without identity, and stores the others', async () => {
      const good = validEvents(2);
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: [good[0], { type: 'page', name: 'Home' }, good[1]] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([expect.objectContaining({ index: 1, code: 'ATTUNE_EVENT_MISSING_IDENTITY', field: '/userId' })]);
      expect(problem.accepted).toBe(2);
      await expectStored(good.map((e) => e['messageId']));
    });
  });

  describe('an unknown call type', () => {
    it('reports an unknown type by index at /type, and stores the others', async () => {
      const good = validEvents(2);
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: [{ type: 'purchase', userId: 'u', event: 'e' }, ...good] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([expect.objectContaining({ index: 0, code: 'ATTUNE_EVENT_UNKNOWN_TYPE', field: '/type' })]);
      await expectStored(good.map((e) => e['messageId']));
    });

    it('rejects a batch event without a type (a batch has no route to imply one)', async () => {
      const good = validEvents(1);
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: [...good, { userId: 'u', event: 'e' }] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([expect.objectContaining({ index: 1, code: 'ATTUNE_EVENT_UNKNOWN_TYPE', field: '/type' })]);
      await expectStored(good.map((e) => e['messageId']));
    });

    it('rejects a call whose type contradicts its route', async () => {
      const problem = expectProblem(await collect(h, '/v1/track', { type: 'identify', userId: 'u', event: 'e' }), 400, 'ATTUNE_EVENT_UNKNOWN_TYPE');
      expect(problem.field).toBe('/type');
    });

    it('rejects a type that is not a string', async () => {
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: [{ type: 1, userId: 'u' }] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([expect.objectContaining({ index: 0, code: 'ATTUNE_EVENT_UNKNOWN_TYPE', field: '/type' })]);
    });

    it('answers ATTUNE_NOT_FOUND as problem+json for an unknown call route', async () => {
      for (const url of ['/v1/purchase', '/v1/x', '/v2/track']) {
        const problem = expectProblem(await collect(h, url, track('u')), 404, 'ATTUNE_NOT_FOUND');
        expect(problem.instance).toBe(url);
      }
    });

    it('answers ATTUNE_NOT_FOUND for a method a collect route does not take', async () => {
      expectProblem(await h.app.inject({ method: 'GET', url: '/v1/track' }), 404, 'ATTUNE_NOT_FOUND');
    });
  });

  describe('invalid timestamps', () => {
    it.each([
      ['timestamp', 'yesterday'],
      ['timestamp', '2024-13-45T00:00:00Z'],
      ['timestamp', '01/02/2024'],
      ['timestamp', '2024-02-30T10:00:00Z'],
      ['originalTimestamp', 'not a date'],
      ['sentAt', '2024-01-01T25:61:00Z'],
    ])('answers ATTUNE_EVENT_INVALID_TIMESTAMP at /%s for %j', async (member, value) => {
      const problem = expectProblem(await collect(h, '/v1/track', track('u', { [member]: value })), 400, 'ATTUNE_EVENT_INVALID_TIMESTAMP');
      expect(problem.field).toBe(`/${member}`);
    });

    it('answers ATTUNE_EVENT_INVALID at /timestamp for a timestamp that is not a string', async () => {
      const problem = expectProblem(await collect(h, '/v1/track', track('u', { timestamp: 1700000000000 })), 400, 'ATTUNE_EVENT_INVALID');
      expect(problem.field).toBe('/timestamp');
    });

    it('reports the index of an event with an invalid timestamp, and stores the others', async () => {
      const good = validEvents(2);
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: [good[0], { type: 'track', ...track('u'), timestamp: 'soon' }, good[1]] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([expect.objectContaining({ index: 1, code: 'ATTUNE_EVENT_INVALID_TIMESTAMP', field: '/timestamp' })]);
      await expectStored(good.map((e) => e['messageId']));
    });

    it('rejects every event that relies on an unparsable batch-level sentAt, but not one that brings its own', async () => {
      const own = { type: 'track', ...track(uniqueId('u')), messageId: uniqueId('own'), sentAt: '2024-05-01T10:00:00Z' };
      const relies = validEvents(2);
      const problem = expectProblem(await collect(h, '/v1/batch', { sentAt: 'last tuesday', batch: [relies[0], own, relies[1]] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors?.map((e) => [e.index, e.code])).toEqual([[0, 'ATTUNE_EVENT_INVALID_TIMESTAMP'], [2, 'ATTUNE_EVENT_INVALID_TIMESTAMP']]);
      expect(problem.errors?.[0]?.field).toMatch(/^\/sentAt/);
      await expectStored([own.messageId]);
      await expectNotStored(relies.map((e) => e['messageId']));
    });
  });

  describe('oversize events and batches', () => {
    const bigString = (bytes: number) => 'x'.repeat(bytes);

    it('answers 413 ATTUNE_PAYLOAD_TOO_LARGE for a single call over 32 KB', async () => {
      const messageId = uniqueId('big');
      const res = await collect(h, '/v1/track', track('u', { messageId, properties: { blob: bigString(33 * 1024) } }));
      expectProblem(res, 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
      await expectNotStored([messageId]);
    });

    it('takes a single call just under 32 KB', async () => {
      expectCollected(await collect(h, '/v1/track', track(uniqueId('u'), { properties: { blob: bigString(31 * 1024) } })));
    });

    it('reports an event over 32 KB inside a batch by index with ATTUNE_EVENT_TOO_LARGE, and stores the others', async () => {
      const good = validEvents(3);
      const big = { type: 'track', ...track('u'), messageId: uniqueId('big'), properties: { blob: bigString(40 * 1024) } };
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: [good[0], good[1], big, good[2]] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([expect.objectContaining({ index: 2, code: 'ATTUNE_EVENT_TOO_LARGE' })]);
      expect(problem.accepted).toBe(3);
      await expectStored(good.map((e) => e['messageId']));
      await expectNotStored([big.messageId]);
    });

    it('counts the size of multi-byte characters in UTF-8', async () => {
      // 12,000 three-byte characters: 36 KB of UTF-8 in 12,000 UTF-16 units.
      const event = { type: 'track', ...track('u'), messageId: uniqueId('utf8'), properties: { text: '€'.repeat(12_000) } };
      const problem = expectProblem(await collect(h, '/v1/batch', { batch: [event] }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors).toEqual([expect.objectContaining({ index: 0, code: 'ATTUNE_EVENT_TOO_LARGE' })]);
    });

    it('answers 413 ATTUNE_PAYLOAD_TOO_LARGE for a batch body over 500 KB, storing nothing', async () => {
      const batch = Array.from({ length: 20 }, () => ({ type: 'track', ...track('u'), messageId: uniqueId('bulk'), properties: { blob: bigString(26 * 1024) } }));
      expect(JSON.stringify({ batch }).length).toBeGreaterThan(500 * 1024);
      expectProblem(await collect(h, '/v1/batch', { batch }), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
      await expectNotStored(batch.map((e) => e.messageId));
    });

    it('answers 413 ATTUNE_BATCH_TOO_MANY_EVENTS at /batch for 2,501 events, storing nothing', async () => {
      const batch = Array.from({ length: 2501 }, (_, i) => ({ type: 'track', userId: 'u', event: 'e', messageId: `many-${i}` }));
      expect(JSON.stringify({ batch }).length).toBeLessThan(500 * 1024);
      const problem = expectProblem(await collect(h, '/v1/batch', { batch }), 413, 'ATTUNE_BATCH_TOO_MANY_EVENTS');
      expect(problem.field).toBe('/batch');
      await expectNotStored(['many-0', 'many-2500']);
    });

    it('takes exactly 2,500 events', async () => {
      const prefix = uniqueId('edge');
      const batch = Array.from({ length: 2500 }, (_, i) => ({ type: 'track', userId: 'u-edge', event: 'e', messageId: `${prefix}-${i}` }));
      expect(expectCollected(await collect(h, '/v1/batch', { batch }))).toMatchObject({ accepted: 2500, duplicates: 0 });
    });
  });

  describe('a missing or wrong key', () => {
    it('answers 401 ATTUNE_AUTH_MISSING without a key', async () => {
      const problem = expectProblem(await collect(h, '/v1/track', track('u'), null), 401, 'ATTUNE_AUTH_MISSING');
      expect(problem.detail).toMatch(/write key/);
    });

    it('answers 401 ATTUNE_AUTH_MISSING for Basic auth with an empty user name', async () => {
      const res = await collect(h, '/v1/track', track('u'), null, { authorization: `Basic ${Buffer.from(':').toString('base64')}` });
      expectProblem(res, 401, 'ATTUNE_AUTH_MISSING');
    });

    it('answers 401 ATTUNE_AUTH_INVALID for an unknown write key, in the header or in the body', async () => {
      const messageId = uniqueId('m');
      expectProblem(await collect(h, '/v1/track', track('u', { messageId }), 'atw_unknown'), 401, 'ATTUNE_AUTH_INVALID');
      expectProblem(await collect(h, '/v1/track', track('u', { messageId, writeKey: 'atw_unknown' }), null), 401, 'ATTUNE_AUTH_INVALID');
      expectProblem(await collect(h, '/v1/batch', { writeKey: 'atw_unknown', batch: [{ type: 'track', ...track('u'), messageId }] }, null), 401, 'ATTUNE_AUTH_INVALID');
      await expectNotStored([messageId]);
    });

    it('answers 401 ATTUNE_AUTH_MALFORMED for Basic credentials that are not base64', async () => {
      const problem = expectProblem(await collect(h, '/v1/track', track('u'), null, { authorization: 'Basic %%%not-base64%%%' }), 401, 'ATTUNE_AUTH_MALFORMED');
      expect(problem.detail).toMatch(/not valid base64/);
    });

    it('answers 401 on the admin API without a key and with an unknown key', async () => {
      expectProblem(await h.app.inject({ method: 'GET', url: '/admin/v1/workspace' }), 401, 'ATTUNE_AUTH_MISSING');
      expectProblem(await admin(h, 'GET', '/admin/v1/workspace', 'ats_unknown'), 401, 'ATTUNE_AUTH_INVALID');
    });
  });

  describe('a key of the wrong kind', () => {
    it('answers 403 ATTUNE_FORBIDDEN for a secret key on a collect route, storing nothing', async () => {
      const messageId = uniqueId('m');
      const problem = expectProblem(await collect(h, '/v1/track', track('u', { messageId }), h.a.secretKey), 403, 'ATTUNE_FORBIDDEN');
      expect(problem.detail).toMatch(/write key/);
      expectProblem(await collect(h, '/v1/batch', { batch: [{ type: 'track', ...track('u'), messageId }] }, h.a.secretKey), 403, 'ATTUNE_FORBIDDEN');
      await expectNotStored([messageId]);
    });

    it('answers 403 ATTUNE_FORBIDDEN for a write key on the admin API', async () => {
      for (const url of ['/admin/v1/workspace', '/admin/v1/keys', '/admin/v1/events', '/admin/v1/profiles/u']) {
        const problem = expectProblem(await admin(h, 'GET', url, h.a.writeKey), 403, 'ATTUNE_FORBIDDEN');
        expect(problem.detail).toMatch(/secret key/);
      }
      expectProblem(await admin(h, 'POST', '/admin/v1/keys', h.a.writeKey, { kind: 'secret' }), 403, 'ATTUNE_FORBIDDEN');
    });

    it('answers 401 for a write key in the settings URL that is really a secret key', async () => {
      expectProblem(await h.app.inject({ method: 'GET', url: `/v1/projects/${h.a.secretKey}/settings` }), 401, 'ATTUNE_AUTH_INVALID');
    });
  });

  describe('an unsupported or missing content type', () => {
    const collectionTypes = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];
    it.each([
      ['application/xml', '<track/>'],
      ['multipart/form-data; boundary=x', '--x--'],
    ])('answers 415 ATTUNE_UNSUPPORTED_MEDIA_TYPE for %s, naming the accepted types', async (contentType, body) => {
      for (const url of ['/v1/track', '/v1/t', '/v1/batch', '/v1/import']) {
        const problem = expectProblem(await postRaw(h, url, body, contentType), 415, 'ATTUNE_UNSUPPORTED_MEDIA_TYPE');
        expect(problem.detail).toBe(`the body's Content-Type ${contentType} is not accepted here; send JSON as application/json, text/plain or application/x-www-form-urlencoded`);
        expect(problem).toMatchObject({ field: 'headers/content-type', accepted: collectionTypes });
      }
    });

    it('answers 415 naming the accepted types for a body without a content type', async () => {
      const body = JSON.stringify(track('u'));
      const collectProblem = expectProblem(await postRaw(h, '/v1/track', body, null), 415, 'ATTUNE_UNSUPPORTED_MEDIA_TYPE');
      expect(collectProblem.detail).toMatch(/^the body has no Content-Type; send JSON as application\/json, text\/plain or application\/x-www-form-urlencoded$/);
      const decideProblem = expectProblem(await postRaw(h, '/v1/decide', JSON.stringify({ anonymousId: 'v', placements: ['hero'] }), null), 415, 'ATTUNE_UNSUPPORTED_MEDIA_TYPE');
      expect(decideProblem).toMatchObject({ detail: 'the body has no Content-Type; send JSON as application/json or text/plain', accepted: ['application/json', 'text/plain'] });
      const res = await h.app.inject({ method: 'POST', url: '/admin/v1/keys', headers: { authorization: bearer(h.a.secretKey) }, payload: '{"kind":"write"}' });
      expect(expectProblem(res, 415, 'ATTUNE_UNSUPPORTED_MEDIA_TYPE').detail).toBe('the body has no Content-Type; send JSON as application/json or text/plain');
    });

    it('reads application/x-www-form-urlencoded as JSON on the collection routes, and says so when it is not', async () => {
      const problem = expectProblem(await postRaw(h, '/v1/track', 'userId=u&event=e', 'application/x-www-form-urlencoded'), 400, 'ATTUNE_MALFORMED_JSON');
      expect(problem.detail).toMatch(/^a body sent as application\/x-www-form-urlencoded is read as JSON here, and this one is not/);
      expectCollected(await postRaw(h, '/v1/track', JSON.stringify(track('u-form')), 'application/x-www-form-urlencoded'));
    });

    it('answers 415 on the admin API too, naming its types', async () => {
      for (const contentType of ['application/xml', 'application/x-www-form-urlencoded']) {
        const res = await h.app.inject({ method: 'POST', url: '/admin/v1/keys', headers: { authorization: bearer(h.a.secretKey), 'content-type': contentType }, payload: 'kind=write' });
        expect(expectProblem(res, 415, 'ATTUNE_UNSUPPORTED_MEDIA_TYPE').detail).toBe(`the body's Content-Type ${contentType} is not accepted here; send JSON as application/json or text/plain`);
      }
    });
  });

  describe('invalid admin queries, parameters and bodies', () => {
    it.each([
      ['/admin/v1/events?limit=0', 'querystring/limit'],
      ['/admin/v1/events?limit=10001', 'querystring/limit'],
      ['/admin/v1/events?limit=ten', 'querystring/limit'],
      ['/admin/v1/events?after=-1', 'querystring/after'],
      ['/admin/v1/events?after=1.5', 'querystring/after'],
      ['/admin/v1/profiles/u1?events=-1', 'querystring/events'],
      ['/admin/v1/profiles/u1?events=1001', 'querystring/events'],
      ['/admin/v1/profiles/u1?events=all', 'querystring/events'],
      [`/admin/v1/profiles/${'p'.repeat(513)}`, 'params/id'],
    ])('answers ATTUNE_INVALID_REQUEST for GET %s with field %s', async (url, field) => {
      const problem = expectProblem(await admin(h, 'GET', url, h.a.secretKey), 400, 'ATTUNE_INVALID_REQUEST');
      expect(problem.field).toBe(field);
    });

    it.each([
      ['POST', '/admin/v1/keys', { kind: 'root' }, 'body/kind'],
      ['POST', '/admin/v1/keys', {}, 'body'],
      ['POST', '/admin/v1/keys/some-key/rotate', { graceSeconds: -1 }, 'body/graceSeconds'],
      ['POST', '/admin/v1/keys/some-key/rotate', { graceSeconds: 31 * 86400 }, 'body/graceSeconds'],
      ['POST', '/admin/v1/keys/some-key/rotate', { graceSeconds: 'an hour' }, 'body/graceSeconds'],
      ['POST', `/admin/v1/keys/${'k'.repeat(101)}/rotate`, {}, 'params/keyId'],
      ['DELETE', `/admin/v1/keys/${'k'.repeat(101)}`, undefined, 'params/keyId'],
    ] as const)('answers ATTUNE_INVALID_REQUEST for %s %s %j', async (method, url, payload, field) => {
      const problem = expectProblem(await admin(h, method, url, h.a.secretKey, payload), 400, 'ATTUNE_INVALID_REQUEST');
      expect(problem.field).toMatch(new RegExp(`^${field}`));
    });

    it.each([
      ['GET', '/admin/v1/profiles/%E0%A4%A'],
      ['DELETE', '/admin/v1/keys/%zz'],
      ['GET', '/v1/projects/%E0%A4%A/settings'],
      ['GET', `/admin/v1/profiles/${'p'.repeat(7000)}`],
    ] as const)('answers ATTUNE_INVALID_REQUEST at params, as problem+json, when the router refuses %s %s', async (method, url) => {
      const problem = expectProblem(await admin(h, method, url, h.a.secretKey), 400, 'ATTUNE_INVALID_REQUEST');
      expect(problem.field).toBe('params');
    });

    it('answers ATTUNE_MALFORMED_JSON for a malformed admin body', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/admin/v1/keys', headers: { authorization: bearer(h.a.secretKey), 'content-type': 'application/json' }, payload: '{"kind":' });
      expectProblem(res, 400, 'ATTUNE_MALFORMED_JSON');
    });

    it('answers ATTUNE_INVALID_REQUEST for a workspace without a name (admin token)', async () => {
      const withToken = await startHarness({ adminToken: 'test-admin-token' });
      try {
        const problem = expectProblem(await admin(withToken, 'POST', '/admin/v1/workspaces', 'test-admin-token', { name: '' }), 400, 'ATTUNE_INVALID_REQUEST');
        expect(problem.field).toBe('body/name');
        expectProblem(await admin(withToken, 'POST', '/admin/v1/workspaces', 'test-admin-token', { name: 'x', plan: 'gold' }), 400, 'ATTUNE_INVALID_REQUEST');
      } finally {
        await withToken.close();
      }
    });

    it('answers ATTUNE_NOT_FOUND for an unknown admin path', async () => {
      expectProblem(await admin(h, 'GET', '/admin/v1/no-such-thing', h.a.secretKey), 404, 'ATTUNE_NOT_FOUND');
    });
  });

  describe('one batch with every kind of bad event', () => {
    it('reports each bad event by index and code, and stores every valid one', async () => {
      const good = validEvents(4);
      const batch: unknown[] = [
        good[0],
        'not an object',
        { type: 'track', event: 'no identity' },
        good[1],
        { type: 'checkout', userId: 'u' },
        { type: 'track', userId: 'u', event: ['wrong'] },
        good[2],
        { type: 'track', userId: 'u', event: 'e', timestamp: 'tomorrow' },
        { type: 'track', userId: 'u', event: 'e', properties: { blob: 'x'.repeat(33 * 1024) } },
        null,
        good[3],
      ];
      const problem = expectProblem(await collect(h, '/v1/batch', { batch }), 400, 'ATTUNE_INVALID_EVENTS');
      expect(problem.errors?.map((e) => [e.index, e.code, e.field])).toEqual([
        [1, 'ATTUNE_EVENT_INVALID', ''],
        [2, 'ATTUNE_EVENT_MISSING_IDENTITY', '/userId'],
        [4, 'ATTUNE_EVENT_UNKNOWN_TYPE', '/type'],
        [5, 'ATTUNE_EVENT_INVALID', '/event'],
        [7, 'ATTUNE_EVENT_INVALID_TIMESTAMP', '/timestamp'],
        [8, 'ATTUNE_EVENT_TOO_LARGE', ''],
        [9, 'ATTUNE_EVENT_INVALID', ''],
      ]);
      for (const fault of problem.errors ?? []) expect(fault.message.length).toBeGreaterThan(0);
      expect(problem).toMatchObject({ accepted: 4, duplicates: 0 });
      expect(problem.detail).toMatch(/7 of 11/);
      await expectStored(good.map((e) => e['messageId']));
      const profile = await findProfile(h, h.a.secretKey, String(good[2]?.['userId']));
      expect(profile?.eventCounts).toEqual({ track: 1 });
    });

    it('counts the duplicates of a partly bad batch that is sent again', async () => {
      const good = validEvents(2);
      const batch = [good[0], { type: 'track', event: 'no identity' }, good[1]];
      expect(expectProblem(await collect(h, '/v1/batch', { batch }), 400, 'ATTUNE_INVALID_EVENTS')).toMatchObject({ accepted: 2, duplicates: 0 });
      expect(expectProblem(await collect(h, '/v1/batch', { batch }), 400, 'ATTUNE_INVALID_EVENTS')).toMatchObject({ accepted: 0, duplicates: 2 });
    });
  });

  describe('never a 500', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const eventLike = fc.record(
      {
        type: fc.oneof(fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias', 'bogus'), json),
        userId: fc.oneof(fc.string(), fc.integer(), json),
        anonymousId: fc.oneof(fc.string(), json),
        previousId: fc.oneof(fc.string(), json),
        groupId: fc.oneof(fc.string(), json),
        event: fc.oneof(fc.string(), json),
        messageId: fc.oneof(fc.string(), json),
        timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string(), json),
        sentAt: fc.oneof(fc.string(), json),
        properties: json,
        traits: json,
        context: json,
      },
      { requiredKeys: [] },
    );

    it('answers a 2xx or a 4xx problem for arbitrary batches', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(eventLike, json), { maxLength: 8 }), fc.option(json), async (batch, context) => {
          const res = await collect(h, '/v1/batch', { batch, ...(context === null ? {} : { context }) });
          expect(res.statusCode, res.body).toBeLessThan(500);
          if (res.statusCode >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }),
        { numRuns: 150, seed: 20_240_601 },
      );
    });

    it('answers a 2xx or a 4xx problem for arbitrary single calls and raw bodies', async () => {
      const routes = ['/v1/track', '/v1/identify', '/v1/page', '/v1/screen', '/v1/group', '/v1/alias', '/v1/t', '/v1/b'];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(eventLike.map((e) => JSON.stringify(e)), fc.json(), fc.string()), fc.constantFrom('application/json', 'text/plain'), async (url, body, contentType) => {
          const res = await postRaw(h, url, body, contentType);
          expect(res.statusCode, res.body).toBeLessThan(500);
          if (res.statusCode >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }),
        { numRuns: 150, seed: 20_240_602 },
      );
    });
  });

  it('uses Basic auth from the header over writeKey in the body', async () => {
    const userId = uniqueId('u');
    expectCollected(await collect(h, '/v1/track', track(userId, { writeKey: 'atw_unknown' }), h.a.writeKey));
    expect(await findProfile(h, h.a.secretKey, userId)).toBeDefined();
  });
});
