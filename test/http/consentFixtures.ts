import { expect } from 'vitest';
import { basicAuth, bearer, type Harness } from '../support/harness.js';
import { admin } from './httpHelpers.js';

/** Shared set-up of the consent tests: a feature, a segment, a placement and an action for its members. */

export interface ConsentProfileView {
  features: Record<string, unknown>;
  segments: { id: string }[];
  consent: { purposes: Record<string, { granted: boolean; source: string | null }>; history: { purpose: string; granted: boolean }[] };
}

export interface HomeHeroDecision {
  fallback: string | null;
  decisions: { actionId: string | null; content: unknown }[];
}

export async function putConfig(h: Harness, path: string, body: Record<string, unknown>): Promise<void> {
  const res = await h.app.inject({ method: 'PUT', url: path, headers: { authorization: bearer(h.a.secretKey) }, payload: body });
  expect(res.statusCode, res.body).toBeLessThan(300);
}

/** Workspace A: the feature `views`, the segment `vip` (plan gold), the placement `home-hero` (default "Welcome") and the action `gold-offer` for vip. */
export async function seedGoldOffer(h: Harness, at: number): Promise<void> {
  const ws = h.a.id;
  await h.store.knowledgeConfig.putFeature(ws, { name: 'views', aggregate: 'count', events: ['Product Viewed'] }, at);
  await h.store.knowledgeConfig.putSegment(ws, { id: 'vip', name: 'Gold plan', rule: 'profile.traits.plan == "gold"' }, at);
  await putConfig(h, '/admin/v1/placements/home-hero', { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
  await putConfig(h, '/admin/v1/actions/gold-offer', { placements: ['home-hero'], priority: 10, rule: 'in_segment("vip")', variants: { default: { title: 'Gold offer' } } });
}

export async function profileOf(h: Harness, id: string): Promise<ConsentProfileView> {
  const res = await admin(h, 'GET', `/admin/v1/profiles/${id}`, h.a.secretKey);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ConsentProfileView>();
}

export async function decideHomeHero(h: Harness, anonymousId: string, context: Record<string, unknown> = {}): Promise<HomeHeroDecision> {
  const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { anonymousId, placements: ['home-hero'], context } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ placements: HomeHeroDecision[] }>().placements[0]!;
}
