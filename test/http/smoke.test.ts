import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

describe('collect smoke', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  it('stores a track call and shows it on the profile', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { userId: 'u1', event: 'Signed Up', messageId: 'm1' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, accepted: 1, duplicates: 0 });
    const profile = await h.app.inject({ method: 'GET', url: '/admin/v1/profiles/u1', headers: { authorization: `Bearer ${h.a.secretKey}` } });
    expect(profile.statusCode).toBe(200);
    expect(profile.json().eventCounts).toEqual({ track: 1 });
  });
});
