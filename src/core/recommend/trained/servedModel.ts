import type { ItemIds } from '../online/ItemIds.js';
import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { trainedRecommender } from './trainedRecommender.js';
import type { TrainedModel, TrainedModelKind } from './TrainedModel.js';

/** The active model of a workspace as served: decoded once, with its id -> index table. */
export interface ServedModel {
  readonly version: number;
  readonly kind: TrainedModelKind;
  readonly itemIds: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Scores in the model's own item indices. */
  readonly recommender: Recommender;
}

export function serveModel(version: number, model: TrainedModel): ServedModel {
  return {
    version, kind: model.kind, itemIds: model.itemIds,
    index: new Map(model.itemIds.map((id, i) => [id, i])),
    recommender: trainedRecommender(model.kind, model),
  };
}

/**
 * The served model as a recommender over another index space (the online models' `ItemIds`),
 * mapped by item id both ways: history and exclusions go in as the model's indices (items
 * the model never saw are left out: they were first seen after training), results come back
 * as the other space's indices (items that space does not know are left out: it cannot name
 * them). The model and the online state keep their own indices, so neither waits for the other.
 */
export function inItemSpace(served: ServedModel, ids: ItemIds, name: string): Recommender {
  const toModel = (items: Iterable<number>): number[] => {
    const out: number[] = [];
    for (const item of items) {
      const index = served.index.get(ids.id(item));
      if (index !== undefined) out.push(index);
    }
    return out;
  };
  return {
    name,
    recommend(query: RecommendQuery): ScoredItem[] {
      const history = toModel(query.history);
      if (history.length === 0) return [];
      const exclude = query.exclude === undefined ? undefined : new Set(toModel(query.exclude));
      const out: ScoredItem[] = [];
      // Asked for a few more than k: results the other space cannot name are dropped.
      for (const s of served.recommender.recommend({ history, k: query.k + 10, exclude })) {
        const item = ids.find(served.itemIds[s.item]!);
        if (item === undefined) continue;
        const because = s.because === undefined ? undefined : ids.find(served.itemIds[s.because]!);
        out.push(because === undefined ? { item, score: s.score } : { item, score: s.score, because });
        if (out.length === query.k) break;
      }
      return out;
    },
  };
}
