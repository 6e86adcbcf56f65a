import { Type } from 'typebox';
import { ReviewKindSchema, ReviewPolicy } from '../core/review/ReviewPolicy.js';
import { AuditActor, AuditChange } from './auditSchemas.js';

/**
 * The shapes of draft, review, publish (routes/reviewRoutes.ts, docs/review.md). Times are
 * milliseconds since the epoch, as the audit trail gives them; a draft's or a version's
 * `definition` is the kind's definition as its own route takes it, null for a deletion.
 */

const Kind = Type.Union(ReviewKindSchema.anyOf, { description: 'The kind of definition' });
const DraftState = Type.Union([Type.Literal('open'), Type.Literal('scheduled'), Type.Literal('published'), Type.Literal('discarded')]);
const Id = Type.String({ minLength: 1, maxLength: 200 });
const Millis = Type.Integer({ description: 'Milliseconds since the epoch' });
const Revision = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const Override = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why the limit is exceeded: kept in the audit trail' }) },
  { additionalProperties: false, description: 'An owner\'s override of the weekly change limits' },
);

export const ReviewPolicyView = Type.Object({
  policy: Type.Union([ReviewPolicy, Type.Null()], { description: 'As saved; null: none (changes publish at once)' }),
  resolved: Type.Object({
    approvers: Type.Integer(),
    required: Type.Array(Type.Unknown()),
    changeLimits: Type.Object({ placement: Type.Optional(Type.Integer()), segment: Type.Optional(Type.Integer()), workspace: Type.Optional(Type.Integer()) }),
  }),
  reviewRequired: Type.Boolean({ description: 'Direct changes are refused (ATTUNE_REVIEW_REQUIRED): publish through drafts' }),
}, { title: 'ReviewPolicyView' });

export const NewDraftBody = Type.Object(
  {
    kind: Kind,
    definition: Type.Optional(Type.Unknown({ description: 'The definition to publish, as the kind\'s own route takes it; absent: the draft deletes `id`' })),
    id: Type.Optional({ ...Id, description: 'The definition\'s id (a feature\'s name): required to delete, else it must match the definition' }),
  },
  { additionalProperties: false },
);

export const DraftUpdateBody = Type.Object(
  {
    expectedRevision: { ...Revision, description: 'The revision being replaced: another one is refused (ATTUNE_VERSION_CONFLICT)' },
    definition: Type.Optional(Type.Unknown({ description: 'The new definition; absent: the draft deletes its definition' })),
  },
  { additionalProperties: false },
);

export const ApprovalBody = Type.Object(
  { revision: { ...Revision, description: 'The revision reviewed: approving another is refused (ATTUNE_VERSION_CONFLICT)' } },
  { additionalProperties: false },
);

export const PublishBody = Type.Object(
  {
    expectedRevision: { ...Revision, description: 'The revision reviewed: another one is refused (ATTUNE_VERSION_CONFLICT)' },
    at: Type.Optional(Type.String({ format: 'date-time', description: 'Publish at this time instead of now (ISO 8601); due drafts are published by the server within seconds' })),
    override: Type.Optional(Override),
  },
  { additionalProperties: false },
);

export const RevertBody = Type.Object(
  { version: Type.Integer({ minimum: 1, description: 'The earlier version to restore exactly' }), override: Type.Optional(Override) },
  { additionalProperties: false },
);

export const ChangeRequestBody = Type.Object(
  {
    revision: { ...Revision, description: 'The revision reviewed: asking about another is refused (ATTUNE_VERSION_CONFLICT)' },
    comment: Type.String({ minLength: 1, maxLength: 4000, description: 'What should change: shown on the draft, kept in the audit trail' }),
  },
  { additionalProperties: false },
);

const Approval = Type.Object({ userId: Type.String(), role: Type.String(), reviewerKinds: Type.Array(Type.String()), revision: Type.Integer(), at: Millis });

export const DraftView = Type.Object({
  id: Type.String(), kind: Kind, targetId: Type.String(), definition: Type.Unknown(),
  baseVersion: Type.Integer({ description: 'The published version the draft was written against (0: none)' }),
  revision: Type.Integer({ description: 'Counts edits from 1; an edit clears the approvals' }),
  state: DraftState,
  author: AuditActor, approvals: Type.Array(Approval),
  approval: Type.Object({ satisfied: Type.Boolean(), missing: Type.Array(Type.String(), { description: 'What the policy still needs' }) }),
  publishAt: Type.Union([Millis, Type.Null()]), revertOf: Type.Union([Type.Integer(), Type.Null()]), publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
  override: Type.Union([Type.Object({ reason: Type.String(), by: Type.String() }), Type.Null()]),
  changesRequested: Type.Union([
    Type.Object({ by: Type.String({ description: 'The reviewer\'s user id' }), comment: Type.String(), revision: Type.Integer(), at: Millis }),
    Type.Null(),
  ], { description: 'The latest request for changes, until the next edit; null: none' }),
  createdAt: Millis, updatedAt: Millis,
}, { title: 'DraftView' });

export const DraftList = Type.Object({ drafts: Type.Array(DraftView) });

export const DraftListQuery = Type.Object(
  { state: Type.Optional(DraftState) },
  { additionalProperties: false },
);

export const DraftParams = Type.Object({ id: Id });
export const VersionParams = Type.Object({ kind: Kind, id: Id });
export const VersionNumberParams = Type.Object({ kind: Kind, id: Id, version: Type.Integer({ minimum: 1 }) });

export const ConfigVersionView = Type.Object({
  kind: Kind, targetId: Type.String(), version: Type.Integer(), at: Millis, actor: AuditActor,
  definition: Type.Unknown({ description: 'The definition as published; null: deleted' }),
  draftId: Type.Union([Type.String(), Type.Null()], { description: 'The draft it published; null: a direct change' }),
  placements: Type.Array(Type.String()), segments: Type.Array(Type.String()),
}, { title: 'ConfigVersion' });

export const VersionList = Type.Object({ versions: Type.Array(ConfigVersionView) });

export const DiffQuery = Type.Object(
  { from: Type.Optional(Type.Integer({ minimum: 0, description: 'Default: the version before `to` (0: nothing)' })), to: Type.Optional(Type.Integer({ minimum: 1, description: 'Default: the newest' })) },
  { additionalProperties: false },
);

export const VersionDiff = Type.Object({ from: Type.Integer(), to: Type.Integer(), changes: Type.Array(AuditChange) }, { title: 'VersionDiff' });
