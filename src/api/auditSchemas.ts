import { Type, type Static } from 'typebox';

/**
 * The shapes of the audit trail's API (routes/auditRoutes.ts, docs/audit.md). An entry is
 * shown as it is stored and hashed (`at` in milliseconds), with `time`, the same instant as
 * ISO 8601, for people; the export's lines are the stored entries alone, so that each line's
 * hash can be recomputed from it.
 */

export const AuditActor = Type.Object(
  {
    kind: Type.Union([Type.Literal('user'), Type.Literal('key'), Type.Literal('cli'), Type.Literal('system')]),
    id: Type.String({ description: 'The user, the key id, the operating-system user (cli) or the job (system)' }),
    role: Type.Optional(Type.String({ description: 'The role it acted in: a key\'s kind, a user\'s role' })),
  },
  { title: 'AuditActor' },
);

export const AuditOrigin = Type.Object(
  {
    via: Type.Union([Type.Literal('api'), Type.Literal('cli'), Type.Literal('job')]),
    ip: Type.Optional(Type.String()),
    userAgent: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
  },
  { title: 'AuditOrigin' },
);

export const AuditChange = Type.Object(
  {
    op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('replace')]),
    path: Type.String({ description: 'JSON Pointer into the definition; empty for the whole of it' }),
    was: Type.Optional(Type.Unknown({ description: 'The value before (remove, replace)' })),
    value: Type.Optional(Type.Unknown({ description: 'The value after (add, replace)' })),
  },
  { title: 'AuditChange' },
);

export const AuditEntryView = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: 'Position in the workspace\'s chain, from 1 without gaps' }),
    at: Type.Integer({ description: 'When, in milliseconds since the epoch (hashed)' }),
    time: Type.String({ format: 'date-time', description: 'The same instant, ISO 8601 (not hashed)' }),
    workspaceId: Type.String(),
    actor: AuditActor,
    origin: AuditOrigin,
    action: Type.String({ description: '<target kind>.<verb>, e.g. `segment.updated`, `key.rotated`, `profile.viewed`' }),
    target: Type.Object({ kind: Type.String(), id: Type.String() }),
    changes: Type.Optional(Type.Array(AuditChange, { description: 'The diff from before to after; absent for reads' })),
    subject: Type.Optional(Type.String({ description: 'The person read: a keyed hash of their profile id (`hmac-sha256:<hex>`), never the identifier' })),
    prevHash: Type.Union([Type.String(), Type.Null()], { description: 'The previous entry\'s hash; null for the first' }),
    hash: Type.String({ description: 'SHA-256 of the entry\'s canonical JSON (every field but `hash` and `time`)' }),
  },
  { title: 'AuditEntry' },
);

export const AuditQuery = Type.Object(
  {
    actorKind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('key'), Type.Literal('cli'), Type.Literal('system')])),
    actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'One action, or a prefix ending in a dot (`segment.`)' })),
    targetKind: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this time' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this time' })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'The cursor: the previous page\'s `next`' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const AuditPage = Type.Object(
  {
    entries: Type.Array(AuditEntryView),
    next: Type.Union([Type.Integer(), Type.Null()], { description: 'The `after` of the next page; null on the last page' }),
  },
  { title: 'AuditPage' },
);

export const AuditExportQuery = Type.Object(
  { after: Type.Optional(Type.Integer({ minimum: 0, description: 'Entries after this position only (default: the whole chain)' })) },
  { additionalProperties: false },
);

const ChainHeadView = Type.Object({ seq: Type.Integer({ minimum: 1 }), hash: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { title: 'AuditChainHead' });

export const AuditVerifyBody = Type.Object(
  { anchors: Type.Optional(Type.Array(ChainHeadView, { maxItems: 1000, description: 'Positions and hashes kept from earlier exports or verifications: the chain must still hold them' })) },
  { additionalProperties: false },
);

export const AuditVerification = Type.Object(
  {
    ok: Type.Boolean(),
    entries: Type.Integer({ description: 'Entries that verified (before the fault, if any)' }),
    head: Type.Optional(Type.Union([ChainHeadView, Type.Null()], { description: 'The last entry (when ok): keep it elsewhere, and pass it as an anchor later' })),
    position: Type.Optional(Type.Integer({ description: 'The first broken position' })),
    fault: Type.Optional(Type.Union(['sequence', 'link', 'hash', 'workspace', 'head', 'anchor'].map((f) => Type.Literal(f)))),
    detail: Type.Optional(Type.String()),
  },
  { title: 'AuditVerification' },
);

export type AuditEntryResponse = Static<typeof AuditEntryView>;
