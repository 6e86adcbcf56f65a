import { Type } from 'typebox';

/**
 * The privacy API's shapes (POST /admin/v1/privacy/export, /erase, /suppress, /unsuppress and
 * GET /admin/v1/privacy/report). A request names exactly one person; receipts, the
 * suppression list and the report carry keyed hashes of identifiers, never the identifiers.
 */

const identifier = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 512, description }));

export const PrivacyRequest = Type.Object(
  {
    userId: identifier('The person\'s user id'),
    anonymousId: identifier('One of the person\'s anonymous ids'),
    profileId: identifier('The person\'s profile id (or one merged into it)'),
  },
  { additionalProperties: false, title: 'PrivacyRequest', description: 'Exactly one of userId, anonymousId or profileId' },
);

export const HashedIdentifier = Type.Object(
  { kind: Type.String({ description: '`user`, `anonymous` or `profile`' }), hash: Type.String({ description: 'HMAC-SHA256 of the identifier with the workspace\'s privacy secret (hex)' }) },
  { title: 'HashedIdentifier' },
);

const rowKinds = ['events', 'profiles', 'knowledge', 'identities', 'merges', 'segmentMembers', 'segmentChanges', 'consentChanges', 'decisions', 'rankEvents'] as const;
const RowCounts = Type.Object(Object.fromEntries(rowKinds.map((kind) => [kind, Type.Integer({ minimum: 0 })])) as Record<(typeof rowKinds)[number], ReturnType<typeof Type.Integer>>);

export const ErasureReceipt = Type.Object(
  {
    id: Type.String(),
    kind: Type.Literal('erasure'),
    workspaceId: Type.String(),
    at: Type.String({ format: 'date-time' }),
    subject: HashedIdentifier,
    found: Type.Boolean({ description: 'Whether anything was held about the person' }),
    identifiers: Type.Array(HashedIdentifier, { description: 'Every identifier erased and suppressed, hashed' }),
    removed: RowCounts,
    aggregates: Type.Array(Type.Object({
      statistic: Type.String(),
      handling: Type.Union([Type.Literal('removed'), Type.Literal('kept-until-rebuild'), Type.Literal('kept-until-retrained')]),
      count: Type.Optional(Type.Integer()),
    })),
    suppressed: Type.Integer({ description: 'Identifiers this erasure added to the suppression list' }),
    verification: Type.Object({
      at: Type.String({ format: 'date-time' }),
      remaining: RowCounts,
      inMemory: Type.Integer({ description: 'Identifiers the engine still resolves to a profile' }),
      clean: Type.Boolean(),
    }),
  },
  { title: 'ErasureReceipt' },
);

export const SuppressionChange = Type.Object(
  { subject: HashedIdentifier, changed: Type.Integer({ description: 'Identifiers listed (suppress) or unlisted (unsuppress) by this request' }), identifiers: Type.Array(HashedIdentifier) },
  { title: 'SuppressionChange' },
);

/** Everything held about a person: loose below the top level, since events and stored state are as they were sent or kept. */
export const PersonExport = Type.Object(
  {
    workspaceId: Type.String(),
    exportedAt: Type.String({ format: 'date-time' }),
    request: Type.Object({ kind: Type.String(), value: Type.String() }),
    found: Type.Boolean(),
    profileId: Type.Union([Type.String(), Type.Null()]),
    mergedProfileIds: Type.Array(Type.String()),
    identities: Type.Array(Type.Unknown()),
    traits: Type.Record(Type.String(), Type.Unknown()),
    profiles: Type.Array(Type.Unknown()),
    knowledge: Type.Unknown({ description: 'Features, session, segments, consent (with history), data quality, recent items: null when not found' }),
    experiments: Type.Array(Type.Unknown()),
    predictions: Type.Unknown(),
    merges: Type.Array(Type.Unknown()),
    segmentMembers: Type.Array(Type.Unknown()),
    segmentHistory: Type.Array(Type.Unknown()),
    consentHistory: Type.Array(Type.Unknown()),
    decisions: Type.Array(Type.Unknown()),
    exposures: Type.Array(Type.Unknown()),
    events: Type.Array(Type.Unknown()),
    rankEvents: Type.Array(Type.Unknown()),
  },
  { title: 'PersonExport' },
);

export const PrivacyReport = Type.Object(
  {
    suppressedIdentifiers: Type.Integer(),
    droppedEvents: Type.Integer({ description: 'Events dropped at collection because they named a suppressed identifier' }),
    suppressions: Type.Array(Type.Object({
      kind: Type.String(), hash: Type.String(), since: Type.String({ format: 'date-time' }), dropped: Type.Integer(),
      lastDroppedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    })),
    receipts: Type.Array(Type.Unknown(), { description: 'The latest erasure receipts, newest first' }),
  },
  { title: 'PrivacyReport' },
);
