import { describe, expect, it } from 'vitest';
import { fixedClock, sequentialIds } from '../core/common/ports.js';
import { seededRandom } from '../core/common/random.js';
import { defaultIdentitySettings } from '../core/identity/types.js';
import { openSqliteStore } from '../store/sqlite/openSqliteStore.js';
import { PersonalizerService } from './PersonalizerService.js';
import { bestBike as best, bikeActions as actions, pays, visitorContexts as contexts } from '../../test/support/personalizerWorld.js';

// The figures docs/personalizer.md quotes ("How it learns"): ten seeded runs of the loop.

const rounds = 400;

/** One run: the share of rounds rewarded, and each context's probabilities at the end. */
async function run(seed: number): Promise<{ rewarded: number; final: Record<string, Record<string, number>> }> {
  const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  try {
    await store.workspaces.createWorkspace({ id: 'w', name: 'w', createdAt: 0, identity: defaultIdentitySettings }, []);
    const service = new PersonalizerService({ store: store.rankEvents, clock: fixedClock(0), ids: sequentialIds('e'), random: seededRandom(seed) });
    const world = seededRandom(seed + 1000);
    let rewarded = 0;
    for (let round = 0; round < rounds; round++) {
      const name = round % 2 === 0 ? 'weekend' : 'weekday';
      const ranked = await service.rank('w', { contextFeatures: contexts[name], actions });
      const paid = pays(name, ranked.rewardActionId, world.next());
      rewarded += paid ? 1 : 0;
      await service.reward('w', ranked.eventId, paid ? 1 : 0);
    }
    const final: Record<string, Record<string, number>> = {};
    for (const name of ['weekend', 'weekday'] as const) {
      const ranked = await service.rank('w', { contextFeatures: contexts[name], actions, deferActivation: true });
      final[name] = Object.fromEntries(ranked.ranking.map((r) => [r.id, r.probability]));
    }
    return { rewarded: rewarded / rounds, final };
  } finally {
    await store.close();
  }
}

describe('PersonalizerService', () => {
  it('earns far more than a uniform choice (0.37) over ten seeded runs, and ends on the right action per context', async () => {
    const runs = [];
    for (let seed = 1; seed <= 10; seed++) runs.push(await run(seed));
    const rates = runs.map((r) => r.rewarded);
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    // 20% uniform exploration caps the expected rate at 0.8667 · 0.9 + 0.1333 · 0.1 ≈ 0.79.
    expect(Math.min(...rates)).toBeGreaterThan(0.7);
    expect(mean).toBeGreaterThan(0.74);
    for (const { final } of runs) {
      for (const name of ['weekend', 'weekday'] as const) {
        expect(final[name]![best[name]]).toBeCloseTo(1 - 0.2 + 0.2 / 3, 3);
      }
    }
  }, 120_000);
});
