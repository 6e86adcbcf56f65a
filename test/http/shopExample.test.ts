import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provisionShopExample, shopActions, shopWorkspaceId } from '../../src/examples/shopExample.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

describe('provisionShopExample', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => h.close());

  const provision = () => provisionShopExample(h.engine);
  const post = (writeKey: string, url: string, payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url, headers: { authorization: basicAuth(writeKey) }, payload });
  const decide = async (writeKey: string, body: Record<string, unknown> = { anonymousId: 'v1' }) => {
    const res = await post(writeKey, '/v1/decide', { placements: ['home-hero', 'home-recs'], ...body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { identity: string; placements: { decisions: { decisionId: string; actionId: string | null; content: { title: string } }[] }[] };
  };
  const heroOf = async (writeKey: string, body?: Record<string, unknown>) => (await decide(writeKey, body)).placements[0]!.decisions[0]!;

  it('creates its workspace once, keeps edits, and replaces its write key on each start', async () => {
    const mine = await h.workspaces.create('Example shop');
    const first = await provision();
    expect(first.workspaceId).toBe(shopWorkspaceId);
    expect((await heroOf(first.writeKey)).actionId).toBe('spring-sale');
    await h.store.decisionConfig.deleteAction(shopWorkspaceId, 'spring-sale');
    h.decisionModels.invalidate(shopWorkspaceId);
    const second = await provision();
    expect(second.workspaceId).toBe(shopWorkspaceId);
    expect((await post(first.writeKey, '/v1/decide', { anonymousId: 'v1', placements: ['home-hero'] })).statusCode).toBe(401);
    // Definitions are seeded with the workspace only: the deletion stays.
    expect((await h.store.decisionConfig.listActions(shopWorkspaceId)).map((a) => a.id)).not.toContain('spring-sale');
    expect((await heroOf(second.writeKey)).actionId).toBe('new-arrivals');
    // A user's workspace with the same name is never touched: its write key still works.
    expect((await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(mine.writeKey) }, payload: { userId: 'u', event: 'e' } })).statusCode).toBe(200);
  });

  it('verifies identities, and signs the demo user with a secret made anew on each start', async () => {
    const first = await provision();
    expect(first.demoUser.userId).toBe('ada');
    await post(first.writeKey, '/v1/identify', { userId: 'ada', traits: { name: 'Ada' } });
    const signed = await decide(first.writeKey, { userId: 'ada', userHash: first.demoUser.userHash });
    expect(signed.identity).toBe('verified');
    expect(signed.placements[1]!.decisions[0]).toMatchObject({ actionId: 'recs-for-you', content: { title: 'Picked for you, Ada' } });
    // Anyone else naming Ada gets the anonymous picks.
    const forged = await decide(first.writeKey, { userId: 'ada', anonymousId: 'someone' });
    expect(forged.identity).toBe('unverified');
    expect(forged.placements[1]!.decisions[0]!.actionId).toBeNull();

    const second = await provision();
    expect(second.demoUser.userHash).not.toBe(first.demoUser.userHash);
    expect((await decide(second.writeKey, { userId: 'ada', userHash: first.demoUser.userHash })).identity).toBe('unverified');
    expect((await decide(second.writeKey, { userId: 'ada', userHash: second.demoUser.userHash })).identity).toBe('verified');
  });

  it('shows the shoe banner after a shoe was viewed, even though the reload views the home page again', async () => {
    const { writeKey } = await provision();
    const visitor = { anonymousId: 'shoe-visitor' };
    // First visit: the sale, seen once (its cap is one a day).
    const sale = await heroOf(writeKey, { ...visitor, events: [{ type: 'page', name: 'Shop home', properties: { path: '/examples/shop' } }] });
    expect(sale.actionId).toBe('spring-sale');
    await post(writeKey, '/v1/track', { ...visitor, event: 'Decision Viewed', properties: { decisionId: sale.decisionId, actionId: 'spring-sale', placement: 'home-hero', channel: 'web' } });
    // "View" on the trail runner: the product view and its page, as the page sends them.
    await post(writeKey, '/v1/track', { ...visitor, event: 'Product Viewed', properties: { product_id: 'trail-runner', category: 'shoes', price: 89 } });
    await post(writeKey, '/v1/page', { ...visitor, name: 'Trail runner', properties: { path: '/shoes/trail-runner' } });
    // The reload: a page view of the shop's home page comes with the decide.
    const reload = await heroOf(writeKey, { ...visitor, events: [{ type: 'page', name: 'Shop home', properties: { path: '/examples/shop' } }] });
    expect(reload).toMatchObject({ actionId: 'shoe-lover', content: { title: 'Still thinking about those shoes?' } });
    // A visitor who viewed socks only gets the next banner in line.
    const other = { anonymousId: 'sock-visitor' };
    await post(writeKey, '/v1/track', { ...other, event: 'Product Viewed', properties: { product_id: 'merino-socks', category: 'apparel' } });
    await post(writeKey, '/v1/track', { ...other, event: 'Decision Viewed', properties: { decisionId: 'd-x', actionId: 'spring-sale', placement: 'home-hero', channel: 'web' } });
    expect((await heroOf(writeKey, other)).actionId).toBe('new-arrivals');
  });

  it('upgrades the shoe banner of an example workspace seeded by an earlier release, unless it was edited', async () => {
    await provision();
    const shoe = shopActions.find((a) => a.id === 'shoe-lover')!;
    const earlier = { ...shoe, rule: 'session.section == "shoes" or "shoes" in session.search_terms' };
    await h.store.decisionConfig.putAction(shopWorkspaceId, earlier, 1);
    await h.store.knowledgeConfig.deleteFeature(shopWorkspaceId, 'shoe_views_24h');
    await provision();
    expect((await h.store.decisionConfig.listActions(shopWorkspaceId)).find((a) => a.id === 'shoe-lover')?.rule).toBe(shoe.rule);
    expect((await h.store.knowledgeConfig.listFeatures(shopWorkspaceId)).map((f) => f.name)).toContain('shoe_views_24h');

    const edited = { ...shoe, rule: 'session.section == "boots"' };
    await h.store.decisionConfig.putAction(shopWorkspaceId, edited, 2);
    await provision();
    expect((await h.store.decisionConfig.listActions(shopWorkspaceId)).find((a) => a.id === 'shoe-lover')?.rule).toBe('session.section == "boots"');
  });
});
