import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

describe('observability of refused requests', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  it('counts collect requests refused whole by reason, apart from per-event rejections', async () => {
    await h.app.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u', event: 'x' } });
    await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth('atw_nope') }, payload: { userId: 'u', event: 'x' } });
    await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey), 'content-type': 'application/json' }, payload: '{"batch": [' });
    await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { batch: [{ type: 'track', event: 'x' }] } });
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('attune_collect_requests_rejected_total{reason="ATTUNE_AUTH_MISSING"} 1');
    expect(metrics).toContain('attune_collect_requests_rejected_total{reason="ATTUNE_AUTH_INVALID"} 1');
    expect(metrics).toContain('attune_collect_requests_rejected_total{reason="ATTUNE_MALFORMED_JSON"} 1');
    expect(metrics).not.toContain('attune_collect_requests_rejected_total{reason="ATTUNE_INVALID_EVENTS"}');
    expect(metrics).toContain('attune_events_rejected_total{reason="ATTUNE_EVENT_MISSING_IDENTITY",step="requireIdentity"} 1');
  });

  it('documents error answers as application/problem+json in /openapi.json', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const batch = doc.paths['/v1/batch']?.['post']?.responses;
    expect(Object.keys(batch?.['400']?.content ?? {})).toEqual(['application/problem+json']);
    expect(Object.keys(batch?.['429']?.content ?? {})).toEqual(['application/problem+json']);
    const profile = doc.paths['/admin/v1/profiles/{id}']?.['get']?.responses;
    expect(Object.keys(profile?.['404']?.content ?? {})).toEqual(['application/problem+json']);
  });
});
