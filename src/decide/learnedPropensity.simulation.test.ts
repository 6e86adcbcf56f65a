import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../core/common/ports.js';
import { seededRandom, type Random } from '../core/common/random.js';
import type { ActionDefinition } from '../core/decide/ActionDefinition.js';
import { compileDecisionModel, type DecisionModel } from '../core/decide/compileDecisionModel.js';
import { decide } from '../core/decide/decide.js';
import type { Interaction, InteractionKind } from '../core/decide/interactions.js';
import type { PlacementDefinition } from '../core/decide/PlacementDefinition.js';
import type { ScoringStrategy } from '../core/decide/scoring.js';
import { compileKnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { emptyKnowledge } from '../core/knowledge/KnowledgeState.js';
import type { ContextualDecision } from '../store/ports.js';
import { ContextualBandits, type PropensityReport } from './ContextualBandits.js';

/*
 * The must-show of a learned propensity (issue 14, item 3), on a seeded simulation: click
 * probabilities depend on the visitor's profile (their `tier` trait) differently per action,
 * so one propensity for all actions cannot rank them. The expected-value strategy with a
 * learned propensity is run through the decision pipeline and the same learning path as
 * production (ContextualBandits fed with Decision Viewed and Decision Clicked interactions),
 * beside the same strategy with one rule for all actions; each earns Σ value × true click
 * probability of what it chose (the expectation, free of the clicks' own noise).
 */

const NOW = Date.parse('2026-05-01T12:00:00Z');
const WS = 'ws1';
const knowledge = compileKnowledgeModel({ features: [], segments: [] });
const tiers = ['gold', 'silver', 'basic'] as const;
/** True click probability per action and tier, and each action's value. */
const truth: Record<string, { value: number; rate: Record<(typeof tiers)[number], number> }> = {
  x: { value: 1, rate: { gold: 0.3, silver: 0.03, basic: 0.03 } },
  y: { value: 1.2, rate: { gold: 0.04, silver: 0.25, basic: 0.04 } },
  z: { value: 1.5, rate: { gold: 0.08, silver: 0.08, basic: 0.08 } },
};
const actions: ActionDefinition[] = Object.entries(truth).map(([id, t]) => ({ id, placements: ['hero'], priority: 0, value: t.value, variants: { default: { title: id } } }));

const learned: ScoringStrategy = {
  kind: 'expectedValue',
  // The defaults otherwise: minImpressions 100, explorationShare 0.05, learningRate 0.3, l2 1, dims 64.
  propensity: { kind: 'learned', outcome: 'click', inputs: { traits: ['tier'] }, prior: { constant: 0.1 } },
};
/** A typical hand-written propensity: more engaged visitors click more, whatever the action. */
const ruleBaseline: ScoringStrategy = { kind: 'expectedValue', propensity: { rule: 'min(1, 0.05 + 0.01 * profile.traits.visits)' } };

function modelWith(strategy: ScoringStrategy): DecisionModel {
  const placement: PlacementDefinition = { id: 'hero', channel: 'web', count: 1, strategy, defaultContent: null };
  return compileDecisionModel({ actions, placements: [placement] }, knowledge);
}

interface Run {
  readonly earned: number;
  readonly oracle: number;
  readonly bandits: ContextualBandits;
  readonly report: PropensityReport[];
  readonly decisions: ContextualDecision[];
  readonly interactions: Interaction[];
}

function banditsOver(model: DecisionModel, decisions: ContextualDecision[], interactions: Interaction[]): ContextualBandits {
  return new ContextualBandits({
    reader: {
      contextualFeedback: async () => ({ decisions: [...decisions], interactions: [...interactions] }),
      contextualDecision: async (_ws, id) => decisions.find((d) => d.decisionId === id),
    },
    models: { get: async () => model },
    clock: { now: () => NOW },
    onError: (error) => { throw error; },
  });
}

async function simulate(strategy: ScoringStrategy, seed: number, rounds: number): Promise<Run> {
  const model = modelWith(strategy);
  const decisions: ContextualDecision[] = [];
  const interactions: Interaction[] = [];
  const bandits = banditsOver(model, decisions, interactions);
  const world: Random = seededRandom(seed);
  const picks: Random = seededRandom(seed + 1000);
  const ids = sequentialIds('d');
  let earned = 0;
  let oracle = 0;
  const interact = (kind: InteractionKind, d: { decisionId: string; actionId: string }) => {
    const interaction: Interaction = { kind, decisionId: d.decisionId, actionId: d.actionId, placementId: 'hero', channel: 'web', value: 0, at: NOW, timeZone: null };
    interactions.push(interaction);
    bandits.record(WS, interaction);
  };
  for (let i = 0; i < rounds; i++) {
    const tier = tiers[Math.floor(world.next() * tiers.length)]!;
    const visits = Math.floor(world.next() * 10);
    const lookups = await bandits.lookupFor(WS, model);
    const result = decide(model, { facts: { id: `p${i}`, traits: { tier, visits }, firstSeen: NOW, lastSeen: NOW }, knowledge: emptyKnowledge() }, { placements: [{ id: 'hero' }], context: {}, explain: false }, {
      now: NOW, random: picks, newDecisionId: () => ids.next(), budgetUsed: () => undefined,
      ...(lookups === null ? {} : { contextualModels: lookups.contextual, propensityModels: lookups.propensity }),
    });
    const d = result.placements[0]!.decisions[0]!;
    const actionId = d.actionId!;
    earned += truth[actionId]!.value * truth[actionId]!.rate[tier];
    oracle += Math.max(...Object.values(truth).map((t) => t.value * t.rate[tier]));
    if (d.contextual !== undefined) {
      const record: ContextualDecision = { decisionId: d.decisionId, placementId: 'hero', actionId, at: NOW, contextual: d.contextual };
      decisions.push(record);
      bandits.remember(WS, [record]);
    }
    interact('impression', { decisionId: d.decisionId, actionId });
    if (world.next() < truth[actionId]!.rate[tier]) interact('click', { decisionId: d.decisionId, actionId });
  }
  return { earned, oracle, bandits, report: await bandits.propensityReport(WS, model, 'hero'), decisions, interactions };
}

const fixed = (n: number | null, digits = 4) => (n === null ? 'n/a' : n.toFixed(digits));

describe('simulation: a learned propensity per action beats one propensity rule for all actions, and reports its calibration', () => {
  const seeds = [1, 2, 3];
  const rounds = 6000;

  it(`earns more than the rule baseline in every seeded run (${rounds} decisions each), with ECE below 0.03`, async () => {
    for (const seed of seeds) {
      const [mine, baseline] = await Promise.all([simulate(learned, seed, rounds), simulate(ruleBaseline, seed, rounds)]);
      const report = mine.report[0]!;
      const lines = [
        `seed ${seed}: earned learned ${mine.earned.toFixed(1)}, rule baseline ${baseline.earned.toFixed(1)}, oracle ${mine.oracle.toFixed(1)} (per decision ${(mine.earned / rounds).toFixed(4)} / ${(baseline.earned / rounds).toFixed(4)} / ${(mine.oracle / rounds).toFixed(4)})`,
        `  calibration (progressive validation, all ${report.overall.observations} impressions): ECE ${fixed(report.overall.expectedCalibrationError)}, Brier ${fixed(report.overall.brier)}, log loss ${fixed(report.overall.logLoss)}, observed rate ${fixed(report.overall.observedRate)}, mean predicted ${fixed(report.overall.meanPredicted)}`,
        ...report.actions.map((a) => `  ${a.actionId}: ${a.observations} impressions, ${a.positives} clicks, ECE ${fixed(a.expectedCalibrationError)}, Brier ${fixed(a.brier)}, log loss ${fixed(a.logLoss)}`),
        `  reliability: ${report.overall.table.filter((b) => b.count > 0).map((b) => `[${b.lower.toFixed(1)},${b.upper.toFixed(1)}) n=${b.count} predicted ${fixed(b.meanPredicted, 3)} observed ${fixed(b.observedRate, 3)}`).join('; ')}`,
      ];
      console.log(lines.join('\n'));
      expect(baseline.report).toEqual([]);
      expect(mine.earned).toBeGreaterThan(baseline.earned * 1.4);
      expect(report.overall.observations).toBe(rounds);
      expect(report.overall.expectedCalibrationError!).toBeLessThan(0.03);
    }
  }, 120_000);

  it('the models and calibration rebuilt from the logged decisions and interactions are those learned live', async () => {
    const run = await simulate(learned, 9, 1500);
    const restarted = banditsOver(modelWith(learned), run.decisions, run.interactions);
    expect(await restarted.propensityReport(WS, modelWith(learned), 'hero')).toEqual(run.report);
  });

  it('explains a decision with the learned probability and the impressions behind it', async () => {
    const run = await simulate(learned, 4, 1500);
    const model = modelWith(learned);
    const lookups = (await run.bandits.lookupFor(WS, model))!;
    const result = decide(model, { facts: { id: 'p', traits: { tier: 'gold' }, firstSeen: NOW, lastSeen: NOW }, knowledge: emptyKnowledge() }, { placements: [{ id: 'hero' }], context: {}, explain: true }, {
      now: NOW, random: seededRandom(1), newDecisionId: () => 'd', budgetUsed: () => undefined, contextualModels: lookups.contextual, propensityModels: lookups.propensity,
    });
    const terms = result.placements[0]!.decisions[0]!.reasons.terms;
    const propensity = terms.find((t) => t.name === 'propensity')!;
    const observations = terms.find((t) => t.name === 'observations')!;
    expect(propensity.note).toMatch(/^learned: \d+ clicks in \d+ impressions$/);
    expect(observations.value).toBeGreaterThanOrEqual(100);
    // A gold visitor: x's learned click probability is near its true 0.3.
    if (result.placements[0]!.decisions[0]!.actionId === 'x') expect(Math.abs(propensity.value - 0.3)).toBeLessThan(0.08);
  });
});
