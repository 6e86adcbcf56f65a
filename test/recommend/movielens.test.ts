import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/common/random.js';
import { easeNormalizedTrainer, easeTrainer } from '../../src/core/recommend/ease/trainEase.js';
import { evaluateRecommender, summarizeRuns, type EvaluationResult } from '../../src/core/recommend/evaluate/evaluateRecommender.js';
import { splitPerUser } from '../../src/core/recommend/evaluate/protocols.js';
import { popularTrainer } from '../../src/core/recommend/popularity/popularity.js';
import { readInteractions } from '../../src/recommend/readInteractions.js';
import { sharedDataFile } from '../support/sharedReference.js';

/**
 * MovieLens 100K, per-user 75/25 split, top 10, training items excluded (the protocol of
 * Microsoft Recommenders' benchmark table, ../shared/data/README.md). The numpy reference for
 * plain EASE (lambda 500) on this protocol is nDCG@10 0.480 (P@10 0.419, R@10 0.223, MAP 0.148),
 * popularity about 0.25. Two seeds here (five in `npm run bench -- recommend`): a 2-seed mean
 * of EASE varies by about 0.004 (seed-to-seed spread 0.004 / sqrt 2), so its tolerance is 0.015
 * rather than the 5-seed 0.01. The variant is compared with plain EASE on the same splits, which
 * removes most of the split noise: it must lead by at least 0.004 (0.008 measured over 5 seeds).
 */
const file = sharedDataFile('movielens-100k/u.data');

describe.skipIf(file.path === null)('MovieLens 100K reference figures', () => {
  it('EASE(500) reaches the numpy reference, popularity about 0.25, the variant beats plain EASE', () => {
    const { data } = readInteractions(file.path!);
    expect(data.interactions).toHaveLength(100_000);
    const runs: Record<string, EvaluationResult[]> = { popular: [], ease: [], 'ease-norm': [] };
    for (const seed of [1, 2]) {
      const split = splitPerUser(data, seededRandom(seed));
      expect(split.cases).toHaveLength(943);
      for (const trainer of [popularTrainer, easeTrainer, easeNormalizedTrainer]) {
        runs[trainer.name]!.push(evaluateRecommender(trainer.train(split.train), split.cases, 10, data.itemIds.length));
      }
    }
    const ease = summarizeRuns(runs['ease']!);
    const popular = summarizeRuns(runs['popular']!);
    const best = summarizeRuns(runs['ease-norm']!);
    expect(Math.abs(ease.ndcg - 0.480)).toBeLessThan(0.015);
    expect(Math.abs(ease.precision - 0.419)).toBeLessThan(0.015);
    expect(Math.abs(ease.recall - 0.223)).toBeLessThan(0.01);
    expect(Math.abs(ease.map - 0.148)).toBeLessThan(0.01);
    expect(Math.abs(popular.ndcg - 0.25)).toBeLessThan(0.015);
    expect(best.ndcg - ease.ndcg).toBeGreaterThan(0.004);
    expect(best.ndcg).toBeGreaterThan(0.48);
  }, 120_000);
});

if (file.path === null) describe('MovieLens 100K reference figures', () => it.skip(file.skipReason, () => undefined));
