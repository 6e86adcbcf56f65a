import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { compileKnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge } from '../knowledge/KnowledgeState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { compileAction, compileDecisionModel, decisionRuleSchema } from './compileDecisionModel.js';
import { decide, type DecisionProfile } from './decide.js';
import { previewAction } from './previewAction.js';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const knowledge = compileKnowledgeModel({ features: [], segments: [] });
const definition: ActionDefinition = {
  id: 'sale', placements: ['home'], priority: 0, value: 0, rule: 'profile.traits.vip == true',
  variants: {
    default: { title: 'Sale, {{ profile.traits.name | "friend" }} <{{ context.page.path }}>' },
    de: { title: 'Aktion, {{ profile.traits.name | "Freund" }}', note: '{{{ content.title }}}' },
  },
};
const model = compileDecisionModel({ actions: [definition], placements: [{ id: 'home', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: null }] }, knowledge);
const action = compileAction(definition, decisionRuleSchema(knowledge));
const profile = (traits: Record<string, unknown>): DecisionProfile => ({ facts: { id: 'p1', traits, firstSeen: NOW, lastSeen: NOW }, knowledge: emptyKnowledge() });

describe('previewAction', () => {
  it.each([
    ['de-CH', { path: '/x' }],
    ['de', {}],
    ['fr', { path: '/<b>' }],
  ])('renders what decide answers for the same profile in %s', (locale, page) => {
    const context = { locale, page };
    const who = profile({ name: 'Ada <3', vip: true });
    const decided = decide(model, who, { placements: [{ id: 'home' }], context, explain: false }, {
      now: NOW, random: seededRandom(1), newDecisionId: () => 'd1', budgetUsed: () => undefined,
    }).placements[0]!.decisions[0]!;
    const preview = previewAction(model, action, who, context, NOW);
    expect(preview.content).toEqual(decided.content);
    expect(preview.variant).toBe(decided.variant);
    expect(preview.ruleHolds).toBe(true);
  });

  it('says why the action would not be chosen: rule false, outside the schedule, no variant on the chain', () => {
    const later = compileAction({ ...definition, schedule: { start: '2026-04-01T00:00:00Z' }, variants: { de: { title: 'nur Deutsch' } } }, decisionRuleSchema(knowledge));
    const preview = previewAction(model, later, profile({ vip: false }), { locale: 'en-GB' }, NOW);
    expect(preview).toMatchObject({ locales: ['en-GB', 'en', 'default'], variant: null, content: null, ruleHolds: false, inSchedule: false, problems: [] });
    expect(previewAction(model, later, profile({ vip: true }), { locale: 'de' }, NOW)).toMatchObject({ variant: 'de', content: { title: 'nur Deutsch' }, ruleHolds: true });
  });
});
