import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { compileKnowledgeModel } from '../../knowledge/KnowledgeModel.js';
import { compileRule } from '../../rules/compileRule.js';
import { RuleError } from '../../rules/RuleError.js';
import { ordersOfSummary, recordPurchase, type PurchaseSummary } from '../purchases/PurchaseSummary.js';
import { parsePredictionModel, serializePredictionModel } from './PredictionModel.js';
import { lazyPredictions, percentileOf, predictionsOf } from './predictionsOf.js';
import { splitInput } from '../propensity/evaluatePropensity.js';
import { fitPropensity, scorePropensity } from '../propensity/propensityModel.js';
import { timeSplitLabels } from '../propensity/timeSplitLabels.js';
import { trainPredictions, type TrainingProfile } from './trainPredictions.js';

const dayMs = 86_400_000;
const now = Date.parse('2026-06-30T12:00:00Z');

/** Two kinds of customer: regulars (a purchase every ~2 weeks until now) and lapsed ones (stopped long ago). */
function population(seed: number, size: number): TrainingProfile[] {
  const random = seededRandom(seed);
  return Array.from({ length: size }, (_v, i) => {
    const regular = i % 2 === 0;
    let at = now - (300 + Math.floor(random.next() * 60)) * dayMs;
    const end = regular ? now : now - (150 + Math.floor(random.next() * 100)) * dayMs;
    let purchases: PurchaseSummary | undefined;
    while (at < end) {
      purchases = recordPurchase(purchases, at, 20 + Math.floor(random.next() * 80));
      at += (regular ? 7 + random.next() * 14 : 20 + random.next() * 40) * dayMs;
    }
    return { id: `c${i}`, purchases: purchases! };
  });
}

describe('trainPredictions and predictionsOf', () => {
  const profiles = population(1, 400);
  const model = trainPredictions(profiles, { version: 3, now, random: seededRandom(2), horizonDays: 30 });

  it('fits a propensity model that tells regulars from lapsed customers, judged on a held-out half', () => {
    expect(model.notes).toEqual([]);
    expect(model.propensity!.heldOut.logistic.auc).toBeGreaterThan(0.95);
    const regular = predictionsOf(model, profiles[0]!.purchases, now);
    const lapsed = predictionsOf(model, profiles[1]!.purchases, now);
    expect(regular.values['purchase_propensity']).toBeGreaterThan(0.8);
    expect(lapsed.values['churn_risk']).toBeGreaterThan(0.8);
    expect(regular.values['purchase_propensity_percentile']).toBeGreaterThan(lapsed.values['purchase_propensity_percentile']!);
    expect(regular.values['model_version']).toBe(3);
    expect(regular.explanations['purchase_propensity']!.length).toBe(3);
  });

  it('fits BG/NBD and Gamma-Gamma: regulars are alive and worth more over the next 12 months', () => {
    expect(model.lifetimeValue!.bgNbd.converged).toBe(true);
    expect(model.lifetimeValue!.gammaGamma).toBeDefined();
    const regular = predictionsOf(model, profiles[0]!.purchases, now).values;
    const lapsed = predictionsOf(model, profiles[1]!.purchases, now).values;
    expect(regular['p_alive']).toBeGreaterThan(0.9);
    expect(lapsed['p_alive']).toBeLessThan(regular['p_alive']!);
    expect(regular['expected_purchases_12m']).toBeGreaterThan(10);
    expect(regular['clv_12m']).toBeGreaterThan(5 * lapsed['clv_12m']!);
  });

  it('scores one profile exactly as the batch scorer does, and ranks it among the training scores', () => {
    const today = Math.floor(now / dayMs);
    const orders = profiles.flatMap((p) => ordersOfSummary(p.purchases!, p.id));
    const batch = timeSplitLabels(orders, { cutoffDay: today, horizonDays: 1 });
    const scores = scorePropensity(model.propensity!.model, { numeric: batch.features, categorical: { firstPurchaseMonth: batch.firstPurchaseMonth } }, { top: 3 });
    const byId = new Map(profiles.map((p) => [p.id, p.purchases]));
    batch.customers.forEach((id, i) => {
      const one = predictionsOf(model, byId.get(id)!, now);
      expect(one.values['purchase_propensity']).toBeCloseTo(scores[i]!.propensity, 12);
      expect(one.explanations['purchase_propensity']!.map((c) => c.feature)).toEqual(scores[i]!.contributions.map((c) => c.feature));
    });
    expect(percentileOf([0.1, 0.2, 0.2, 0.4], 0.2)).toBe(50);
    expect(percentileOf([0.1, 0.2, 0.2, 0.4], 0.05)).toBe(0);
    expect(percentileOf([0.1, 0.2, 0.2, 0.4], 0.5)).toBe(100);
  });

  it('finds customer segments: regulars and lapsed customers fall in different clusters, and a retraining says how many kept theirs', () => {
    const clusters = model.clusters!;
    expect(clusters.k).toBe(4);
    expect(clusters.descriptions.reduce((sum, d) => sum + d.size, 0)).toBe(profiles.length);
    const clusterOfProfile = (i: number) => predictionsOf(model, profiles[i]!.purchases, now).values['cluster'];
    const regulars = new Set(profiles.filter((_p, i) => i % 2 === 0).map((_p, i) => clusterOfProfile(2 * i)));
    const lapsed = new Set(profiles.filter((_p, i) => i % 2 === 1).map((_p, i) => clusterOfProfile(2 * i + 1)));
    expect([...regulars].filter((c) => lapsed.has(c))).toEqual([]);
    const again = trainPredictions(profiles, { version: 4, now, random: seededRandom(9), horizonDays: 30, previous: model });
    expect(again.clusters!.stability!.previousVersion).toBe(3);
    expect(again.clusters!.stability!.shareKept).toBeGreaterThan(0.9);
    expect(model.clusters!.stability).toBeNull();
  });

  it('gives null predictions without a model or for a profile that never bought', () => {
    expect(predictionsOf(null, profiles[0]!.purchases, now).values['purchase_propensity']).toBeNull();
    expect(predictionsOf(model, undefined, now).values).toEqual({
      purchase_propensity: null, purchase_propensity_percentile: null, churn_risk: null, model_version: 3, clv_12m: null, expected_purchases_12m: null, p_alive: null, cluster: null,
    });
  });

  it('says why it fitted nothing when there are too few customers or only one class', () => {
    const few = trainPredictions(profiles.slice(0, 10), { version: 1, now, random: seededRandom(1) });
    expect(few.propensity).toBeUndefined();
    expect(few.notes[0]).toMatch(/at least 50 are needed/);
    const lapsedOnly = trainPredictions(profiles.filter((_p, i) => i % 2 === 1), { version: 1, now, random: seededRandom(1), horizonDays: 30 });
    expect(lapsedOnly.notes[0]).toMatch(/none of \d+ customers bought/);
  });

  it('survives JSON: the parsed model scores the same', () => {
    const parsed = parsePredictionModel(serializePredictionModel(model));
    expect(predictionsOf(parsed, profiles[4]!.purchases, now)).toEqual(predictionsOf(model, profiles[4]!.purchases, now));
  });

  it('scores and explains with boosted trees when they are the model, the same one at a time and in batch, through JSON', () => {
    const today = Math.floor(now / dayMs);
    const orders = profiles.flatMap((p) => ordersOfSummary(p.purchases!, p.id));
    const split = timeSplitLabels(orders, { cutoffDay: today - 30, horizonDays: 30 });
    const trees = fitPropensity(splitInput(split), split.labels, { trees: { random: seededRandom(4) } });
    expect(trees.trees!.trees).toBeGreaterThan(0);
    const treeModel = { ...model, propensity: { ...model.propensity!, model: trees } };
    const parsed = parsePredictionModel(serializePredictionModel(treeModel));
    expect(parsed.propensity!.model.trees!.splitFeature).toBeInstanceOf(Int32Array);
    expect(parsed.propensity!.model.trees!.nodeValue).toBeInstanceOf(Float64Array);
    const batch = timeSplitLabels(orders, { cutoffDay: today, horizonDays: 1 });
    const scores = scorePropensity(trees, splitInput(batch), { top: 3 });
    const byId = new Map(profiles.map((p) => [p.id, p.purchases]));
    batch.customers.slice(0, 40).forEach((id, i) => {
      const one = predictionsOf(parsed, byId.get(id)!, now);
      expect(one.values['purchase_propensity']).toBeCloseTo(scores[i]!.propensity, 12);
      expect(one.explanations['purchase_propensity']).toEqual(scores[i]!.contributions);
    });
    // Regulars score high because they bought recently: the trees' largest share says so.
    const regular = predictionsOf(parsed, profiles[0]!.purchases, now);
    expect(regular.values['purchase_propensity']).toBeGreaterThan(0.8);
    expect(regular.explanations['purchase_propensity']![0]!.contribution).toBeGreaterThan(0);
  });

  it('scores lazily, once, when a rule first reads a prediction', () => {
    let calls = 0;
    const lazy = lazyPredictions(() => { calls++; return { purchase_propensity: 0.7, purchase_propensity_percentile: 90, churn_risk: 0.3, model_version: 1 }; });
    const spread = { ...{ predictions: lazy } };
    expect(calls).toBe(0);
    const rule = compileRule('predictions.purchase_propensity > 0.5 and predictions.churn_risk < 0.4', compileKnowledgeModel({ features: [], segments: [] }).schema);
    expect(rule.matches({ now, predictions: spread.predictions })).toBe(true);
    expect(rule.matches({ now, predictions: spread.predictions })).toBe(true);
    expect(calls).toBe(1);
  });

  it('is a closed rule root: a misspelt prediction is an error with the nearest name', () => {
    const schema = compileKnowledgeModel({ features: [], segments: [] }).schema;
    expect(() => compileRule('predictions.churn_rsk > 0.5', schema)).toThrow(RuleError);
    expect(() => compileRule('predictions.churn_rsk > 0.5', schema)).toThrow(/did you mean "predictions.churn_risk"/);
  });
});

describe('trainPredictions with chosen profile inputs', () => {
  const horizonDays = 30;
  const cutoffDay = Math.floor(now / dayMs) - horizonDays;
  /**
   * Every customer bought 3 times before the cut-off in the same way, so the purchase history
   * says little; VIPs (a trait) buy again in the horizon far more often, and engaged visitors
   * (a feature) a little more. Non-buyers have inputs too.
   */
  function population(seed: number): { profiles: TrainingProfile[]; atCutoff: Map<string, { features: Record<string, unknown>; traits: Record<string, unknown> }> } {
    const random = seededRandom(seed);
    const profiles: TrainingProfile[] = [];
    const atCutoff = new Map<string, { features: Record<string, unknown>; traits: Record<string, unknown> }>();
    for (let i = 0; i < 600; i++) {
      const vip = random.next() < 0.5;
      const visits = Math.floor(random.next() * 10);
      let purchases: PurchaseSummary | undefined;
      for (let k = 0; k < 3; k++) purchases = recordPurchase(purchases, (cutoffDay - 20 - Math.floor(random.next() * 200)) * dayMs + 1, 50);
      if (random.next() < (vip ? 0.7 : 0.15) + visits * 0.01) purchases = recordPurchase(purchases, (cutoffDay + 1 + Math.floor(random.next() * (horizonDays - 1))) * dayMs + 1, 50);
      const inputs = { features: { visits_30d: visits }, traits: { vip, tier: vip ? 'gold' : 'basic' } };
      atCutoff.set(`c${i}`, inputs);
      profiles.push({ id: `c${i}`, purchases: purchases!, inputs });
    }
    for (let i = 0; i < 100; i++) profiles.push({ id: `v${i}`, inputs: { features: { visits_30d: 20 + (i % 5) }, traits: { tier: 'basic' } } });
    return { profiles, atCutoff };
  }
  const { profiles, atCutoff } = population(11);
  const chosen = { features: ['visits_30d'], traits: ['vip', 'tier'] };
  const plain = trainPredictions(profiles, { version: 1, now, random: seededRandom(3), horizonDays });
  const withInputs = trainPredictions(profiles, { version: 1, now, random: seededRandom(3), horizonDays, inputs: { chosen, atCutoff: (id) => atCutoff.get(id) } });

  it('learns from the chosen traits and features what the purchase history cannot tell, judged on the held-out half', () => {
    const without = plain.propensity!.heldOut.logistic.auc!;
    const withThem = withInputs.propensity!.heldOut.logistic.auc!;
    expect(withThem).toBeGreaterThan(0.7);
    expect(withThem - without).toBeGreaterThan(0.15);
    expect(withInputs.inputs).toEqual(chosen);
    expect(withInputs.propensity!.inputs!.map((c) => `${c.source}.${c.name}:${c.kind}`)).toEqual(['features.visits_30d:numeric', 'traits.vip:numeric', 'traits.tier:categorical']);
  });

  it('scores and explains a profile with its inputs now, and the same profile without them as missing', () => {
    const vip = profiles.find((p) => p.inputs?.traits['vip'] === true)!;
    const scored = predictionsOf(withInputs, vip.purchases, now, { inputs: vip.inputs!, top: 5 });
    expect(scored.explanations['purchase_propensity']!.map((c) => c.feature)).toContain('traits.vip');
    const notVip = predictionsOf(withInputs, vip.purchases, now, { inputs: { features: vip.inputs!.features, traits: { vip: false, tier: 'basic' } } });
    expect(scored.values['purchase_propensity']!).toBeGreaterThan(notVip.values['purchase_propensity']! + 0.2);
    const unknown = predictionsOf(withInputs, vip.purchases, now);
    expect(unknown.values['purchase_propensity']).not.toBeNull();
  });

  it('clusters every profile when inputs are chosen, so a visitor who never bought has a segment too', () => {
    expect(plain.clusters!.population).toBeUndefined();
    expect(predictionsOf(plain, undefined, now).values['cluster']).toBeNull();
    expect(withInputs.clusters!.population).toBe('profiles');
    expect(withInputs.clusters!.features).toEqual(['log1p recency days', 'log1p purchase days', 'log1p total spend', 'features.visits_30d', 'traits.vip', 'traits.tier=basic', 'traits.tier=gold']);
    const visitor = profiles.find((p) => p.id === 'v0')!;
    const cluster = predictionsOf(withInputs, undefined, now, { inputs: visitor.inputs! }).values['cluster'];
    expect(cluster).not.toBeNull();
    // The 100 non-buyers (no recency, no spend, many visits) share a segment of their own.
    const visitorClusters = new Set(profiles.filter((p) => p.purchases === undefined).map((p) => predictionsOf(withInputs, undefined, now, { inputs: p.inputs! }).values['cluster']));
    expect(visitorClusters.size).toBe(1);
    const described = withInputs.clusters!.descriptions.find((d) => d.cluster === cluster)!;
    expect(described.size).toBe(100);
  });

  it('finds segments as the units of a self-organizing map, paired with an earlier k-means over other columns', () => {
    const som = trainPredictions(profiles, {
      version: 2, now, random: seededRandom(3), horizonDays, clusterMethod: { kind: 'som', rows: 2, cols: 3, topology: 'hexagonal' },
      inputs: { chosen, atCutoff: (id) => atCutoff.get(id) }, previous: plain,
    });
    expect(som.clusters!.k).toBe(6);
    expect(som.clusters!.som).toMatchObject({ rows: 2, cols: 3, topology: 'hexagonal' });
    expect(som.clusters!.som!.quantizationError).toBeGreaterThan(0);
    expect(som.clusters!.descriptions.reduce((sum, d) => sum + d.size, 0)).toBe(700);
    // Paired with version 1's 4 clusters by the profiles both put together, although k, method and columns differ.
    expect(som.clusters!.stability).toMatchObject({ previousVersion: 1 });
    expect(som.clusters!.stability!.pairs).toHaveLength(4);
    const again = parsePredictionModel(serializePredictionModel(som));
    const p = profiles[7]!;
    expect(predictionsOf(again, p.purchases, now, { inputs: p.inputs! })).toEqual(predictionsOf(som, p.purchases, now, { inputs: p.inputs! }));
  });
});
