import { describe, expect, it } from 'vitest';
import { compileKnowledgeModel } from '../knowledge/KnowledgeModel.js';
import type { ArmServe, ExperimentDefinition } from './ExperimentDefinition.js';
import {
  compileExperimentModel, emptyExperimentModel, HOLDOUT_ARM, PERSONALIZED_ARM, PROGRAM_EXPERIMENT_ID,
  type ExperimentConfig,
} from './ExperimentModel.js';
import { builtinMetrics, resolveMeasurement } from './MeasurementSettings.js';
import type { MetricDefinition } from './MetricDefinition.js';

/** Compiling a workspace's experiments, metrics and measurement settings: what compiles runs, what does not is listed. */
function experiment(id: string, over: Partial<ExperimentDefinition> = {}): ExperimentDefinition {
  return {
    id, placement: 'home',
    arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } }],
    primaryMetric: 'conversion', ...over,
  };
}
const withArm = (id: string, serve: ArmServe): ExperimentDefinition => experiment(id, {
  arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'other', weight: 0.5, serve }],
});
const compile = (over: Partial<ExperimentConfig> = {}) => compileExperimentModel({ experiments: [], metrics: [], workspaceId: 'ws', ...over });
const ROI = ['conversion', 'revenue', 'aov', 'ctr'];

describe('compileExperimentModel: metrics', () => {
  it('every workspace has the built-in metrics', () => {
    const model = compile();
    expect([...model.metrics.keys()]).toEqual(ROI);
    expect([...model.metrics.values()]).toEqual(builtinMetrics);
    expect(model.problems).toEqual([]);
  });

  it('a definition of the same id replaces a built-in one, everywhere it is read', () => {
    const revenue: MetricDefinition = { id: 'revenue', kind: 'mean', event: 'Checkout Finished', property: 'amount', window: '14d' };
    const model = compile({ metrics: [revenue], experiments: [experiment('hero')] });
    expect(model.metrics.get('revenue')).toEqual(revenue);
    expect(model.metrics.size).toBe(4);
    for (const e of [model.program, model.experiments.get('hero')!]) {
      const compiled = e.metrics.find((m) => m.id === 'revenue');
      expect(compiled?.definition).toEqual(revenue);
      expect(compiled?.windowMs).toBe(14 * 24 * 3_600_000);
      expect([...compiled!.events]).toEqual(['Checkout Finished']);
    }
  });

  it('an experiment reads its primary metric, its guardrails, then the ROI metrics, each once', () => {
    const metrics: MetricDefinition[] = [{ id: 'signup', kind: 'conversion', event: 'Signed Up', window: '7d' }];
    const model = compile({ metrics, experiments: [experiment('hero', { primaryMetric: 'signup', guardrailMetrics: ['aov', 'signup'] })] });
    expect(model.experiments.get('hero')?.metrics.map((m) => m.id)).toEqual(['signup', 'aov', 'conversion', 'revenue', 'ctr']);
  });

  it('a missing metric is listed as a problem and the experiment runs without it', () => {
    const model = compile({ experiments: [experiment('hero', { primaryMetric: 'nope', guardrailMetrics: ['aov'] })] });
    expect(model.problems).toEqual([{ experimentId: 'hero', message: 'no metric "nope"' }]);
    expect(model.experiments.get('hero')?.metrics.map((m) => m.id)).toEqual(['aov', ...ROI.filter((id) => id !== 'aov')]);
  });

  it('a metric that does not compile is listed for every experiment that reads it', () => {
    const broken: MetricDefinition = { id: 'broken', kind: 'count', event: 'x', where: 'event.properties.a >>' };
    const model = compile({ metrics: [broken], experiments: [experiment('a', { primaryMetric: 'broken' }), experiment('b', { primaryMetric: 'broken' })] });
    expect(model.problems.map((p) => p.experimentId)).toEqual(['a', 'b']);
    for (const p of model.problems) expect(p.message).toMatch(/^metric "broken": where: /);
    expect(model.experiments.get('a')?.metrics.map((m) => m.id)).toEqual(ROI);
  });

  it('an ROI metric that is missing is a problem of the program and of every experiment', () => {
    const model = compile({ measurement: { roiMetrics: { revenuePerVisitor: 'gone' } }, experiments: [experiment('hero')] });
    expect(model.problems).toEqual([
      { experimentId: PROGRAM_EXPERIMENT_ID, message: 'no metric "gone"' },
      { experimentId: 'hero', message: 'no metric "gone"' },
    ]);
    expect(model.program.metrics.map((m) => m.id)).toEqual(['conversion', 'aov', 'ctr']);
  });
});

describe('compileExperimentModel: arms', () => {
  it('compiles a strategy arm\'s propensity rule', () => {
    const model = compile({ experiments: [withArm('ev', { kind: 'strategy', strategy: { kind: 'expectedValue', propensity: { rule: 'features.orders / 10' } } })] });
    const arm = model.experiments.get('ev')?.arms.get('other');
    expect(arm?.problem).toBeNull();
    expect(arm?.propensity).not.toBeNull();
    expect(model.problems).toEqual([]);
  });

  it('a strategy arm whose propensity rule does not compile: a problem, and arm.problem set', () => {
    const model = compile({ experiments: [withArm('ev', { kind: 'strategy', strategy: { kind: 'expectedValue', propensity: { rule: 'features.orders >>' } } })] });
    const arm = model.experiments.get('ev')?.arms.get('other');
    expect(arm?.propensity).toBeNull();
    expect(arm?.problem).toMatch(/^strategy\.propensity\.rule does not compile: /);
    expect(model.problems).toEqual([{ experimentId: 'ev', message: `arm other: ${arm?.problem}` }]);
    // The other arm is fine.
    expect(model.experiments.get('ev')?.arms.get('control')).toEqual({ serve: { kind: 'generic' }, propensity: null, problem: null });
  });

  it('the rule is checked against the workspace\'s schema (through compileKnowledgeModel)', () => {
    const knowledge = compileKnowledgeModel({
      features: [{ name: 'orders', aggregate: 'count', events: ['Order Completed'] }], segments: [],
      experiments: {
        experiments: [
          withArm('known', { kind: 'strategy', strategy: { kind: 'expectedValue', propensity: { rule: 'features.orders / 10' } } }),
          withArm('unknown', { kind: 'strategy', strategy: { kind: 'expectedValue', propensity: { rule: 'features.nope / 10' } } }),
        ],
        metrics: [], workspaceId: 'ws',
      },
    });
    expect(knowledge.experiments.problems.map((p) => p.experimentId)).toEqual(['unknown']);
    expect(knowledge.experiments.experiments.get('unknown')?.arms.get('other')?.problem).toContain('does not compile');
    expect(knowledge.experiments.experiments.get('known')?.arms.get('other')?.problem).toBeNull();
  });

  it('other arms compile to their serve, without a propensity rule', () => {
    const model = compile({ experiments: [
      withArm('actions', { kind: 'actions', actionIds: ['a', 'b'] }),
      withArm('weighted', { kind: 'strategy', strategy: { kind: 'weighted' } }),
    ] });
    expect(model.experiments.get('actions')?.arms.get('other')).toEqual({ serve: { kind: 'actions', actionIds: ['a', 'b'] }, propensity: null, problem: null });
    expect(model.experiments.get('weighted')?.arms.get('other')).toEqual({ serve: { kind: 'strategy', strategy: { kind: 'weighted' } }, propensity: null, problem: null });
  });

  it('arm ids, the definition and the covariate are kept', () => {
    const definition = experiment('hero', { covariate: 'orders_before' });
    const hero = compile({ experiments: [definition] }).experiments.get('hero')!;
    expect([...hero.armIds]).toEqual(['control', 'treatment']);
    expect(hero.definition).toEqual(definition);
    expect(hero.covariate).toBe('orders_before');
    expect(compile({ experiments: [experiment('x')] }).experiments.get('x')?.covariate).toBeNull();
  });
});

describe('compileExperimentModel: lookups', () => {
  it('byPlacement lists each placement\'s experiments in id order', () => {
    const model = compile({ experiments: [experiment('zeta'), experiment('alpha'), experiment('side-b', { placement: 'side' }), experiment('mid'), experiment('side-a', { placement: 'side' })] });
    expect([...model.byPlacement.keys()].sort()).toEqual(['home', 'side']);
    expect(model.byPlacement.get('home')?.map((e) => e.id)).toEqual(['alpha', 'mid', 'zeta']);
    expect(model.byPlacement.get('side')?.map((e) => e.id)).toEqual(['side-a', 'side-b']);
    expect(model.byPlacement.get('nowhere')).toBeUndefined();
    expect([...model.experiments.keys()]).toEqual(['alpha', 'mid', 'side-a', 'side-b', 'zeta']);
  });

  it('eventNames holds the events of every metric an experiment or the program reads, and no others', () => {
    const metrics: MetricDefinition[] = [
      { id: 'signup', kind: 'conversion', event: 'Signed Up', window: '7d' },
      { id: 'per-session', kind: 'ratio', numerator: { event: 'Product Added' }, denominator: { event: 'Session Started' } },
      { id: 'unused', kind: 'count', event: 'Never Read' },
    ];
    const model = compile({ metrics, experiments: [experiment('a', { primaryMetric: 'signup' }), experiment('b', { guardrailMetrics: ['per-session'] })] });
    const expected = new Set<string>();
    for (const e of [model.program, ...model.experiments.values()]) for (const m of e.metrics) for (const name of m.events) expected.add(name);
    expect(model.eventNames).toEqual(expected);
    expect([...model.eventNames].sort()).toEqual(['Decision Clicked', 'Decision Viewed', 'Order Completed', 'Product Added', 'Session Started', 'Signed Up']);
    expect(model.eventNames.has('Never Read')).toBe(false);
    expect(model.eventNames.has('Experiment Viewed')).toBe(false);
  });

  it('the program: arms holdout and personalized, the ROI metrics, no covariate and no arms to serve', () => {
    const { program, holdoutSeed } = compile({ workspaceId: 'shop-1' });
    expect(program.id).toBe(PROGRAM_EXPERIMENT_ID);
    expect([...program.armIds]).toEqual([HOLDOUT_ARM, PERSONALIZED_ARM]);
    expect(program.metrics.map((m) => m.id)).toEqual(ROI);
    expect(program.definition).toBeNull();
    expect(program.covariate).toBeNull();
    expect(program.arms.size).toBe(0);
    expect(holdoutSeed).toBe('shop-1');
  });

  it('the program reads the metrics the settings name', () => {
    const spend: MetricDefinition = { id: 'spend', kind: 'mean', event: 'Order Completed', property: 'total' };
    const model = compile({ metrics: [spend], measurement: { roiMetrics: { revenuePerVisitor: 'spend', clickThroughRate: 'conversion' } } });
    expect(model.program.metrics.map((m) => m.id)).toEqual(['conversion', 'spend', 'aov']);
    expect(model.measurement.roiMetrics).toEqual({ conversionRate: 'conversion', revenuePerVisitor: 'spend', averageOrderValue: 'aov', clickThroughRate: 'conversion' });
  });

  it('emptyExperimentModel: no experiments, default settings', () => {
    const model = emptyExperimentModel('ws-9');
    expect(model.experiments.size).toBe(0);
    expect(model.byPlacement.size).toBe(0);
    expect(model.holdoutSeed).toBe('ws-9');
    expect(model.measurement.holdoutShare).toBe(0.05);
    expect(model.problems).toEqual([]);
  });
});

describe('resolveMeasurement', () => {
  const defaults = { holdoutShare: 0.05, monthlyCost: null, currency: null, roiMetrics: { conversionRate: 'conversion', revenuePerVisitor: 'revenue', averageOrderValue: 'aov', clickThroughRate: 'ctr' } };

  it.each([['undefined', undefined], ['null', null], ['empty', {}]] as const)('%s: the defaults', (_name, settings) => {
    expect(resolveMeasurement(settings)).toEqual(defaults);
  });

  it('keeps what is set, including a holdout of 0, and fills the rest', () => {
    expect(resolveMeasurement({ holdoutShare: 0, monthlyCost: 2000, currency: 'EUR', roiMetrics: { averageOrderValue: 'basket' } })).toEqual({
      holdoutShare: 0, monthlyCost: 2000, currency: 'EUR', roiMetrics: { ...defaults.roiMetrics, averageOrderValue: 'basket' },
    });
    expect(resolveMeasurement({ monthlyCost: null, currency: null })).toEqual(defaults);
  });
});

describe('compileKnowledgeModel: experiments', () => {
  it('without an experiments config: no experiments and no holdout', () => {
    const { experiments } = compileKnowledgeModel({ features: [], segments: [] });
    expect(experiments.measurement.holdoutShare).toBe(0);
    expect(experiments.experiments.size).toBe(0);
    expect(experiments.program.metrics.map((m) => m.id)).toEqual(ROI);
  });

  it('with one: its experiments, and the default holdout when the settings do not say', () => {
    const { experiments } = compileKnowledgeModel({ features: [], segments: [], experiments: { experiments: [experiment('hero')], metrics: [], workspaceId: 'ws' } });
    expect(experiments.measurement.holdoutShare).toBe(0.05);
    expect([...experiments.experiments.keys()]).toEqual(['hero']);
    expect(experiments.holdoutSeed).toBe('ws');
  });
});
