import { Type } from 'typebox';

/**
 * The retention API's shapes (GET/PUT /admin/v1/retention, POST /admin/v1/retention/purge).
 * Periods are whole days; a kind left out of the policy is kept. docs/retention.md.
 */

const days = (minimum: number, description: string) => Type.Integer({ minimum, maximum: 36_500, description });
const eventDays = days(1, 'Days an event is kept, counted from when it happened (or arrived, if earlier)');

export const RetentionPolicy = Type.Object(
  {
    events: Type.Optional(Type.Object({
      keepDays: Type.Optional(eventDays),
      byEvent: Type.Optional(Type.Record(Type.String({ pattern: '^.{1,200}$' }), eventDays, { additionalProperties: false, description: 'Per track event name (1 to 200 characters); wins over byType and keepDays' })),
      byType: Type.Optional(Type.Object(
        { track: Type.Optional(eventDays), identify: Type.Optional(eventDays), page: Type.Optional(eventDays), screen: Type.Optional(eventDays), group: Type.Optional(eventDays), alias: Type.Optional(eventDays) },
        { additionalProperties: false, description: 'Per call type; wins over keepDays' },
      )),
    }, { additionalProperties: false })),
    withoutAnalytics: Type.Optional(Type.Union([
      Type.Literal('keep'),
      Type.Object({ keepDays: days(0, 'Days the events of people without the `analytics` purpose are kept (0: removed at the next purge)') }, { additionalProperties: false }),
    ], { description: '`keep` (the default): the workspace answers for keeping them' })),
    decisions: Type.Optional(Type.Object({ keepDays: days(1, 'Days a decision record is kept') }, { additionalProperties: false })),
    audit: Type.Optional(Type.Object({ keepDays: days(1, 'Days an audit entry is kept (the oldest part of the chain is purged behind an anchor)') }, { additionalProperties: false })),
  },
  { additionalProperties: false, title: 'RetentionPolicy' },
);

export const RetentionPolicyView = Type.Object(
  { policy: RetentionPolicy, updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: never set (everything is kept)' }) },
  { title: 'RetentionPolicyView' },
);

export const RetentionPurgeRequest = Type.Object(
  { dryRun: Type.Optional(Type.Boolean({ description: 'Report what would be removed and change nothing' })) },
  { additionalProperties: false, title: 'RetentionPurgeRequest' },
);

const instant = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));

export const RetentionReport = Type.Object(
  {
    workspaceId: Type.String(),
    at: Type.String({ format: 'date-time' }),
    dryRun: Type.Boolean(),
    policy: RetentionPolicy,
    cutOffs: Type.Object({
      events: instant, byEvent: Type.Record(Type.String(), Type.String()), byType: Type.Record(Type.String(), Type.String()),
      withoutAnalytics: instant, decisions: instant, audit: instant,
    }, { description: 'What is older than these instants goes (null: kept)' }),
    events: Type.Object({
      removed: Type.Integer({ minimum: 0 }),
      byEvent: counts, byType: counts,
      withoutAnalytics: Type.Integer({ minimum: 0, description: 'Of those, removed for lack of the `analytics` purpose' }),
      oldestKept: instant,
    }),
    decisions: Type.Object({ removed: Type.Integer({ minimum: 0 }), oldestKept: instant }),
    audit: Type.Object({
      removed: Type.Integer({ minimum: 0 }),
      anchor: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()], { description: 'The last entry purged: the chain verifies from it' }),
      oldestKept: instant,
    }),
    derivedState: Type.Literal('retained', { description: 'Derived state keeps what it derived from removed events; `attune rebuild` derives from the events kept' }),
  },
  { title: 'RetentionReport' },
);
