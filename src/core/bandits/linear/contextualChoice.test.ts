import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { choiceProbabilities, contextualProbabilities, type ActionPrediction, type ContextualExploration } from './contextualChoice.js';

describe('choiceProbabilities', () => {
  // A decision reads them by index (core/decide/contextual.ts): they must be the map's, exactly.
  it.each([
    ['linear Thompson sampling', { kind: 'linTS', scale: 0.25 }],
    ['LinUCB', { kind: 'linUCB', alpha: 1 }],
  ] as [string, ContextualExploration][])('are contextualProbabilities in the predictions\' order, bit for bit: %s', (_name, exploration) => {
    const random = seededRandom(4);
    for (let c = 0; c < 50; c++) {
      const k = 1 + (c % 12);
      const predictions: ActionPrediction[] = Array.from({ length: k }, (_v, i) => ({ actionId: `a${((i * 7) % 12).toString()}`, mean: random.next() - 0.5, spread: c % 5 === 0 ? 0 : random.next() }));
      const floor = [0, 0.01, 0.5][c % 3]!;
      const byId = contextualProbabilities(predictions, exploration, floor);
      expect(choiceProbabilities(predictions, exploration, floor)).toEqual(predictions.map((p) => byId.get(p.actionId)));
    }
    expect(choiceProbabilities([], exploration, 0.01)).toEqual([]);
  });
});
