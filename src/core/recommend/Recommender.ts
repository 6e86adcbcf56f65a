/**
 * The shapes every recommender shares. Items and users are dense integer indices into the
 * dataset's id tables, so that training and scoring work on typed arrays; the shell maps
 * catalog ids to indices at its edge.
 */

/** One user-item interaction (a view, a purchase, a rating). `time` is in unix seconds. */
export interface Interaction {
  readonly user: number;
  readonly item: number;
  /** 1 for implicit feedback; the rating for explicit data. */
  readonly weight: number;
  readonly time: number;
}

/** Interactions with their id tables: `userIds[user]` and `itemIds[item]` are the original ids. */
export interface InteractionData {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly interactions: readonly Interaction[];
}

/** What a recommender is asked: the history it knows (oldest first) and what to leave out. */
export interface RecommendQuery {
  /** The user's items, oldest first (for session recommenders: the session so far). */
  readonly history: readonly number[];
  /** The user's index in the training data, when the user was there. */
  readonly user?: number | undefined;
  readonly k: number;
  /** Items never to return (already bought, training items under the evaluation protocol). */
  readonly exclude?: ReadonlySet<number> | undefined;
  /**
   * The live session's key, when the recommender's index also holds live sessions: a session
   * index then leaves the asking session out of its own neighbours.
   */
  readonly session?: string | undefined;
}

export interface ScoredItem {
  readonly item: number;
  readonly score: number;
  /** The history item that contributed most to the score, where the recommender can say ("because you viewed X"). */
  readonly because?: number | undefined;
}

/** A trained (or incrementally maintained) recommender: best first, at most `k`, never an excluded item. */
export interface Recommender {
  readonly name: string;
  recommend(query: RecommendQuery): ScoredItem[];
}

/** Trains a recommender from interactions. Pure: the same data and options give the same model. */
export interface RecommenderTrainer<Options = unknown> {
  readonly name: string;
  train(data: InteractionData, options?: Options): Recommender;
}
