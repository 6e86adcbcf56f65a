import { describe, expect, it } from 'vitest';
import type { ExperimentDefinition } from '../experiments/ExperimentDefinition.js';
import { PROGRAM_EXPERIMENT_ID, UNITS_METRIC } from '../experiments/ExperimentModel.js';
import { EXPOSURE_EVENT, type ArmStatChange, type StoredValue } from '../experiments/experimentUnits.js';
import type { CallType } from '../events/callTypes.js';
import { compileKnowledgeModel } from './KnowledgeModel.js';
import { applyEventKnowledge, emptyKnowledge, mergeKnowledge, type KnowledgeEvent, type KnowledgeState, type ProfileFacts } from './KnowledgeState.js';

/** The experiment part of a profile's knowledge: exposures in as track events, units in state.x, arm-statistics changes out. */
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const T0 = Date.parse('2026-03-20T12:00:00Z');

const hero: ExperimentDefinition = {
  id: 'hero', placement: 'home', primaryMetric: 'purchase-7d', covariate: 'orders',
  arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } }],
};
const model = compileKnowledgeModel({
  features: [{ name: 'orders', aggregate: 'count', events: ['Order Completed'] }],
  segments: [],
  experiments: { experiments: [hero], metrics: [{ id: 'purchase-7d', kind: 'conversion', event: 'Order Completed', window: '7d' }], measurement: { holdoutShare: 0.05 }, workspaceId: 'ws' },
});
const withoutExperiments = compileKnowledgeModel({ features: [], segments: [] });

function facts(): ProfileFacts {
  return { id: 'p1', traits: {}, firstSeen: T0 - 10 * day, lastSeen: T0 };
}

function track(name: string, timestamp: number, properties: unknown, type: CallType = 'track'): KnowledgeEvent {
  return { type, name, timestamp, body: { type, event: name, properties, context: {} }, traitsChanged: false };
}
const viewed = (experimentId: string, armId: string, at = T0): KnowledgeEvent => track(EXPOSURE_EVENT, at, { experiment_id: experimentId, variation_id: armId });
const ordered = (revenue: number, at: number): KnowledgeEvent => track('Order Completed', at, { revenue, order_id: 'o1' });

/** What an exposure stores in `v`: every metric of the experiment at its zero (the metrics the unit is counted in). */
const HERO_ZEROS: Readonly<Record<string, StoredValue>> = { 'purchase-7d': 0, conversion: 0, revenue: 0, aov: [0, 0], ctr: [0, 0] };

const moves = (changes: readonly ArmStatChange[]) => changes.map((c) => [c.experimentId, c.armId, c.metricId, c.before, c.after]);

describe('applyEventKnowledge: experiments', () => {
  it('an Experiment Viewed event creates state.x, with the covariate read from the features at that time, and returns the changes', () => {
    const state = emptyKnowledge();
    // An order before the exposure: counted by the feature, not by the experiment.
    const before = applyEventKnowledge(state, ordered(40, T0 - day), facts(), model);
    expect(before.experiments).toEqual([]);
    expect('x' in state).toBe(false);

    const update = applyEventKnowledge(state, viewed('hero', 'treatment'), facts(), model);
    expect(state.x).toEqual({ hero: { a: 'treatment', t: T0, c: 1, v: HERO_ZEROS } });
    expect(moves(update.experiments)).toEqual([
      ['hero', 'treatment', UNITS_METRIC, null, [0, 0]],
      ['hero', 'treatment', 'purchase-7d', null, [0, 1]],
      ['hero', 'treatment', 'conversion', null, [0, 1]],
      ['hero', 'treatment', 'revenue', null, [0, 1]],
      ['hero', 'treatment', 'aov', null, [0, 0]],
      ['hero', 'treatment', 'ctr', null, [0, 0]],
    ]);
    // The rest of the knowledge is updated as for any event (a day later: a new session).
    expect(state.s?.events).toBe(1);
    expect(state.f).not.toEqual({});
  });

  it('a later Order Completed with properties.revenue moves the unit\'s metrics', () => {
    const state = emptyKnowledge();
    applyEventKnowledge(state, viewed('hero', 'control'), facts(), model);
    applyEventKnowledge(state, viewed(PROGRAM_EXPERIMENT_ID, 'personalized', T0 + 1), facts(), model);
    const update = applyEventKnowledge(state, ordered(80, T0 + hour), facts(), model);
    // Experiments in the order the profile entered them.
    expect(moves(update.experiments)).toEqual([
      ['hero', 'control', 'purchase-7d', [0, 0], [1, 0]],
      ['hero', 'control', 'conversion', [0, 0], [1, 0]],
      ['hero', 'control', 'revenue', [0, 0], [80, 0]],
      ['hero', 'control', 'aov', [0, 0], [80, 1]],
      ['_program', 'personalized', 'conversion', [0, 0], [1, 0]],
      ['_program', 'personalized', 'revenue', [0, 0], [80, 0]],
      ['_program', 'personalized', 'aov', [0, 0], [80, 1]],
    ]);
    expect(state.x).toEqual({
      hero: { a: 'control', t: T0, v: { 'purchase-7d': 1, conversion: 1, revenue: 80, aov: [80, 1], ctr: [0, 0] } },
      [PROGRAM_EXPERIMENT_ID]: { a: 'personalized', t: T0 + 1, v: { conversion: 1, revenue: 80, aov: [80, 1], ctr: [0, 0] } },
    });
    const second = applyEventKnowledge(state, ordered(20, T0 + 2 * hour), facts(), model);
    expect(moves(second.experiments).filter(([e, , m]) => e === 'hero' && m === 'revenue')).toEqual([['hero', 'control', 'revenue', [80, 0], [100, 0]]]);
    expect(state.x?.['hero']?.v).toEqual({ 'purchase-7d': 1, conversion: 1, revenue: 100, aov: [100, 2], ctr: [0, 0] });
  });

  it('the first exposure wins: a later one to another arm changes nothing', () => {
    const state = emptyKnowledge();
    applyEventKnowledge(state, viewed('hero', 'treatment'), facts(), model);
    const again = applyEventKnowledge(state, viewed('hero', 'control', T0 + minute), facts(), model);
    expect(again.experiments).toEqual([]);
    expect(state.x).toEqual({ hero: { a: 'treatment', t: T0, v: HERO_ZEROS } });
  });

  it('events that are no exposure, or that no metric reads, change nothing', () => {
    const state = emptyKnowledge();
    const cases: KnowledgeEvent[] = [
      track(EXPOSURE_EVENT, T0, { experiment_id: 'nope', variation_id: 'control' }),
      track(EXPOSURE_EVENT, T0, { experiment_id: 'hero', variation_id: 'nope' }),
      track(EXPOSURE_EVENT, T0, { experimentId: 'hero', variationId: 'control' }),
      track(EXPOSURE_EVENT, T0, ['hero', 'control']),
      track(EXPOSURE_EVENT, T0, { experiment_id: 'hero', variation_id: 'control' }, 'page'),
      { type: 'track', name: EXPOSURE_EVENT, timestamp: T0, body: { type: 'track', event: EXPOSURE_EVENT }, traitsChanged: false },
    ];
    for (const event of cases) expect(applyEventKnowledge(state, event, facts(), model).experiments).toEqual([]);
    expect('x' in state).toBe(false);
    applyEventKnowledge(state, viewed('hero', 'treatment'), facts(), model);
    const copy = structuredClone(state.x);
    expect(applyEventKnowledge(state, track('Product Viewed', T0 + minute, { revenue: 5 }), facts(), model).experiments).toEqual([]);
    expect(state.x).toEqual(copy);
  });

  it('a model without experiments ignores exposures', () => {
    const state = emptyKnowledge();
    expect(applyEventKnowledge(state, viewed('hero', 'treatment'), facts(), withoutExperiments).experiments).toEqual([]);
    expect(applyEventKnowledge(state, viewed(PROGRAM_EXPERIMENT_ID, 'holdout'), facts(), withoutExperiments).experiments.map((c) => c.metricId)).toEqual([UNITS_METRIC, 'conversion', 'revenue', 'aov', 'ctr']);
  });

  it('a replay of the same events gives the same units', () => {
    const events = [ordered(10, T0 - hour), viewed('hero', 'treatment'), ordered(30, T0 + hour), viewed('hero', 'control', T0 + 2 * hour), ordered(5, T0 + 8 * day)];
    const run = (): KnowledgeState => {
      const state = emptyKnowledge();
      for (const e of events) applyEventKnowledge(state, e, facts(), model);
      return state;
    };
    const first = run();
    expect(run().x).toEqual(first.x);
    expect(first.x).toEqual({ hero: { a: 'treatment', t: T0, c: 1, v: { 'purchase-7d': 1, conversion: 1, revenue: 35, aov: [35, 2], ctr: [0, 0] } } });
  });
});

describe('mergeKnowledge: experiments', () => {
  const withUnits = (x?: KnowledgeState['x']): KnowledgeState => (x === undefined ? emptyKnowledge() : { ...emptyKnowledge(), x });

  it('the survivor\'s units win; the absorbed profile\'s are adopted where the survivor has none', () => {
    const survivor = withUnits({ hero: { a: 'treatment', t: T0, v: { revenue: 10 } } });
    const absorbed = withUnits({ hero: { a: 'control', t: T0 - day, v: { revenue: 99 } }, [PROGRAM_EXPERIMENT_ID]: { a: 'holdout', t: T0 - day } });
    const copies = structuredClone([survivor, absorbed]);
    const { state } = mergeKnowledge(survivor, absorbed, facts(), model, T0);
    expect(state.x).toEqual({ hero: { a: 'treatment', t: T0, v: { revenue: 10 } }, [PROGRAM_EXPERIMENT_ID]: { a: 'holdout', t: T0 - day } });
    expect([survivor, absorbed]).toEqual(copies);
  });

  it('only one side has units: those; neither: none', () => {
    const x = { hero: { a: 'control', t: T0 } };
    expect(mergeKnowledge(withUnits(), withUnits(x), facts(), model, T0).state.x).toEqual(x);
    expect(mergeKnowledge(withUnits(x), withUnits(), facts(), model, T0).state.x).toEqual(x);
    expect('x' in mergeKnowledge(withUnits(), withUnits(), facts(), model, T0).state).toBe(false);
  });

  it('later events move the merged units', () => {
    const { state } = mergeKnowledge(withUnits(), withUnits({ hero: { a: 'control', t: T0, v: HERO_ZEROS } }), facts(), model, T0);
    const update = applyEventKnowledge(state, ordered(25, T0 + hour), facts(), model);
    expect(update.experiments.map((c) => c.metricId)).toEqual(['purchase-7d', 'conversion', 'revenue', 'aov']);
    expect(state.x?.['hero']?.v).toEqual({ 'purchase-7d': 1, conversion: 1, revenue: 25, aov: [25, 1], ctr: [0, 0] });
  });

  it('a merged unit stored without v (older state) is counted in no metric: later events do not move it', () => {
    const { state } = mergeKnowledge(withUnits(), withUnits({ hero: { a: 'control', t: T0 } }), facts(), model, T0);
    expect(applyEventKnowledge(state, ordered(25, T0 + hour), facts(), model).experiments).toEqual([]);
    expect(state.x).toEqual({ hero: { a: 'control', t: T0 } });
  });
});
