import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

// Inputs a public write key can send that once cost a whole batch or a trait.
describe('hostile input', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  const batch = (events: unknown[]) =>
    h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { batch: events } });
  const profile = async (id: string) =>
    (await h.app.inject({ method: 'GET', url: `/admin/v1/profiles/${id}`, headers: { authorization: `Bearer ${h.a.secretKey}` } })).json() as { traits: Record<string, unknown>; eventCounts: Record<string, number> };

  it('rejects a deeply nested event by its index and keeps the rest of the batch', async () => {
    // Written as text: JSON.stringify itself cannot serialise 5,000 levels.
    const deep = `${'['.repeat(5000)}"bottom"${']'.repeat(5000)}`;
    const body = `{"batch":[{"type":"track","userId":"deep-ok","event":"Fine","messageId":"deep-1"},`
      + `{"type":"track","userId":"deep-bad","event":"Nested","messageId":"deep-2","properties":{"x":${deep}}}]}`;
    const res = await h.app.inject({
      method: 'POST', url: '/v1/batch', payload: body,
      headers: { authorization: basicAuth(h.a.writeKey), 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'ATTUNE_INVALID_EVENTS', accepted: 1, errors: [{ index: 1, code: 'ATTUNE_EVENT_INVALID', field: '' }] });
    expect((await profile('deep-ok')).eventCounts).toEqual({ track: 1 });
  });

  it('accepts nesting up to 64 levels', async () => {
    let nested: unknown = 1;
    for (let i = 0; i < 60; i++) nested = { n: nested };
    expect((await batch([{ type: 'track', userId: 'nest-ok', event: 'Nested', messageId: 'nest-1', properties: { x: nested } }])).statusCode).toBe(200);
  });

  it('keeps traits named like Object.prototype members through a merge', async () => {
    await batch([{ type: 'identify', userId: 'proto-user', messageId: 'p-1', traits: { name: 'Ann' } }]);
    await batch([{ type: 'identify', anonymousId: 'proto-anon', messageId: 'p-2', traits: { toString: 'x', valueOf: 2, hasOwnProperty: true, city: 'Bern' } }]);
    await batch([{ type: 'identify', userId: 'proto-user', anonymousId: 'proto-anon', messageId: 'p-3' }]);
    expect((await profile('proto-user')).traits).toEqual({ name: 'Ann', toString: 'x', valueOf: 2, hasOwnProperty: true, city: 'Bern' });
  });

  it('a previousId on a call other than alias links nothing', async () => {
    await batch([{ type: 'identify', userId: 'pv-a', messageId: 'pv-1' }, { type: 'identify', userId: 'pv-b', messageId: 'pv-2' }]);
    await batch([{ type: 'track', userId: 'pv-b', previousId: 'pv-a', event: 'Clicked', messageId: 'pv-3' }]);
    const a = await h.app.inject({ method: 'GET', url: '/admin/v1/profiles/pv-a', headers: { authorization: `Bearer ${h.a.secretKey}` } });
    const b = await h.app.inject({ method: 'GET', url: '/admin/v1/profiles/pv-b', headers: { authorization: `Bearer ${h.a.secretKey}` } });
    expect(a.json().id).not.toBe(b.json().id);
  });
});
