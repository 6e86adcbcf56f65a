import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import cases from './assignArm.cases.json' with { type: 'json' };
import { assignArm, assignmentAfterMerge, DEFAULT_HOLDOUT_SHARE, inHoldout, type Assignment } from './assignArm.js';
import { ExperimentDefinition, experimentProblems } from './ExperimentDefinition.js';

const base: ExperimentDefinition = {
  id: 'exp-1',
  placement: 'home-hero',
  arms: [
    { id: 'control', weight: 0.5, serve: { kind: 'generic' } },
    { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } },
  ],
  start: '2025-03-01T00:00:00Z',
  stop: '2025-04-01T00:00:00Z',
  primaryMetric: 'purchase-7d',
};
const checkDefinition = Compile(ExperimentDefinition);
const now = Date.parse('2025-03-10T00:00:00Z');
const ids = (count: number, prefix = 'user-'): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

type Case = [name: string, overrides: Record<string, unknown>, unitId: string, now: string, stored: string | null, expected: Assignment];

function withOverrides(overrides: Record<string, unknown>): ExperimentDefinition {
  const merged = Object.entries({ ...base, ...overrides }).filter(([, value]) => value !== null);
  return Object.fromEntries(merged) as unknown as ExperimentDefinition;
}

describe('assignArm (assignArm.cases.json)', () => {
  it.each(cases.cases as Case[])('%s', (_name, overrides, unitId, at, stored, expected) => {
    const experiment = withOverrides(overrides);
    expect(checkDefinition.Check(experiment)).toBe(true);
    expect(assignArm(experiment, unitId, Date.parse(at), stored === null ? null : { armId: stored })).toEqual(expected);
  });
});

describe('ExperimentDefinition', () => {
  it('accepts every kind of arm and rejects unknown fields', () => {
    const full = {
      ...base,
      arms: [
        { id: 'generic', weight: 0.25, serve: { kind: 'generic' } },
        { id: 'personalized', weight: 0.25, serve: { kind: 'personalized' } },
        { id: 'ev', weight: 0.25, serve: { kind: 'strategy', strategy: { kind: 'expectedValue', propensity: { constant: 0.1 } } } },
        { id: 'variant-b', weight: 0.25, serve: { kind: 'actions', actionIds: ['spring-sale-b'] } },
      ],
      coverage: 0.5, hashVersion: 1, seed: 'gb-key', namespace: ['layer-1', 0, 0.5], guardrailMetrics: ['aov'], excludeHoldout: false, control: 'generic',
    };
    expect(checkDefinition.Check(full)).toBe(true);
    expect(experimentProblems(full as ExperimentDefinition)).toEqual([]);
    expect(checkDefinition.Check({ ...base, traffic: 1 })).toBe(false);
    expect(checkDefinition.Check({ ...base, hashVersion: 3 })).toBe(false);
    expect(checkDefinition.Check({ ...base, arms: [base.arms[0]] })).toBe(false);
  });

  it('reports what the schema cannot express', () => {
    const bad: ExperimentDefinition = {
      ...base,
      arms: [{ ...base.arms[0]!, weight: 0.7 }, { ...base.arms[1]!, id: 'control' }],
      control: 'nobody', namespace: ['l', 0.5, 0.5], stop: '2025-02-01T00:00:00Z', guardrailMetrics: ['purchase-7d'],
    };
    expect(experimentProblems(bad)).toEqual([
      'arms: the id "control" is used twice',
      'arms: the weights add up to 1.2, not 1',
      'control: no arm "nobody"',
      'namespace: start must be below end',
      'stop: must be after start',
      'guardrailMetrics: the primary metric is not also a guardrail',
    ]);
  });
});

describe('stickiness', () => {
  const units = ids(10_000);
  const first = new Map(units.map((id) => [id, assignArm(base, id, now).armId!]));

  it('a change of weights does not move stored units, though it would move unstored ones', () => {
    const reweighted: ExperimentDefinition = { ...base, arms: [{ ...base.arms[0]!, weight: 0.9 }, { ...base.arms[1]!, weight: 0.1 }] };
    let movedWithoutStore = 0;
    for (const id of units) {
      const stored = { armId: first.get(id)! };
      expect(assignArm(reweighted, id, now, stored)).toEqual({ armId: stored.armId, inExperiment: true, reason: 'stored' });
      if (assignArm(reweighted, id, now).armId !== stored.armId) movedWithoutStore++;
    }
    // Treatment shrinks from [0.5, 1) to [0.9, 1): about 40% of all units would change arm.
    expect(movedWithoutStore / units.length).toBeGreaterThan(0.37);
    expect(movedWithoutStore / units.length).toBeLessThan(0.43);
  });

  it('lowering coverage keeps stored units in; new units see the new coverage', () => {
    const narrowed: ExperimentDefinition = { ...base, coverage: 0.1 };
    let entered = 0;
    for (const id of units) {
      expect(assignArm(narrowed, id, now, { armId: first.get(id)! }).armId).toBe(first.get(id));
      if (assignArm(narrowed, id, now).inExperiment) entered++;
    }
    expect(entered / units.length).toBeCloseTo(0.1, 1);
  });
});

describe('coverage and weights', () => {
  it('coverage 0.2 takes about 20% of units, split by the weights, and raising it keeps everyone included', () => {
    const units = ids(50_000);
    const at20: ExperimentDefinition = { ...base, coverage: 0.2, arms: [{ ...base.arms[0]!, weight: 0.25 }, { ...base.arms[1]!, weight: 0.75 }] };
    const at60: ExperimentDefinition = { ...at20, coverage: 0.6 };
    const counts = { control: 0, treatment: 0, out: 0 };
    for (const id of units) {
      const a = assignArm(at20, id, now);
      if (a.armId === null) {
        expect(a.reason).toBe('not_covered');
        counts.out++;
        continue;
      }
      counts[a.armId as 'control' | 'treatment']++;
      expect(assignArm(at60, id, now).armId).toBe(a.armId);
    }
    expect((counts.control + counts.treatment) / units.length).toBeGreaterThan(0.19);
    expect((counts.control + counts.treatment) / units.length).toBeLessThan(0.21);
    expect(counts.control / (counts.control + counts.treatment)).toBeGreaterThan(0.23);
    expect(counts.control / (counts.control + counts.treatment)).toBeLessThan(0.27);
  });
});

describe('namespaces (layers)', () => {
  it('experiments with disjoint slices of one layer never share a unit, and together cover it', () => {
    const a: ExperimentDefinition = { ...base, id: 'exp-a', namespace: ['layer-1', 0, 0.4] };
    const b: ExperimentDefinition = { ...base, id: 'exp-b', namespace: ['layer-1', 0.4, 1] };
    let inA = 0;
    let inB = 0;
    for (const id of ids(20_000)) {
      const ia = assignArm(a, id, now).inExperiment;
      const ib = assignArm(b, id, now).inExperiment;
      expect(ia && ib).toBe(false);
      expect(ia || ib).toBe(true);
      if (ia) inA++;
      if (ib) inB++;
    }
    expect(inA / 20_000).toBeGreaterThan(0.38);
    expect(inA / 20_000).toBeLessThan(0.42);
    expect(inA + inB).toBe(20_000);
  });

  it('a unit outside the slice says so', () => {
    const outsideAll: ExperimentDefinition = { ...base, namespace: ['layer-1', 0, 0] };
    expect(assignArm(outsideAll, 'anyone', now)).toEqual({ armId: null, inExperiment: false, reason: 'not_in_namespace' });
  });
});

describe('inHoldout', () => {
  const units = ids(100_000, 'profile-');

  it('holds out 5% (±0.3%) of 100,000 ids by default', () => {
    const share = units.filter((id) => inHoldout('ws-1', id)).length / units.length;
    expect(DEFAULT_HOLDOUT_SHARE).toBe(0.05);
    expect(Math.abs(share - 0.05)).toBeLessThan(0.003);
  });

  it('is sticky, grows only by adding profiles, and differs by workspace', () => {
    let sameAcrossWorkspaces = 0;
    let held = 0;
    for (const id of units.slice(0, 20_000)) {
      const h = inHoldout('ws-1', id, 0.05);
      expect(inHoldout('ws-1', id, 0.05)).toBe(h);
      if (h) {
        held++;
        expect(inHoldout('ws-1', id, 0.1)).toBe(true);
        if (inHoldout('ws-2', id, 0.05)) sameAcrossWorkspaces++;
      }
    }
    // Independent holdouts share about 5% of their members.
    expect(sameAcrossWorkspaces / held).toBeLessThan(0.1);
  });

  it('is independent of experiment arms: the held-out profiles split like everyone', () => {
    const held = units.filter((id) => inHoldout('ws-1', id));
    const treated = held.filter((id) => assignArm(base, id, now).armId === 'treatment').length;
    expect(treated / held.length).toBeGreaterThan(0.47);
    expect(treated / held.length).toBeLessThan(0.53);
  });

  it('is hash version 2 on `holdout:${workspaceSeed}`, share clamped', () => {
    expect(inHoldout('ws-1', 'x', 1)).toBe(true);
    expect(inHoldout('ws-1', 'x', 2)).toBe(true);
    expect(inHoldout('ws-1', 'x', 0)).toBe(false);
    expect(inHoldout('ws-1', 'x', -1)).toBe(false);
    expect(inHoldout('ws-1', '', 1)).toBe(false);
  });
});

describe('assignmentAfterMerge', () => {
  it.each([
    ['the survivor\'s arm wins', { armId: 'a' }, { armId: 'b' }, { assignment: { armId: 'a' }, conflict: true }],
    ['the same arm is no conflict', { armId: 'a' }, { armId: 'a' }, { assignment: { armId: 'a' }, conflict: false }],
    ['a survivor without one takes the absorbed arm', null, { armId: 'b' }, { assignment: { armId: 'b' }, conflict: false }],
    ['an absorbed profile without one changes nothing', { armId: 'a' }, undefined, { assignment: { armId: 'a' }, conflict: false }],
    ['neither: none', undefined, null, { assignment: null, conflict: false }],
  ] as const)('%s', (_name, survivor, absorbed, expected) => {
    expect(assignmentAfterMerge(survivor, absorbed)).toEqual(expected);
  });
});
