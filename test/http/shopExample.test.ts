import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/cli/systemClock.js';
import { provisionShopExample, shopWorkspaceId } from '../../src/examples/shopExample.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

describe('provisionShopExample', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => h.close());

  const provision = () => provisionShopExample({ workspaces: h.workspaces, decisionConfig: h.store.decisionConfig, experiments: h.store.experiments, models: h.decisionModels, clock: systemClock });
  const decide = (writeKey: string) => h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(writeKey) }, payload: { anonymousId: 'v1', placements: ['home-hero'] } });

  it('creates its workspace once, keeps edits, and replaces its write key on each start', async () => {
    const mine = await h.workspaces.create('Example shop');
    const first = await provision();
    expect(first.workspaceId).toBe(shopWorkspaceId);
    expect((await decide(first.writeKey)).json().placements[0].decisions[0].actionId).toBe('spring-sale');
    await h.store.decisionConfig.deleteAction(shopWorkspaceId, 'spring-sale');
    h.decisionModels.invalidate(shopWorkspaceId);
    const second = await provision();
    expect(second.workspaceId).toBe(shopWorkspaceId);
    expect((await decide(first.writeKey)).statusCode).toBe(401);
    // Definitions are seeded with the workspace only: the deletion stays.
    expect((await h.store.decisionConfig.listActions(shopWorkspaceId)).map((a) => a.id)).not.toContain('spring-sale');
    expect((await decide(second.writeKey)).json().placements[0].decisions[0].actionId).toBe('new-arrivals');
    // A user's workspace with the same name is never touched: its write key still works.
    expect((await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(mine.writeKey) }, payload: { userId: 'u', event: 'e' } })).statusCode).toBe(200);
  });
});
