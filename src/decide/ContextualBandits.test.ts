import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../core/common/ports.js';
import { seededRandom, type Random } from '../core/common/random.js';
import type { ActionDefinition } from '../core/decide/ActionDefinition.js';
import { compileDecisionModel, type DecisionModel } from '../core/decide/compileDecisionModel.js';
import { compileContextual, type ContextualStrategy } from '../core/decide/contextual.js';
import { decide } from '../core/decide/decide.js';
import type { Interaction, InteractionKind } from '../core/decide/interactions.js';
import type { PlacementDefinition } from '../core/decide/PlacementDefinition.js';
import { compileKnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { emptyKnowledge } from '../core/knowledge/KnowledgeState.js';
import type { ContextualDecision, ContextualFeedback } from '../store/ports.js';
import { ContextualBandits } from './ContextualBandits.js';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const WS = 'ws1';
const knowledge = compileKnowledgeModel({ features: [], segments: [] });
const actionIds = ['x', 'y', 'z'];
const actions: ActionDefinition[] = actionIds.map((id) => ({ id, placements: ['hero'], priority: 0, value: 0, variants: { default: { title: id } } }));

function modelWith(strategy: ContextualStrategy): DecisionModel {
  const placement: PlacementDefinition = { id: 'hero', channel: 'web', count: 1, strategy, defaultContent: null };
  return compileDecisionModel({ actions, placements: [placement] }, knowledge);
}

/** The engine's side, in memory: decisions "recorded" and interactions "logged" in order, for a rebuild to read. */
class World {
  readonly decisions: ContextualDecision[] = [];
  readonly interactions: Interaction[] = [];
  now = NOW;
  readonly bandits: ContextualBandits;
  private readonly ids = sequentialIds('d');

  constructor(readonly model: DecisionModel, private readonly random: Random, feedback?: ContextualFeedback) {
    this.bandits = this.restart(feedback);
  }

  restart(feedback: ContextualFeedback = { decisions: this.decisions, interactions: this.interactions }): ContextualBandits {
    return new ContextualBandits({
      reader: {
        contextualFeedback: async () => ({ decisions: [...feedback.decisions], interactions: [...feedback.interactions] }),
        contextualDecision: async (_ws, id) => feedback.decisions.find((d) => d.decisionId === id),
      },
      models: { get: async () => this.model },
      clock: { now: () => this.now },
      onError: (error) => { throw error; },
    });
  }

  /** One decide call for a visitor with this context; the decision remembered as DecisionService does. */
  async decide(context: Record<string, unknown>, bandits = this.bandits): Promise<{ decisionId: string; actionId: string; probability: number }> {
    const lookup = await bandits.lookupFor(WS, this.model);
    const result = decide(this.model, { facts: { id: 'p', traits: {}, firstSeen: NOW, lastSeen: NOW }, knowledge: emptyKnowledge() }, { placements: [{ id: 'hero' }], context, explain: false }, {
      now: this.now, random: this.random, newDecisionId: () => this.ids.next(), budgetUsed: () => undefined, ...(lookup === null ? {} : { contextualModels: lookup.contextual }),
    });
    const d = result.placements[0]!.decisions[0]!;
    const record: ContextualDecision = { decisionId: d.decisionId, placementId: 'hero', actionId: d.actionId!, at: this.now, contextual: d.contextual! };
    this.decisions.push(record);
    bandits.remember(WS, [record]);
    return { decisionId: d.decisionId, actionId: d.actionId!, probability: d.probability };
  }

  /** An interaction event counted on the collect path (and logged, for a rebuild). */
  interact(kind: InteractionKind, decision: { decisionId: string; actionId: string }, at = this.now): void {
    const interaction: Interaction = { kind, decisionId: decision.decisionId, actionId: decision.actionId, placementId: 'hero', channel: 'web', value: 0, at, timeZone: null };
    this.interactions.push(interaction);
    this.bandits.record(WS, interaction);
  }
}

const ucb: ContextualStrategy = { kind: 'contextual', algorithm: 'ucb', inputs: { context: ['segment'] }, minExplorationShare: 0.05 };
const key = compileContextual(ucb).key;

describe('ContextualBandits: learning from interactions', () => {
  it('learns an impression once and a click once, in either order; dismissals, late events and other actions\' events teach nothing', async () => {
    const world = new World(modelWith(ucb), seededRandom(1));
    const d1 = await world.decide({ segment: 'a' });
    const model = async () => world.bandits.modelOf(WS, 'hero', key, d1.actionId);
    world.interact('dismiss', d1);
    expect(await model()).toBeUndefined();
    world.interact('impression', d1);
    world.interact('impression', d1);
    expect((await model())!.observations).toBe(1);
    expect([...(await model())!.moment].every((v) => v === 0)).toBe(true);
    world.interact('click', d1);
    world.interact('click', d1);
    const afterClick = [...(await model())!.moment];
    expect(afterClick.filter((v) => v !== 0)).toHaveLength(2);
    // A second decision: clicked first, never viewed: the click implies the view.
    const d2 = await world.decide({ segment: 'a' });
    world.interact('click', d2);
    world.interact('impression', d2);
    expect((await world.bandits.modelOf(WS, 'hero', key, d2.actionId))!.observations).toBe(d2.actionId === d1.actionId ? 2 : 1);
    // Past the 24-hour window, and naming another action: nothing.
    const d3 = await world.decide({ segment: 'b' });
    const before = (await world.bandits.modelOf(WS, 'hero', key, d3.actionId))?.observations ?? 0;
    world.interact('impression', d3, NOW + 25 * 3_600_000);
    world.interact('impression', { decisionId: d3.decisionId, actionId: d3.actionId === 'x' ? 'y' : 'x' });
    expect((await world.bandits.modelOf(WS, 'hero', key, d3.actionId))?.observations ?? 0).toBe(before);
  });

  it('rebuilt from the records and the logged interactions after a restart, gives the same probabilities for the same context', async () => {
    const world = new World(modelWith(ucb), seededRandom(5));
    const random = seededRandom(6);
    for (let i = 0; i < 300; i++) {
      const segment = ['a', 'b', 'c'][i % 3]!;
      const d = await world.decide({ segment });
      if (random.next() < 0.8) world.interact('impression', d);
      if (random.next() < (d.actionId === { a: 'x', b: 'y', c: 'z' }[segment] ? 0.5 : 0.1)) world.interact('click', d);
    }
    const restarted = world.restart();
    // Interactions replayed on recovery, told while the rebuild runs: already learned, so nothing changes.
    for (const interaction of world.interactions.slice(-20)) restarted.record(WS, interaction);
    for (const segment of ['a', 'b', 'c']) {
      for (const actionId of actionIds) {
        const live = await world.bandits.modelOf(WS, 'hero', key, actionId);
        const rebuilt = await restarted.modelOf(WS, 'hero', key, actionId);
        expect(rebuilt!.observations, `${segment} ${actionId}`).toBe(live!.observations);
        expect([...rebuilt!.theta]).toEqual([...live!.theta]);
        expect([...rebuilt!.inverse]).toEqual([...live!.inverse]);
      }
    }
    const probabilities = async (bandits: ContextualBandits) => {
      const lookup = (await bandits.lookupFor(WS, world.model))!.contextual;
      const result = decide(world.model, null, { placements: [{ id: 'hero' }], context: { segment: 'b' }, explain: true }, {
        now: NOW, random: seededRandom(9), newDecisionId: () => 'd', budgetUsed: () => undefined, contextualModels: lookup,
      });
      return result.placements[0]!.decisions[0]!.reasons.terms;
    };
    expect(await probabilities(restarted)).toEqual(await probabilities(world.bandits));
  });
});

describe('simulation: a contextual placement beats the best single action when the best action depends on the context', () => {
  // Click rates per segment (rows) and action (columns): each segment has its own best action,
  // and no single action is good for all (the best one alone earns 0.053, the oracle 0.093).
  const rate: Record<string, Record<string, number>> = {
    a: { x: 0.10, y: 0.03, z: 0.03 },
    b: { x: 0.03, y: 0.10, z: 0.03 },
    c: { x: 0.03, y: 0.03, z: 0.08 },
  };
  const segments = Object.keys(rate);
  const bestSingle = Math.max(...actionIds.map((a) => segments.reduce((sum, s) => sum + rate[s]![a]!, 0) / segments.length));
  const oracle = segments.reduce((sum, s) => sum + Math.max(...Object.values(rate[s]!)), 0) / segments.length;
  const rounds = 3000;

  /** The placement decided through the pipeline and taught through the collect path's listener: every decision viewed, clicks drawn from the true rates. */
  async function meanRate(seed: number, strategy: ContextualStrategy): Promise<number> {
    const world = new World(modelWith(strategy), seededRandom(seed));
    const visitors = seededRandom(1000 + seed);
    let earned = 0;
    for (let t = 0; t < rounds; t++) {
      const segment = segments[Math.floor(visitors.next() * segments.length)]!;
      const d = await world.decide({ segment });
      const p = rate[segment]![d.actionId]!;
      earned += p;
      world.interact('impression', d);
      if (visitors.next() < p) world.interact('click', d);
    }
    return earned / rounds;
  }

  it.each([
    { name: 'linear Thompson sampling', strategy: { kind: 'contextual', inputs: { context: ['segment'] } } as ContextualStrategy },
    { name: 'LinUCB', strategy: { kind: 'contextual', algorithm: 'ucb', alpha: 0.5, inputs: { context: ['segment'] } } as ContextualStrategy },
  ])('$name (defaults otherwise): 5 seeded runs of 3,000 decisions', async ({ strategy }) => {
    const runs: number[] = [];
    for (let seed = 1; seed <= 5; seed++) runs.push(await meanRate(seed, strategy));
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    expect(bestSingle).toBeCloseTo(0.0533, 3);
    // Best single action 0.053 a decision, the oracle 0.093. Over these seeds linear Thompson
    // sampling earns 0.084 on average (0.082 to 0.087 per run), LinUCB 0.085 (0.083 to 0.088):
    // required, on average more than 65% of the way from the best single action to the oracle,
    // and every run more than half of it.
    expect(mean).toBeGreaterThan(bestSingle + 0.65 * (oracle - bestSingle));
    expect(Math.min(...runs)).toBeGreaterThan(bestSingle + 0.5 * (oracle - bestSingle));
  }, 60_000);
});
