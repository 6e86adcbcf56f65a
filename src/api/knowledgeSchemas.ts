import { Type } from 'typebox';
import { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import { SegmentDefinition, segmentIdPattern } from '../core/segments/SegmentDefinition.js';

/**
 * The shapes of the features and segments administration API (routes/knowledgeRoutes.ts).
 * The definitions themselves are the core's schemas; these add what the API shows about them.
 */

const RuleType = Type.Union(
  ['boolean', 'number', 'string', 'list', 'object', 'null', 'any'].map((t) => Type.Literal(t)),
  { description: 'A type of the rules language' },
);

/** PUT /features/:name: the name comes from the path; the body may repeat it. */
export const FeatureBody = Type.Object(
  { ...FeatureDefinition.properties, name: Type.Optional(FeatureDefinition.properties.name) },
  { additionalProperties: false, title: 'FeatureBody', description: 'A FeatureDefinition; `name`, if given, must be the name in the path' },
);

export const FeatureView = Type.Object(
  {
    ...FeatureDefinition.properties,
    builtin: Type.Boolean({ description: 'One of the features every workspace has (order_count, revenue, priced_order_count, first_order_at, last_order_at, unreadable_revenue_orders)' }),
    redefined: Type.Boolean({ description: 'A built-in feature this workspace declared its own definition for' }),
    type: RuleType,
    readBy: Type.Array(Type.String(), { description: 'Segments whose rules read this feature by name' }),
  },
  { title: 'Feature' },
);

export const Reevaluation = Type.Object(
  {
    profiles: Type.Integer({ description: 'Profiles re-evaluated' }),
    entered: Type.Integer({ description: 'Segment entries recorded' }),
    left: Type.Integer({ description: 'Segment exits recorded' }),
  },
  { title: 'Reevaluation' },
);

const resetNote = 'The feature restarts from now on every profile; `attune rebuild` fills it in from the event log.';

export const FeatureChange = Type.Object(
  {
    created: Type.Boolean({ description: 'The name was not known before (neither declared nor built in)' }),
    feature: FeatureView,
    reset: Type.Union([Reevaluation, Type.Null()], { description: `Not null when the definition changed: ${resetNote}` }),
  },
  { title: 'FeatureChange' },
);

export const FeatureDeletion = Type.Object(
  {
    deleted: Type.String(),
    restored: Type.Union([FeatureView, Type.Null()], { description: 'The built-in definition back in force, when a redefinition was deleted' }),
    reset: Type.Union([Reevaluation, Type.Null()], { description: resetNote }),
  },
  { title: 'FeatureDeletion' },
);

export const FeatureValidation = Type.Object(
  { valid: Type.Literal(true), exists: Type.Boolean({ description: 'Saving would replace a feature of this name' }), feature: FeatureView },
  { title: 'FeatureValidation' },
);

export const FeatureParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const SegmentAnalysis = Type.Object(
  {
    type: RuleType,
    reads: Type.Array(Type.String(), { description: 'Static paths the rule reads' }),
    roots: Type.Array(Type.String()),
    segments: Type.Array(Type.String(), { description: 'Segments it reads with in_segment()' }),
    dependents: Type.Array(Type.String(), { description: 'Segments that read it with in_segment()' }),
    features: Type.Array(Type.String()),
    allFeatures: Type.Boolean({ description: 'It reads features by a computed name: any feature may change it' }),
    profile: Type.Boolean(),
    session: Type.Boolean(),
    consent: Type.Boolean(),
    context: Type.Boolean({ description: 'Its rule reads the request context' }),
    clock: Type.Boolean({ description: 'It changes with time alone (now(), days_since, windowed or decayed features, the session)' }),
    stored: Type.Boolean({ description: 'Memberships are stored and counted; false when it reads the context (itself or through a segment): it exists at decision time only' }),
    dynamic: Type.Boolean({ description: 'Evaluated again whenever read (clock or context)' }),
    cost: Type.Integer({ description: 'Syntax nodes: a bound on the work of one evaluation' }),
  },
  { title: 'SegmentAnalysis' },
);

/** PUT /segments/:id: the id comes from the path; the body may repeat it. */
export const SegmentBody = Type.Object(
  { ...SegmentDefinition.properties, id: Type.Optional(SegmentDefinition.properties.id) },
  { additionalProperties: false, title: 'SegmentBody', description: 'A SegmentDefinition; `id`, if given, must be the id in the path' },
);

export const SegmentView = Type.Object(
  {
    ...SegmentDefinition.properties,
    size: Type.Union([Type.Integer(), Type.Null()], { description: 'Stored members; null for a segment evaluated at decision time only' }),
    analysis: SegmentAnalysis,
  },
  { title: 'Segment' },
);

export const SegmentChange = Type.Object(
  {
    segment: SegmentView,
    evaluation: Type.Union([Reevaluation, Type.Null()], { description: 'Every profile evaluated against the new rule before the answer; null when the rule did not change' }),
  },
  { title: 'SegmentChange' },
);

export const SegmentValidation = Type.Object(
  { valid: Type.Literal(true), exists: Type.Boolean({ description: 'Saving would replace a segment of this id' }), analysis: SegmentAnalysis },
  { title: 'SegmentValidation' },
);

export const SegmentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** PUT /segments/:id writes the segment of that id, so the path holds a valid segment id. */
export const SegmentWriteParams = Type.Object({ id: Type.String({ pattern: segmentIdPattern, description: 'The segment\'s id; not `overlap` or `estimate`' }) });

export const SegmentHistoryQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'How many UTC days, today the last' })) },
  { additionalProperties: false },
);

export const SegmentHistory = Type.Object(
  {
    segmentId: Type.String(),
    days: Type.Union([
      Type.Array(Type.Object({
        day: Type.String({ description: 'YYYY-MM-DD (UTC)' }),
        size: Type.Integer({ description: 'Members at the end of the day (today: now)' }),
        entries: Type.Integer({ description: 'Entries during the day (a re-evaluation after a rule change counts)' }),
        exits: Type.Integer(),
      })),
      Type.Null(),
    ], { description: 'Oldest first; null for a segment evaluated at decision time only (no stored members)' }),
  },
  { title: 'SegmentHistory' },
);

export const MembersQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 200, default: '', description: 'Return members with a profile id above this (the `next` of the previous page)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export const MemberPage = Type.Object(
  {
    members: Type.Array(Type.Object({ profileId: Type.String(), enteredAt: Type.String() })),
    next: Type.Union([Type.String(), Type.Null()], { description: 'The `after` of the next page; null on the last page' }),
  },
  { title: 'SegmentMembers' },
);

/** POST /segments/estimate: an unsaved segment, and how many matching profile ids to show. */
export const SegmentEstimateBody = Type.Object(
  {
    ...SegmentDefinition.properties,
    preview: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, default: 0, description: 'Matching profile ids to return (needs personalData.read); 0: counts only' })),
  },
  { additionalProperties: false, title: 'SegmentEstimateBody', description: 'A SegmentDefinition (not saved) and `preview`' },
);

const SizeEstimate = Type.Union([
  Type.Object({
    kind: Type.Literal('exact', { description: 'Every profile was evaluated' }),
    count: Type.Integer(),
    population: Type.Integer({ description: 'Live profiles of the workspace' }),
  }),
  Type.Object({
    kind: Type.Literal('sample', { description: 'A random sample of the profiles was evaluated (the first by id: ids are hashes)' }),
    count: Type.Integer({ description: 'The share matching in the sample times the population, rounded' }),
    population: Type.Integer(),
    sampled: Type.Integer(),
    matchedInSample: Type.Integer(),
    low: Type.Integer({ description: 'Lower bound on the count at `confidence` (Wilson, finite population correction)' }),
    high: Type.Integer(),
    confidence: Type.Number(),
  }),
], { title: 'SizeEstimate' });

export const SegmentEstimate = Type.Object(
  {
    exists: Type.Boolean({ description: 'Saving would replace a segment of this id' }),
    analysis: SegmentAnalysis,
    estimate: Type.Union([SizeEstimate, Type.Null()], { description: 'Null for a segment evaluated at decision time only (it reads the context)' }),
    preview: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The first matching profile ids in id order; null when not asked for' }),
  },
  { title: 'SegmentEstimate' },
);

/** A segment id inside a list (the pattern of SegmentDefinition's id without its anchors and reserved names). */
const listedSegmentId = '[a-z][a-z0-9_-]{0,63}';

export const SegmentOverlapQuery = Type.Object(
  { ids: Type.String({ pattern: `^${listedSegmentId}(,${listedSegmentId}){1,11}$`, description: '2 to 12 distinct segment ids, comma-separated' }) },
  { additionalProperties: false },
);

export const SegmentOverlap = Type.Object(
  {
    segments: Type.Array(Type.Object({ id: Type.String(), size: Type.Integer({ description: 'Stored members now' }) })),
    pairs: Type.Array(Type.Object({
      a: Type.String(),
      b: Type.String(),
      both: Type.Integer({ description: 'Profiles in both now' }),
      jaccard: Type.Union([Type.Number(), Type.Null()], { description: 'both / (size a + size b - both); null when both are empty' }),
    }), { description: 'Every unordered pair once, in the order of `ids`' }),
  },
  { title: 'SegmentOverlap' },
);
