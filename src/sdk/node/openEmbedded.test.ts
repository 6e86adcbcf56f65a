import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttuneApiError } from './AttuneApiError.js';
import { inProcessTransport } from './inProcessTransport.js';
import { openEmbedded } from './openEmbedded.js';

describe('openEmbedded: the Node SDK in-process, without HTTP', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('stores events and decides on the embedded store, with the same answers as the server', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attune-embedded-'));
    dirs.push(dataDir);
    const embedded = await openEmbedded({ dataDir, flushIntervalMs: 10 });
    const { engine, workspaceId, client } = embedded;
    const now = Date.now();
    // The workspace id is random, and so would be whether u1 falls in the default 5% holdout.
    await engine.experiments.setMeasurement(workspaceId, { holdoutShare: 0 });
    await engine.store.decisionConfig.putPlacement(workspaceId, { id: 'hero', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Hello' } }, now);
    await engine.store.decisionConfig.putAction(workspaceId, { id: 'vip', placements: ['hero'], priority: 1, value: 0, rule: 'profile.traits.vip == true', variants: { default: { title: 'Hi {{ profile.traits.name }}' } } }, now);
    engine.decisionModels.invalidate(workspaceId);

    client.identify({ userId: 'u1', traits: { vip: true, name: 'Ada' } });
    await client.flush();
    const answer = await client.decide({ userId: 'u1', placements: ['hero'] });
    expect(answer.placements[0]).toMatchObject({ placement: 'hero', fallback: null, decisions: [{ actionId: 'vip', content: { title: 'Hi Ada' }, probability: 1 }] });

    const stranger = await client.decide({ userId: 'nobody', placements: ['hero'] });
    expect(stranger).toMatchObject({ profileId: null, placements: [{ fallback: 'no_eligible_action', decisions: [{ actionId: null, content: { title: 'Hello' } }] }] });

    await expect(client.decide({ userId: 'u1', placements: ['nope'] })).rejects.toMatchObject({ status: 404, code: 'ATTUNE_PLACEMENT_NOT_FOUND' });
    await expect(client.decide({ userId: 'u1', placements: ['nope'] })).rejects.toBeInstanceOf(AttuneApiError);

    // Recommendations in-process: a view is in the next answer.
    await engine.catalog.putItems(workspaceId, [{ id: 'mug', title: 'Mug' }, { id: 'cup', title: 'Cup' }]);
    client.track({ userId: 'u1', event: 'Product Viewed', properties: { product_id: 'mug' } });
    await client.flush();
    const items = await client.recommend({ userId: 'u1', strategy: 'trending', count: 5 });
    expect(items).toMatchObject({ personalized: true, items: [{ id: 'mug', strategy: 'trending' }] });
    await embedded.close();

    // The same file opens again with what was stored.
    const again = await openEmbedded({ dataDir });
    expect((await again.client.decide({ userId: 'u1', placements: ['hero'] })).placements[0]?.decisions[0]?.actionId).toBe('vip');
    await again.close();
  });

  it("lets the application log exposures to Attune's experiments (the public routes may not)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'attune-embedded-'));
    dirs.push(dataDir);
    const embedded = await openEmbedded({ dataDir, flushIntervalMs: 10 });
    const { engine, workspaceId } = embedded;
    await engine.experiments.putExperiment(workspaceId, {
      id: 'hero-test', placement: 'hero', primaryMetric: 'conversion',
      arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } }],
    });
    const transport = inProcessTransport(engine, await engine.workspaces.get(workspaceId));
    await transport.send([{ type: 'track', userId: 'u1', event: 'Experiment Viewed', properties: { experiment_id: 'hero-test', variation_id: 'personalized' }, messageId: 'x1' }]);
    expect((await engine.experiments.analyze(workspaceId, 'hero-test')).units).toEqual({ control: 0, personalized: 1 });
    await embedded.close();
  });
});
