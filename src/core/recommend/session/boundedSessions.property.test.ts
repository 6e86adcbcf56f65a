import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trainSessionModels, type SessionClick, type SessionModels } from './SessionModels.js';
import { sessionKnnRecommender } from './sessionKnn.js';
import { sequentialRulesRecommender } from './SequentialRules.js';

// A bounded session model is the model of the sessions it kept: dropping the oldest session
// takes it out of the index and its clicks back out of the rules.

const clickArb = fc.record({ session: fc.integer({ min: 0, max: 12 }), item: fc.integer({ min: 0, max: 7 }) });

function plain(models: SessionModels) {
  const keyOf = new Map([...models.index.bySerial.values()].map((s) => [s.serial, s.key]));
  return {
    sessions: [...models.index.bySerial.values()].map((s) => [s.key, s.items, s.time]),
    holders: [...models.index.itemSessions].sort((a, b) => a[0] - b[0]).map(([item, serials]) => [item, serials.map((serial) => keyOf.get(serial))]),
  };
}

describe('bounded session models', () => {
  it('equal the models trained on the kept sessions\' clicks alone', () => {
    fc.assert(fc.property(fc.array(clickArb, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (raw, maxSessions) => {
      const clicks: SessionClick[] = raw.map((c, time) => ({ session: `s${c.session}`, item: c.item, time }));
      const bounded = trainSessionModels(clicks, { maxSessions, steps: 3 });
      expect(bounded.index.byKey.size).toBeLessThanOrEqual(maxSessions);

      // Which sessions survive: replay the rule (a new session past the bound drops the one that started first).
      const live: string[] = [];
      const kept = new Map<string, number>();
      clicks.forEach((c, i) => {
        if (!kept.has(c.session) || kept.get(c.session) === -1) {
          live.push(c.session);
          kept.set(c.session, i);
          if (live.length > maxSessions) kept.set(live.shift()!, -1);
        }
      });
      // A kept session's clicks from its last start on (a dropped key that comes back starts again).
      const fresh = trainSessionModels(clicks.filter((c, i) => live.includes(c.session) && i >= kept.get(c.session)!), { steps: 3 });

      expect(plain(bounded)).toEqual(plain(fresh));
      expect(bounded.rules.rules.size).toBe(fresh.rules.rules.size);
      for (const [from, row] of fresh.rules.rules) {
        const got = bounded.rules.rules.get(from)!;
        expect([...got.keys()].sort()).toEqual([...row.keys()].sort());
        for (const [to, weight] of row) expect(got.get(to)).toBeCloseTo(weight, 9);
      }
      for (const history of [[0], [1, 2], [3, 4, 5]]) {
        expect(sessionKnnRecommender(bounded.index).recommend({ history, k: 5 })).toEqual(sessionKnnRecommender(fresh.index).recommend({ history, k: 5 }));
        expect(sequentialRulesRecommender(bounded.rules).recommend({ history, k: 5 }).map((r) => r.item))
          .toEqual(sequentialRulesRecommender(fresh.rules).recommend({ history, k: 5 }).map((r) => r.item));
      }
    }), { seed: 13, numRuns: 300 });
  });
});
