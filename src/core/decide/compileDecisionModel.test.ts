import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../common/ports.js';
import { seededRandom } from '../common/random.js';
import { compileKnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge } from '../knowledge/KnowledgeState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { compileAction, compileDecisionModel, decisionRuleSchema, type DecisionModel } from './compileDecisionModel.js';
import { decide } from './decide.js';
import type { PlacementDefinition } from './PlacementDefinition.js';

const NOW = Date.parse('2026-03-20T12:00:00Z');

const knowledge = compileKnowledgeModel({
  features: [{ name: 'orders_90d', aggregate: 'count', events: ['Order Completed'], window: '90d' }],
  segments: [
    { id: 'vip', name: 'VIP customers', rule: 'profile.traits.vip == true' },
    { id: 'buyers', name: 'Buyers', rule: 'features.orders_90d >= 1' },
  ],
});
const bare = compileKnowledgeModel({ features: [], segments: [] });

function action(id: string, over: Partial<ActionDefinition> = {}): ActionDefinition {
  return { id, placements: ['home'], priority: 0, value: 0, variants: { default: { title: id } }, ...over };
}

function placement(id: string, over: Partial<PlacementDefinition> = {}): PlacementDefinition {
  return { id, channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Hello {{ profile.traits.name | "there" }}' }, ...over };
}

const actionIds = (m: DecisionModel, placementId: string): string[] => m.placements.get(placementId)?.actions.map((a) => a.id) ?? [];
const problems = (m: DecisionModel, actionId: string): readonly string[] | undefined => m.actions.get(actionId)?.problems;

describe('compileDecisionModel: actions per placement', () => {
  const m = compileDecisionModel({
    actions: [
      action('zeta', { placements: ['home', 'side'] }),
      action('alpha', { placements: ['side', 'home'] }),
      action('mail-only', { placements: ['home', 'newsletter'], channel: 'email' }),
      action('web-only', { placements: ['home', 'newsletter'], channel: 'web' }),
      action('mid', { placements: ['home'] }),
      action('sidebar', { placements: ['side'] }),
      action('nowhere-known', { placements: ['ghost'] }),
    ],
    placements: [placement('home'), placement('side'), placement('newsletter', { channel: 'email' }), placement('empty')],
  }, knowledge);

  it('lists for each placement the actions naming it, of its channel, sorted by id', () => {
    expect(actionIds(m, 'home')).toEqual(['alpha', 'mid', 'web-only', 'zeta']);
    expect(actionIds(m, 'side')).toEqual(['alpha', 'sidebar', 'zeta']);
    expect(actionIds(m, 'newsletter')).toEqual(['mail-only']);
    expect(actionIds(m, 'empty')).toEqual([]);
  });

  it('keeps every action, by id, in configuration order, and the same compiled object in each placement', () => {
    expect([...m.actions.keys()]).toEqual(['zeta', 'alpha', 'mail-only', 'web-only', 'mid', 'sidebar', 'nowhere-known']);
    expect([...m.placements.keys()]).toEqual(['home', 'side', 'newsletter', 'empty']);
    expect(m.placements.get('home')?.actions[0]).toBe(m.actions.get('alpha'));
    expect(m.placements.get('side')?.actions[0]).toBe(m.actions.get('alpha'));
    expect(m.knowledge).toBe(knowledge);
  });

  it('a valid action: no problems, its rule compiled, open schedule, caps null, enabled', () => {
    const compiled = m.actions.get('zeta');
    expect(compiled).toMatchObject({ id: 'zeta', rule: null, start: null, end: null, caps: null, enabled: true, problems: [] });
    expect(compiled?.definition.id).toBe('zeta');
  });

  it('an action none of whose placements exists has a problem', () => {
    expect(problems(m, 'nowhere-known')).toEqual(['none of its placements exists (ghost)']);
    // One known placement is enough.
    const partly = compileDecisionModel({ actions: [action('partly', { placements: ['ghost', 'home'] })], placements: [placement('home')] }, knowledge);
    expect(problems(partly, 'partly')).toEqual([]);
    expect(actionIds(partly, 'home')).toEqual(['partly']);
  });
});

describe('compileAction', () => {
  const schema = decisionRuleSchema(knowledge);

  it('the decision rule schema is the knowledge schema with every segment', () => {
    expect(schema.segments).toEqual(['vip', 'buyers']);
    expect(schema.closedRoots).toEqual(knowledge.schema.closedRoots);
    expect(schema.fields?.['features.orders_90d']).toBe('number');
  });

  it('compiles the rule, schedule and caps', () => {
    const compiled = compileAction(action('a', {
      rule: 'in_segment("vip") and features.orders_90d >= 2',
      schedule: { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00+02:00' },
      caps: { perProfile: [{ max: 3, window: '24h' }], dismissCooldown: '7d' },
      enabled: false,
    }), schema);
    expect(compiled.problems).toEqual([]);
    expect(compiled.rule?.source).toBe('in_segment("vip") and features.orders_90d >= 2');
    expect(compiled.rule?.segments).toEqual(['vip']);
    expect(compiled.start).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(compiled.end).toBe(Date.parse('2026-03-31T22:00:00Z'));
    expect(compiled.caps).toEqual({ perProfile: [{ max: 3, window: '24h' }], dismissCooldown: '7d' });
    expect(compiled.enabled).toBe(false);
  });

  it.each([
    ['a start that is not a date', { schedule: { start: 'tomorrow' } }, ['schedule.start tomorrow is not a date']],
    ['an end that is not a date', { schedule: { end: '2026-13-45T00:00:00Z' } }, ['schedule.end 2026-13-45T00:00:00Z is not a date']],
    ['an end before the start', { schedule: { start: '2026-04-01T00:00:00Z', end: '2026-03-01T00:00:00Z' } }, ['schedule.end is not after schedule.start']],
    ['an end equal to the start', { schedule: { start: '2026-04-01T00:00:00Z', end: '2026-04-01T00:00:00Z' } }, ['schedule.end is not after schedule.start']],
    ['a window beyond 90d', { caps: { perProfile: [{ max: 1, window: '91d' }] } }, ['caps.perProfile[0].window: 91d is not a duration of at most 90d']],
    ['a placement window beyond 90d and a click cool-down beyond 90d', { caps: { perPlacement: [{ max: 1, window: '1h' }, { max: 2, window: '14w' }], clickCooldown: '100d' } }, [
      'caps.perPlacement[1].window: 14w is not a duration of at most 90d',
      'caps.clickCooldown: 100d is not a duration of at most 90d',
    ]],
    ['a rule on an unknown segment', { rule: 'in_segment("vipp")' }, ['rule does not compile: unknown segment "vipp"; did you mean "vip"? (line 1, column 12)\nin_segment("vipp")\n           ^^^^^^']],
    ['a rule that is not a condition', { rule: 'features.orders_90d + 1' }, ['rule does not compile: a condition must be true or false, but this is a number (line 1, column 1)\nfeatures.orders_90d + 1\n^^^^^^^^^^^^^^^^^^^^^^^']],
    ['a rule with a syntax error', { rule: 'profile.traits.vip ==' }, null],
  ] as const)('problem: %s', (_name, over, expected) => {
    const compiled = compileAction(action('a', over as Partial<ActionDefinition>), schema);
    if (expected === null) {
      expect(compiled.problems).toHaveLength(1);
      expect(compiled.problems[0]).toMatch(/^rule does not compile: /);
    } else {
      expect(compiled.problems).toEqual(expected);
    }
  });

  it('collects every problem, in order: rule, schedule, caps, placements', () => {
    const compiled = compileAction(action('a', {
      placements: ['ghost'],
      rule: 'features.gone > 1',
      schedule: { start: 'x', end: 'y' },
      caps: { dismissCooldown: '91d' },
    }), schema, new Map([['home', 'web']]));
    expect(compiled.rule).toBeNull();
    expect(compiled.start).toBeNull();
    expect(compiled.end).toBeNull();
    expect(compiled.problems).toEqual([
      'rule does not compile: unknown field "features.gone" (line 1, column 1)\nfeatures.gone > 1\n^^^^^^^^^^^^^',
      'schedule.start x is not a date',
      'schedule.end y is not a date',
      'caps.dismissCooldown: 91d is not a duration of at most 90d',
      'none of its placements exists (ghost)',
    ]);
  });

  it('an action whose channel none of its placements has is a problem (it could never be shown)', () => {
    const placements = new Map([['home', 'web'], ['newsletter', 'email']]);
    expect(compileAction(action('a', { placements: ['home'], channel: 'email' }), schema, placements).problems).toEqual([
      'channel email: none of its placements is on that channel (home: web)',
    ]);
    expect(compileAction(action('a', { placements: ['home', 'newsletter'], channel: 'email' }), schema, placements).problems).toEqual([]);
  });

  it('without a set of placements, placements are not checked', () => {
    expect(compileAction(action('a', { placements: ['ghost'] }), schema).problems).toEqual([]);
  });

  it('the same rule becomes a problem when the knowledge model loses the feature', () => {
    const rule = 'features.orders_90d >= 1';
    expect(compileAction(action('a', { rule }), decisionRuleSchema(knowledge)).problems).toEqual([]);
    expect(compileAction(action('a', { rule }), decisionRuleSchema(bare)).problems).toEqual([
      'rule does not compile: unknown field "features.orders_90d"; did you mean "features.order_count"? (line 1, column 1)\nfeatures.orders_90d >= 1\n^^^^^^^^^^^^^^^^^^^',
    ]);
  });
});

describe('compileDecisionModel: placements', () => {
  const strategy = (rule: string): PlacementDefinition['strategy'] => ({ kind: 'expectedValue', propensity: { rule } });

  it('compiles the propensity rule of an expectedValue strategy', () => {
    const m = compileDecisionModel({ actions: [], placements: [placement('ev', { strategy: strategy('features.orders_90d / 10') }), placement('const', { strategy: { kind: 'expectedValue', propensity: { constant: 0.2 } } }), placement('prio')] }, knowledge);
    expect(m.placements.get('ev')?.propensity?.reads).toEqual(['features.orders_90d']);
    expect(m.placements.get('ev')?.problems).toEqual([]);
    expect(m.placements.get('const')?.propensity).toBeNull();
    expect(m.placements.get('prio')?.propensity).toBeNull();
  });

  it('a propensity rule that does not compile is a placement problem, not an exception', () => {
    const m = compileDecisionModel({ actions: [action('a', { placements: ['ev'] })], placements: [placement('ev', { strategy: strategy('features.orders_90d / 10') })] }, bare);
    expect(m.placements.get('ev')?.propensity).toBeNull();
    expect(m.placements.get('ev')?.problems).toEqual([
      'strategy.propensity.rule does not compile: unknown field "features.orders_90d"; did you mean "features.order_count"? (line 1, column 1)\nfeatures.orders_90d / 10\n^^^^^^^^^^^^^^^^^^^',
    ]);
    // Its actions are still listed (and valid).
    expect(actionIds(m, 'ev')).toEqual(['a']);
    expect(problems(m, 'a')).toEqual([]);
  });

  it('a placement with problems answers with its default content (placement_invalid) through decide', () => {
    const m = compileDecisionModel({
      actions: [action('a', { placements: ['ev', 'fine'], value: 10 })],
      placements: [placement('ev', { strategy: strategy('features.orders_90d / 10') }), placement('fine')],
    }, bare);
    const ids = sequentialIds('d');
    const result = decide(
      m,
      { facts: { id: 'p1', traits: { name: 'Ada' }, firstSeen: NOW, lastSeen: NOW }, knowledge: emptyKnowledge() },
      { placements: [{ id: 'ev' }, { id: 'fine' }], context: {}, explain: false },
      { now: NOW, random: seededRandom(1), newDecisionId: () => ids.next(), budgetUsed: () => undefined },
    );
    expect(result.placements[0]).toEqual({
      placement: 'ev', channel: 'web', fallback: 'placement_invalid',
      decisions: [{
        decisionId: 'd-1', actionId: null, variant: null, content: { title: 'Hello Ada' }, score: null, probability: 1,
        reasons: { rule: null, segments: [], terms: [], strategy: 'expectedValue', capped: [], fallback: 'placement_invalid' },
      }],
    });
    // The broken placement did not take its action: the next placement may show it.
    expect(result.placements[1]?.decisions.map((d) => d.actionId)).toEqual(['a']);
  });

  it('never throws, and an action with problems is never in a decision', () => {
    const m = compileDecisionModel({
      actions: [
        action('bad-rule', { rule: '(((', priority: 9 }),
        action('bad-schedule', { schedule: { start: 'soon' }, priority: 8 }),
        action('bad-caps', { caps: { perProfile: [{ max: 1, window: '1000d' }] }, priority: 7 }),
        action('good', { priority: 1 }),
      ],
      placements: [placement('home', { count: 4 })],
    }, knowledge);
    expect(actionIds(m, 'home')).toEqual(['bad-caps', 'bad-rule', 'bad-schedule', 'good']);
    const ids = sequentialIds('d');
    const result = decide(m, null, { placements: [{ id: 'home' }], context: {}, explain: true }, { now: NOW, random: seededRandom(1), newDecisionId: () => ids.next(), budgetUsed: () => undefined });
    expect(result.placements[0]?.decisions.map((d) => d.actionId)).toEqual(['good']);
    expect(result.placements[0]?.decisions[0]?.reasons.skipped?.map((s) => [s.actionId, s.reason])).toEqual([['bad-caps', 'invalid'], ['bad-rule', 'invalid'], ['bad-schedule', 'invalid']]);
  });
});
