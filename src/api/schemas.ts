import { Type, type Static } from 'typebox';

/**
 * The shapes of the HTTP API, declared once: Fastify validates requests and serialises
 * responses with them, TypeScript types come from them, and /openapi.json is built from them.
 * The Segment call shapes live with the core (src/core/events/eventSchemas.ts).
 */
const FaultDetail = Type.Object({
  code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
  index: Type.Optional(Type.Integer()),
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable error code, listed in docs/errors.md' }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    field: Type.Optional(Type.String({ description: 'JSON pointer to the field at fault' })),
    index: Type.Optional(Type.Integer({ description: 'Batch index at fault' })),
    errors: Type.Optional(Type.Array(FaultDetail)),
    accepted: Type.Optional(Type.Integer()),
    duplicates: Type.Optional(Type.Integer()),
  },
  { additionalProperties: true, title: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);

/** Error answers of the given statuses, documented with their real content type. */
export function problemResponses<S extends number>(...statuses: S[]): Record<S, { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }> {
  const entry = { description: 'application/problem+json', content: { 'application/problem+json': { schema: Problem } } };
  return Object.fromEntries(statuses.map((status) => [status, entry])) as Record<S, typeof entry>;
}

/** A successful answer that is not JSON (a page, a script), documented with its content type. */
export function textResponse(contentType: string, description: string): { description: string; content: Record<string, { schema: { type: 'string' } }> } {
  return { description, content: { [contentType]: { schema: { type: 'string' } } } };
}

export const HomeLink = Type.Object(
  {
    rel: Type.String({ description: 'What the link is: studio, example-shop, docs, openapi, health' }),
    href: Type.String(),
    title: Type.String(),
    description: Type.String(),
  },
  { title: 'HomeLink' },
);

export const HomeResponse = Type.Object(
  { name: Type.String(), description: Type.String(), links: Type.Array(HomeLink) },
  { title: 'HomeResponse', description: 'What this server is and where to go next' },
);

export const CollectResponse = Type.Object(
  {
    success: Type.Boolean(),
    accepted: Type.Integer({ description: 'Events stored by this request' }),
    duplicates: Type.Integer({ description: 'Events already stored (same messageId); not stored again' }),
    suppressed: Type.Optional(Type.Integer({ description: 'Events dropped because they name a suppressed person (present when above 0); counted per identifier in GET /admin/v1/privacy/report' })),
  },
  { title: 'CollectResponse' },
);

// Listed as literals for the static type; accessSchemas.test.ts checks them against the core's list.
export const SecretKeyScope = Type.Union([Type.Literal('full'), Type.Literal('read'), Type.Literal('decide')], { title: 'SecretKeyScope' });

export const ApiKey = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('write'), Type.Literal('secret')]),
    scope: Type.Union([SecretKeyScope, Type.Null()], { description: 'What a secret key may do (docs/access.md); null for a write key' }),
    prefix: Type.String(),
    createdAt: Type.String(),
    expiresAt: Type.Union([Type.String(), Type.Null()]),
    key: Type.Optional(Type.String({ description: 'The key itself: shown once, when created' })),
  },
  { title: 'ApiKey' },
);

export const WorkspaceCreated = Type.Object(
  {
    id: Type.String(), name: Type.String(), writeKey: Type.String(), secretKey: Type.String(),
    identitySecret: Type.String({ description: 'Signs user ids (userHash = HMAC-SHA256 of the userId, hex); shown once, like the keys' }),
  },
  { title: 'WorkspaceCreated' },
);

/** Identity verification of a workspace (GET and PUT /admin/v1/identity-verification): never the secret, except the once it is made. */
export const IdentityVerification = Type.Object(
  {
    enabled: Type.Boolean({ description: 'When on, a userId sent with the write key counts only with its userHash; without it, decide reads the caller as anonymous' }),
    secretCreatedAt: Type.Union([Type.String(), Type.Null()], { description: 'When the current identity secret was made; null: none yet' }),
    secret: Type.Optional(Type.String({ description: 'The identity secret: only in the answer that made it' })),
  },
  { title: 'IdentityVerification' },
);
export const IdentityVerificationBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false, title: 'IdentityVerificationChange' });
export const IdentitySecretCreated = Type.Object(
  { secret: Type.String({ description: 'The new identity secret, shown once; hashes made with the old one stop matching at once' }), createdAt: Type.String() },
  { title: 'IdentitySecret' },
);

export const WorkspaceSummary = Type.Object(
  { id: Type.String(), name: Type.String(), createdAt: Type.String() },
  { title: 'WorkspaceSummary' },
);

/** Numeric values that features or metrics could not read (README "Numbers in events"); never taken as 0. */
export const DataQuality = Type.Object(
  {
    unreadableNumbers: Type.Integer({ description: 'Values present but not numbers (one per event and property path)' }),
    byProperty: Type.Record(Type.String(), Type.Integer(), { description: 'The count per property path, e.g. properties.revenue' }),
  },
  { title: 'DataQuality' },
);

/** The workspace of a secret key, with its data-quality figures (summed over its profiles). */
export const WorkspaceDetail = Type.Object(
  { ...WorkspaceSummary.properties, dataQuality: DataQuality },
  { title: 'WorkspaceDetail' },
);

export const CreateWorkspaceBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const CreateKeyBody = Type.Object({
  kind: Type.Union([Type.Literal('write'), Type.Literal('secret')]),
  // For a secret key: full (the default), read or decide (docs/access.md); a write key takes none.
  scope: Type.Optional(SecretKeyScope),
}, { additionalProperties: false });
export const RotateKeyBody = Type.Object(
  { graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400, description: 'How long the old key keeps working (default 0)' })) },
  { additionalProperties: false },
);
export const KeyParams = Type.Object({ keyId: Type.String({ minLength: 1, maxLength: 100 }) });
export const ProfileParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });
export const ProfileQuery = Type.Object({ events: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 20 })) });

export const ProfileSearchQuery = Type.Object(
  {
    trait: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^"\\\\]+$', description: 'A top-level trait name (`email`, not `traits.email`)' }),
    value: Type.String({ minLength: 1, maxLength: 512, description: 'The value: a string, ASCII case ignored, or the number it spells' }),
    after: Type.Optional(Type.String({ maxLength: 200, default: '', description: 'Return profiles with an id above this (the `next` of the previous page)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const ProfileSearch = Type.Object(
  {
    profiles: Type.Array(Type.Object({ id: Type.String(), firstSeen: Type.String(), lastSeen: Type.String() })),
    next: Type.Union([Type.String(), Type.Null()], { description: 'The `after` of the next page; null on the last page' }),
  },
  { title: 'ProfileSearch' },
);
export const EventsQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Return events with a sequence number above this' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});

const StoredEvent = Type.Object({
  seq: Type.Integer(),
  profileId: Type.String(),
  messageId: Type.String(),
  type: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.String(), Type.Null()]),
  anonymousId: Type.Union([Type.String(), Type.Null()]),
  timestamp: Type.String(),
  receivedAt: Type.String(),
  body: Type.Record(Type.String(), Type.Unknown()),
}, { title: 'StoredEvent' });

export const EventPage = Type.Object({ events: Type.Array(StoredEvent), next: Type.Union([Type.Integer(), Type.Null()]) }, { title: 'EventPage' });

export const Profile = Type.Object(
  {
    id: Type.String(),
    identities: Type.Array(Type.Object({ kind: Type.Union([Type.Literal('user'), Type.Literal('anonymous')]), value: Type.String() })),
    mergedProfileIds: Type.Array(Type.String()),
    traits: Type.Record(Type.String(), Type.Unknown()),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
    eventCounts: Type.Record(Type.String(), Type.Integer()),
    features: Type.Record(Type.String(), Type.Unknown(), { description: 'Feature values now, built-in and derived ones included' }),
    session: Type.Record(Type.String(), Type.Unknown(), { description: 'The live session (an expired one reads as a new, empty session)' }),
    segments: Type.Array(Type.Object({
      id: Type.String(),
      enteredAt: Type.Union([Type.String(), Type.Null()], { description: 'Null for segments evaluated on the spot (they read the clock or the context)' }),
    })),
    consent: Type.Object({
      purposes: Type.Record(Type.String(), Type.Object({
        granted: Type.Boolean(),
        decidedAt: Type.Union([Type.String(), Type.Null()], { description: 'Null: the workspace default applies' }),
        source: Type.Union([Type.String(), Type.Null()]),
      })),
      history: Type.Array(Type.Object({ purpose: Type.String(), granted: Type.Boolean(), source: Type.String(), at: Type.String() })),
    }),
    dataQuality: DataQuality,
    items: Type.Object({
      viewed: Type.Array(Type.Object({ id: Type.String(), kind: Type.Union([Type.Literal('view'), Type.Literal('cart')]), at: Type.String() }), { description: 'Latest first, each item once (its latest view or cart addition)' }),
      bought: Type.Array(Type.Object({ id: Type.String(), at: Type.String() }), { description: 'Latest first, each item once' }),
    }, { description: 'Recent items from the e-commerce events (Product Viewed, Product Added, Order Completed ...)' }),
    recentEvents: Type.Array(StoredEvent),
  },
  { title: 'Profile' },
);

export type ProfileResponse = Static<typeof Profile>;
export type StoredEventResponse = Static<typeof StoredEvent>;
