import { describe, expect, it } from 'vitest';
import { compileDecisionModel } from '../core/decide/compileDecisionModel.js';
import { compileKnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { shopActions, shopFeatures, shopPlacements } from './shopExample.js';

describe('the example shop configuration', () => {
  it('compiles without problems against a workspace with the built-in features and its own', () => {
    const knowledge = compileKnowledgeModel({ features: shopFeatures, segments: [] });
    expect(knowledge.features.names).toContain('shoe_views_24h');
    const model = compileDecisionModel({ actions: shopActions, placements: shopPlacements }, knowledge);
    for (const action of model.actions.values()) expect(action.problems, action.id).toEqual([]);
    for (const placement of model.placements.values()) expect(placement.problems, placement.id).toEqual([]);
    expect(model.placements.get('home-hero')?.actions.map((a) => a.id)).toEqual(['new-arrivals', 'shoe-lover', 'spring-sale', 'welcome-back']);
  });
});
