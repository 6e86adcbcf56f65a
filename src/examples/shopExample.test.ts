import { describe, expect, it } from 'vitest';
import { compileDecisionModel } from '../core/decide/compileDecisionModel.js';
import { compileKnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { shopActions, shopPlacements } from './shopExample.js';

describe('the example shop configuration', () => {
  it('compiles without problems against a workspace with only the built-in features', () => {
    const model = compileDecisionModel({ actions: shopActions, placements: shopPlacements }, compileKnowledgeModel({ features: [], segments: [] }));
    for (const action of model.actions.values()) expect(action.problems, action.id).toEqual([]);
    for (const placement of model.placements.values()) expect(placement.problems, placement.id).toEqual([]);
    expect(model.placements.get('home-hero')?.actions.map((a) => a.id)).toEqual(['new-arrivals', 'shoe-lover', 'spring-sale', 'welcome-back']);
  });
});
