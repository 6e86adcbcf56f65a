import { Type, type Static } from 'typebox';
import { trainedModelKinds } from '../core/recommend/trained/TrainedModel.js';

/** The shapes of the trained recommender models API (routes/recommenderModelRoutes.ts). */

const kinds = ['auto', ...trainedModelKinds] as const;

export const TrainRequest = Type.Object(
  {
    kind: Type.Optional(Type.Union(kinds.map((k) => Type.Literal(k)), {
      description: 'auto (default): ease-norm (EASE with normalisation) up to 20,000 items, item-knn above; ease-norm above 20,000 items is refused',
    })),
    activate: Type.Optional(Type.Boolean({ description: 'Serve the new version from the next request (default true)' })),
    wait: Type.Optional(Type.Boolean({ description: 'Answer 200 with the summary once trained, instead of 202 at once (default false)' })),
  },
  { additionalProperties: false, title: 'TrainRecommenderRequest' },
);
export type TrainRequest = Static<typeof TrainRequest>;

export const TrainingStatus = Type.Object(
  {
    version: Type.Integer({ description: 'The version the model will be stored under' }),
    startedAt: Type.String({ format: 'date-time' }),
    phase: Type.Union([Type.Literal('reading'), Type.Literal('holdout'), Type.Literal('final'), Type.Literal('saving')], {
      description: 'reading the event log, training on the holdout split and judging it, training on everything, saving',
    }),
    fraction: Type.Number({ minimum: 0, maximum: 1, description: 'Of the whole job' }),
    eventsRead: Type.Integer(),
  },
  { title: 'RecommenderTrainingStatus' },
);

const Metrics = {
  protocol: Type.Literal('leave-last-out', { description: 'Each user\'s latest item hidden; the rest is the history' }),
  k: Type.Integer(),
  judgedUsers: Type.Integer({ description: 'Users judged on the holdout (those with two items or more; at most 5,000, taken evenly)' }),
  ndcg: Type.Number({ description: 'nDCG@k of the model on the holdout' }),
  hitRate: Type.Number({ description: 'HR@k of the model on the holdout' }),
  popularNdcg: Type.Number({ description: 'nDCG@k of popularity on the same holdout' }),
  popularHitRate: Type.Number(),
};

export const TrainingSummary = Type.Object(
  {
    version: Type.Integer(),
    kind: Type.String({ description: 'ease-norm or item-knn' }),
    active: Type.Boolean(),
    ...Metrics,
    items: Type.Integer(),
    users: Type.Integer({ description: 'Profiles with item interactions (training users)' }),
    interactions: Type.Integer(),
    events: Type.Integer({ description: 'Events read from the log' }),
    trainedFromSeq: Type.Integer({ description: 'The log position read up to' }),
    seconds: Type.Number(),
    modelBytes: Type.Integer({ description: 'Bytes of the model\'s arrays in memory' }),
    payloadBytes: Type.Integer({ description: 'Bytes stored' }),
    notice: Type.Union([Type.String(), Type.Null()], { description: 'Why the kind differs from the one asked for (a catalog too large for EASE)' }),
  },
  { title: 'RecommenderTrainingSummary' },
);

export const TrainAccepted = Type.Object(
  { version: Type.Integer(), status: Type.Literal('training'), training: TrainingStatus },
  { title: 'RecommenderTrainingAccepted', description: 'The job runs in the background: GET /admin/v1/recommenders shows its progress, then the version' },
);

export const RecommenderModelInfo = Type.Object(
  {
    version: Type.Integer(),
    kind: Type.String(),
    createdAt: Type.Integer({ description: 'Unix milliseconds' }),
    trainedFromSeq: Type.Integer(),
    metrics: Type.Record(Type.String(), Type.Unknown(), { description: 'The training summary: holdout figures, items, users, seconds, model bytes' }),
    payloadBytes: Type.Integer(),
    active: Type.Boolean(),
  },
  { title: 'RecommenderModelInfo' },
);

export const RecommenderList = Type.Object(
  {
    active: Type.Union([Type.Integer(), Type.Null()], { description: 'The version recommendations serve; null: none (co-occurrence serves)' }),
    training: Type.Union([TrainingStatus, Type.Null()]),
    lastFailure: Type.Union([Type.Object({ version: Type.Integer(), code: Type.String(), message: Type.String(), at: Type.String({ format: 'date-time' }) }), Type.Null()], {
      description: 'The last training that failed since the last one that succeeded (this process)',
    }),
    versions: Type.Array(RecommenderModelInfo, { description: 'Newest first; the newest 5 and the active one are kept' }),
  },
  { title: 'RecommenderList' },
);

export const VersionParams = Type.Object({ version: Type.Integer({ minimum: 1 }) });
