import type { Recommender } from '../Recommender.js';
import type { EvaluationCase } from './EvaluationCase.js';
import { metricsAtK } from './metricsAtK.js';

/** Means over the cases of the metrics at k, and the catalog coverage. */
export interface EvaluationResult {
  readonly recommender: string;
  readonly cases: number;
  readonly hitRate: number;
  readonly precision: number;
  readonly recall: number;
  readonly ndcg: number;
  readonly map: number;
  readonly mrr: number;
  /** Distinct items recommended in any top k, over the items in the catalog. */
  readonly coverage: number;
}

/**
 * Runs a recommender over every case and averages the metrics. Each case counts, including
 * one the recommender returns nothing for (all zeros): leaving such users out would flatter it.
 */
export function evaluateRecommender(recommender: Recommender, cases: readonly EvaluationCase[], k: number, itemCount: number): EvaluationResult {
  let hitRate = 0, precision = 0, recall = 0, ndcg = 0, map = 0, mrr = 0;
  const recommended = new Set<number>();
  for (const testCase of cases) {
    const ranked = recommender.recommend({ history: testCase.history, user: testCase.user, k, exclude: testCase.exclude }).map((s) => s.item);
    for (const item of ranked) recommended.add(item);
    const m = metricsAtK(ranked, testCase.relevant, testCase.relevantCount, k);
    hitRate += m.hit;
    precision += m.precision;
    recall += m.recall;
    ndcg += m.ndcg;
    map += m.averagePrecision;
    mrr += m.reciprocalRank;
  }
  const n = Math.max(1, cases.length);
  return {
    recommender: recommender.name,
    cases: cases.length,
    hitRate: hitRate / n,
    precision: precision / n,
    recall: recall / n,
    ndcg: ndcg / n,
    map: map / n,
    mrr: mrr / n,
    coverage: itemCount === 0 ? 0 : recommended.size / itemCount,
  };
}

export const metricNames = ['ndcg', 'precision', 'recall', 'map', 'mrr', 'hitRate', 'coverage'] as const;
export type MetricName = (typeof metricNames)[number];

/** The mean of each metric over runs (seeds), with its sample standard deviation as `<metric>Spread`. */
export type RunSummary = { readonly recommender: string; readonly runs: number } & Record<MetricName, number> & Record<`${MetricName}Spread`, number>;

export function summarizeRuns(runs: readonly EvaluationResult[]): RunSummary {
  const first = runs[0];
  if (first === undefined) throw new RangeError('summarizeRuns: no runs');
  const summary: Record<string, number | string> = { recommender: first.recommender, runs: runs.length };
  for (const metric of metricNames) {
    const values = runs.map((r) => r[metric]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.length < 2 ? 0 : values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
    summary[metric] = mean;
    summary[`${metric}Spread`] = Math.sqrt(variance);
  }
  return summary as RunSummary;
}
