import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import type { SendTimeView } from '../../src/api/decideSchemas.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, findProfile, uniqueId } from './httpHelpers.js';

// GET /v1/profiles/:id/best-send-time: engagement hours kept per profile as events arrive
// (with explicit timestamps), smoothed toward the workspace's, on an injected clock.

const t0 = Date.parse('2026-03-02T10:00:00.000Z'); // a Monday; New York is on EST (UTC-5) until March 8
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const iso = (ms: number) => new Date(ms).toISOString();
/** 00:00 UTC of the day `days` before t0's. */
const midnight = (days: number) => Date.parse('2026-03-02T00:00:00.000Z') - days * day;

describe('best send time', () => {
  const clock = fixedClock(t0);
  let h: Harness;

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
  });
  afterEach(async () => { await h.close(); });

  const send = async (batch: Record<string, unknown>[], writeKey = h.a.writeKey) => {
    const res = await collect(h, '/v1/batch', { batch }, writeKey);
    expect(expectCollected(res).accepted, res.body).toBe(batch.length);
  };
  const identify = (userId: string, traits: Record<string, unknown> = {}) => ({ type: 'identify', userId, traits, timestamp: iso(clock.now()) });
  const opened = (userId: string, at: number) => ({ type: 'track', userId, event: 'Email Opened', messageId: uniqueId('open'), timestamp: iso(at) });
  const pageView = (userId: string, at: number) => ({ type: 'page', userId, name: 'Home', messageId: uniqueId('page'), timestamp: iso(at) });
  const request = (id: string, key = h.a.secretKey, channel: string | null = 'email') =>
    admin(h, 'GET', `/v1/profiles/${encodeURIComponent(id)}/best-send-time${channel === null ? '' : `?channel=${channel}`}`, key);
  const best = async (id: string, key = h.a.secretKey, channel: string | null = 'email'): Promise<SendTimeView> => {
    const res = await request(id, key, channel);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<SendTimeView>();
  };
  const argmax = (values: readonly number[]) => values.indexOf(Math.max(...values));

  it('gives a profile that opens email mostly at 07:xx UTC hour 7, on its own data once it has 20 events', async () => {
    await send([identify('u1')]);
    // 22 opens at 07:xx UTC and 3 at 19:xx over the last four days, sent one at a time.
    const opens = [
      ...Array.from({ length: 22 }, (_, i) => midnight(i % 4) + 7 * hour + (i * 2 + 1) * minute),
      midnight(1) + 19 * hour + 10 * minute, midnight(2) + 19 * hour + 40 * minute, midnight(3) + 19 * hour + 5 * minute,
    ];
    const bases: string[] = [];
    for (const at of opens) {
      await send([opened('u1', at)]);
      const answer = await best('u1');
      // The profile's own data carries the answer once its (decayed) events reach 20.
      expect(answer.basis).toBe(answer.profileEvents >= 20 ? 'profile' : 'blended');
      bases.push(answer.basis);
    }
    expect(bases[0]).toBe('blended');
    expect(bases.at(-1)).toBe('profile');

    const answer = await best('u1');
    const profileId = (await findProfile(h, h.a.secretKey, 'u1'))!.id;
    expect(answer).toMatchObject({
      profileId, channel: 'email', hourUtc: 7, hourLocal: 7, localTime: '07:00', timeZone: 'UTC', nextSendAt: '2026-03-03T07:00:00.000Z', basis: 'profile',
    });
    // 25 events of the last four days, decayed with a 90-day half-life.
    expect(answer.profileEvents).toBeGreaterThan(24);
    expect(answer.profileEvents).toBeLessThanOrEqual(25);
    expect(answer.histogram).toHaveLength(24);
    expect(answer.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(argmax(answer.histogram)).toBe(7);
    // The channel defaults to email; by profile id too.
    expect(await best(profileId, h.a.secretKey, null)).toEqual(answer);
  });

  it('gives a profile with no email data the workspace\'s hour, and the default hour when nobody has any', async () => {
    // Others open email at 18:xx UTC; u4 only browses (web engagement, not email).
    await send([identify('u2'), identify('u3'), identify('u4')]);
    await send([1, 2, 3].flatMap((d) => [opened('u2', midnight(d) + 18 * hour + 5 * minute), opened('u3', midnight(d) + 18 * hour + 50 * minute)]));
    await send([pageView('u4', midnight(1) + 21 * hour), pageView('u4', midnight(2) + 21 * hour + 30 * minute)]);

    const email = await best('u4');
    expect(email).toMatchObject({ hourUtc: 18, hourLocal: 18, localTime: '18:00', nextSendAt: '2026-03-02T18:00:00.000Z', basis: 'workspace', profileEvents: 0 });
    // On the web, u4 has data of its own.
    const web = await best('u4', h.a.secretKey, 'web');
    expect(web.basis).toBe('blended');
    expect(web.profileEvents).toBeGreaterThan(1.9);
    // A profile that has opened email is blended with the workspace's hours.
    expect(await best('u2')).toMatchObject({ hourUtc: 18, basis: 'blended' });

    // Workspace B has no email data at all: 10:00 in the profile's zone.
    await send([identify('b1'), identify('b2', { timezone: 'Europe/Zurich' })], h.b.writeKey);
    expect(await best('b1', h.b.secretKey)).toMatchObject({
      hourUtc: 10, hourLocal: 10, localTime: '10:00', timeZone: 'UTC', nextSendAt: '2026-03-03T10:00:00.000Z', basis: 'default', profileEvents: 0,
    });
    // 10:00 in Zurich (UTC+1 in winter) is 09:00 UTC; today's has passed.
    expect(await best('b2', h.b.secretKey)).toMatchObject({
      hourUtc: 9, hourLocal: 10, localTime: '10:00', timeZone: 'Europe/Zurich', nextSendAt: '2026-03-03T09:00:00.000Z', basis: 'default',
    });
  });

  it('gives hourLocal and localTime in the profile\'s timezone trait', async () => {
    await send([identify('u1', { timezone: 'Asia/Kolkata' })]);
    await send(Array.from({ length: 6 }, (_, i) => opened('u1', midnight(i % 3) + 7 * hour + i * 5 * minute)));
    // 07:00 UTC is 12:30 in Kolkata (UTC+05:30).
    expect(await best('u1')).toMatchObject({ hourUtc: 7, hourLocal: 12, localTime: '12:30', timeZone: 'Asia/Kolkata', nextSendAt: '2026-03-03T07:00:00.000Z' });

    // In New York it is 02:00 on EST, and 03:00 once summer time starts (March 8).
    await send([identify('u1', { timezone: 'America/New_York' })]);
    expect(await best('u1')).toMatchObject({ hourUtc: 7, hourLocal: 2, localTime: '02:00', timeZone: 'America/New_York' });
    clock.set(Date.parse('2026-03-10T10:00:00.000Z'));
    expect(await best('u1')).toMatchObject({ hourUtc: 7, hourLocal: 3, localTime: '03:00', timeZone: 'America/New_York', nextSendAt: '2026-03-11T07:00:00.000Z' });

    // An unknown zone is UTC.
    await send([identify('u1', { timezone: 'Mars/Olympus_Mons' })]);
    expect(await best('u1')).toMatchObject({ hourUtc: 7, hourLocal: 7, localTime: '07:00', timeZone: 'UTC' });
  });

  it('answers 404 ATTUNE_PROFILE_NOT_FOUND for an unknown profile, and refuses a write key or no key', async () => {
    const unknown = await request('nobody');
    expect(expectProblem(unknown, 404, 'ATTUNE_PROFILE_NOT_FOUND').detail).toContain('nobody');
    expectProblem(await request('p_00000000000000000000000000000000'), 404, 'ATTUNE_PROFILE_NOT_FOUND');

    await send([identify('u1'), opened('u1', midnight(1) + 7 * hour)]);
    expect((await best('u1')).hourUtc).toBe(7);
    expect(expectProblem(await request('u1', h.a.writeKey), 403, 'ATTUNE_FORBIDDEN').detail).toContain('secret key');
    const basic = await h.app.inject({ method: 'GET', url: '/v1/profiles/u1/best-send-time?channel=email', headers: { authorization: basicAuth(h.a.writeKey) } });
    expectProblem(basic, 403, 'ATTUNE_FORBIDDEN');
    expectProblem(await h.app.inject({ method: 'GET', url: '/v1/profiles/u1/best-send-time' }), 401, 'ATTUNE_AUTH_MISSING');
    expectProblem(await request('u1', 'not-a-key'), 401, 'ATTUNE_AUTH_INVALID');
    expect(expectProblem(await request('u1', h.a.secretKey, ''), 400, 'ATTUNE_INVALID_REQUEST').field).toMatch(/^querystring/);
  });
});
