import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../common/ports.js';
import { seededRandom } from '../common/random.js';
import { compileKnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge } from '../knowledge/KnowledgeState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { emptyCapState, recordImpression } from './caps.js';
import { compileDecisionModel } from './compileDecisionModel.js';
import { decide } from './decide.js';
import type { Decision, Skip } from './decisionSteps.js';
import type { PlacementDefinition } from './PlacementDefinition.js';
import { servesWithoutConsent, slotProblems, type RecommendationList, type RecommendedEntry } from './RecommendationSlot.js';
import { slotAsks, slotKey } from './slotAsks.js';

/** Recommendation slots through the whole pure pipeline, from the spec cases beside this file. */
const hour = 3_600_000;
const NOW = Date.parse('2026-03-20T12:00:00Z');

const knowledge = compileKnowledgeModel({ features: [], segments: [{ id: 'swiss', name: 'Swiss', rule: 'context.locale == "de-CH"' }] });

interface ListInput extends Omit<RecommendationList, 'items'> {
  readonly items: readonly (Partial<RecommendedEntry> & { id: string; score: number })[];
}

interface ExpectedDecision {
  readonly actionId: string | null;
  readonly content: unknown;
  readonly items?: Decision['items'];
  readonly itemIds?: readonly string[];
  readonly recommendation?: unknown;
}

interface SlotCase {
  readonly name: string;
  readonly actions: readonly Partial<ActionDefinition>[];
  readonly placement?: Partial<PlacementDefinition>;
  readonly lists: Readonly<Record<string, ListInput>>;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly impressions?: Readonly<Record<string, number>>;
  readonly expected: { readonly fallback: string | null; readonly decisions: readonly ExpectedDecision[]; readonly skipped?: readonly Partial<Skip>[] };
}

const file = JSON.parse(readFileSync(new URL('./recommendationSlots.cases.json', import.meta.url), 'utf8')) as { cases: SlotCase[] };

function listOf(input: ListInput): RecommendationList {
  return {
    ...input,
    items: input.items.map((item) => ({
      title: item.id, category: [], price: null, currency: null, availability: 'in_stock', strategy: input.strategy, reason: 'popular', because: null, ...item,
    })),
  };
}

const pdp: PlacementDefinition = { id: 'pdp', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Default for {{ profile.traits.name | "you" }}' } };

function run(c: SlotCase) {
  const actions = c.actions.map((a) => ({ placements: ['pdp'], priority: 0, value: 0, variants: { default: '' }, ...a }) as ActionDefinition);
  const model = compileDecisionModel({ actions, placements: [{ ...pdp, ...c.placement }] }, knowledge);
  let caps = emptyCapState();
  for (const [actionId, n] of Object.entries(c.impressions ?? {})) {
    for (let i = n; i >= 1; i--) caps = recordImpression(caps, { actionId, placementId: 'pdp', channel: 'web', at: NOW - i * hour, timeZone: null });
  }
  const lists = new Map(Object.entries(c.lists).map(([id, list]) => [slotKey('pdp', id), listOf(list)]));
  const ids = sequentialIds('d');
  return decide(
    model,
    { facts: { id: 'p1', traits: { name: 'Ada' }, firstSeen: NOW - 100 * hour, lastSeen: NOW - hour }, knowledge: { ...emptyKnowledge(), k: caps } },
    { placements: [{ id: 'pdp' }], context: c.context ?? {}, explain: true },
    { now: NOW, random: seededRandom(1), newDecisionId: () => ids.next(), budgetUsed: () => undefined, recommendations: (p, a) => lists.get(slotKey(p, a)) },
  ).placements[0]!;
}

describe('recommendation slots (spec cases)', () => {
  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const answer = run(c);
    expect(answer.fallback).toBe(c.expected.fallback);
    expect(answer.decisions).toHaveLength(c.expected.decisions.length);
    c.expected.decisions.forEach((expected, i) => {
      const decision = answer.decisions[i]!;
      expect(decision.actionId).toBe(expected.actionId);
      expect(decision.content).toEqual(expected.content);
      if (expected.items !== undefined) expect(decision.items).toEqual(expected.items);
      if (expected.itemIds !== undefined) expect(decision.items?.map((item) => item.id)).toEqual(expected.itemIds);
      if (expected.actionId === null || !Array.isArray(expected.content)) expect(decision.items).toBeUndefined();
      if (expected.recommendation !== undefined) expect(decision.reasons.recommendation).toEqual(expected.recommendation);
      if (expected.actionId === null) expect(decision.reasons.recommendation).toBeUndefined();
    });
    if (c.expected.skipped !== undefined) {
      expect(answer.decisions[0]!.reasons.skipped ?? []).toMatchObject(c.expected.skipped);
    }
  });
});

describe('slot definitions and asks', () => {
  const slot = (over: Partial<ActionDefinition> = {}): ActionDefinition => ({ id: 'rec', placements: ['pdp'], priority: 0, value: 0, variants: { default: '{{ item.title }}' }, recommend: { strategy: 'viewed-together' }, ...over });
  const banner: ActionDefinition = { id: 'banner', placements: ['pdp'], priority: 0, value: 0, variants: { default: 'x' } };

  it('a minItems above the count is a problem; the slot is then skipped as invalid', () => {
    expect(slotProblems({ count: 2, minItems: 3 })).toEqual([{ field: 'minItems', message: 'recommend.minItems 3 is more than recommend.count 2' }]);
    expect(slotProblems({ minItems: 4 })).toEqual([]);
    const model = compileDecisionModel({ actions: [slot({ recommend: { minItems: 5 } })], placements: [pdp] }, knowledge);
    expect(model.actions.get('rec')?.problems).toEqual(['recommend.minItems 5 is more than recommend.count 4']);
  });

  it('asks for the valid, enabled, scheduled slots of the placements asked for, with the ask\'s seeds else context.items', () => {
    const model = compileDecisionModel({
      actions: [slot(), banner, slot({ id: 'off', enabled: false }), slot({ id: 'later', schedule: { start: '2027-01-01T00:00:00Z' } }), slot({ id: 'side-only', placements: ['side'] })],
      placements: [pdp, { ...pdp, id: 'side' }],
    }, knowledge);
    const context = { items: ['ctx-1', 7, 'ctx-2'] };
    expect(slotAsks(model, { placements: [{ id: 'pdp' }], context, explain: false }, NOW))
      .toEqual([{ placementId: 'pdp', actionId: 'rec', spec: { strategy: 'viewed-together' }, seeds: ['ctx-1', 'ctx-2'] }]);
    expect(slotAsks(model, { placements: [{ id: 'pdp', items: ['sku'] }, { id: 'pdp' }, { id: 'nope' }, { id: 'side' }], context, explain: false }, NOW).map((a) => [a.placementId, a.actionId, a.seeds]))
      .toEqual([['pdp', 'rec', ['sku']], ['side', 'side-only', ['ctx-1', 'ctx-2']]]);
    expect(slotAsks(compileDecisionModel({ actions: [banner], placements: [pdp] }, knowledge), { placements: [{ id: 'pdp' }], context, explain: false }, NOW)).toEqual([]);
  });

  it('serves without consent only a slot whose rule reads the context alone, with a non-personal list', () => {
    const model = compileDecisionModel({
      actions: [slot(), slot({ id: 'ctx', rule: 'context.page.path starts_with "/p"' }), slot({ id: 'feat', rule: 'session.pages > 1' }), slot({ id: 'consent', rule: 'has_consent("marketing")' }), banner],
      placements: [pdp],
    }, knowledge);
    const serves = (id: string, personalized = false) => {
      const a = model.actions.get(id)!;
      return servesWithoutConsent(a.definition.recommend, a.rule, { strategy: 'auto', personalized, fallback: null, items: [] });
    };
    expect([serves('rec'), serves('ctx'), serves('feat'), serves('consent'), serves('banner'), serves('rec', true)]).toEqual([true, true, false, false, false, false]);
  });
});
