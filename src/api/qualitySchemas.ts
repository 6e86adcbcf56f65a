import { Type } from 'typebox';
import { TrackingPlan } from '../core/quality/TrackingPlan.js';
import { DataQuality } from './schemas.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A UTC day, YYYY-MM-DD' });

export const QualityQuery = Type.Object(
  {
    from: Type.Optional({ ...Day, description: 'First day of the period (default six days before `to`)' }),
    to: Type.Optional({ ...Day, description: 'Last day of the period, included (default today, UTC)' }),
    bucket: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week')], { description: 'The buckets of the series (weeks start on Monday, UTC); default `day`' })),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });
const Rate = Type.Union([Type.Number(), Type.Null()], { description: 'A share from 0 to 1; null when there is nothing to divide by' });
const TypeCounts = Type.Record(Type.String(), Type.Integer(), { description: 'Values by JSON type: `null`, `boolean`, `integer`, `number`, `numeric_string` (a string that is exactly a number), `string`, `object`, `array`' });
const Late = Type.Object({
  over1h: Count, over1d: Count, over7d: Count,
}, { description: 'Events that arrived more than an hour, a day, a week after they happened (arrival minus the clock-skew-corrected time)' });
const VolumeRow = Type.Object({
  type: Type.String(), event: Type.Union([Type.String(), Type.Null()], { description: 'The name of a track call (the page name of a page call); null otherwise' }),
  source: Type.Union([Type.String(), Type.Null()], { description: '`context.library.name` as sent; null without one' }), count: Count,
  overflow: Type.Optional(Type.Boolean({ description: 'Present (true) on the row of a call type\'s events past the day\'s 500 distinct names and sources: their names and sources were not kept' })),
});
const EventRef = { type: Type.String(), event: Type.Union([Type.String(), Type.Null()], { description: 'The track event\'s name; null for other calls' }) };
const PropertyFinding = Type.Object({
  ...EventRef, property: Type.String({ description: 'A top-level key of `properties` (of `traits` for identify and group calls)' }),
  types: TypeCounts, changesType: Type.Boolean({ description: 'It arrived with more than one type (null aside; integers and fractions are one type)' }),
});

export const QualityReport = Type.Object(
  {
    since: Type.String(), until: Type.String({ description: 'The first instant after the period' }),
    bucket: Type.Union([Type.Literal('day'), Type.Literal('week')]),
    buckets: Type.Array(Type.Object({
      start: Type.String(), events: Count, byEvent: Type.Array(VolumeRow),
      accepted: Count, duplicates: Count, rejected: Count, rejectionRate: Rate,
      late: Late, futureDated: Count, merges: Count,
    })),
    volume: Type.Object({ events: Count, byEvent: Type.Array(VolumeRow) }, { description: 'Events stored in the period, from the log, by call, name and source' }),
    rejections: Type.Object({
      received: Count, accepted: Count, duplicates: Count, rejected: Count, rate: Rate,
      byReason: Type.Array(Type.Object({ code: Type.String(), step: Type.String({ description: 'The collect pipeline step that rejected them' }), count: Count, rate: Rate })),
    }),
    properties: Type.Object({
      changingType: Type.Array(PropertyFinding, { description: 'Properties that arrived with more than one type, e.g. `revenue` as a number and as a string' }),
      all: Type.Array(PropertyFinding),
      unreadableNumbers: Type.Array(Type.Object({ path: Type.String(), reason: Type.String(), count: Count }), { description: 'Values features and metrics read as numbers and could not (never taken as 0), in the period' }),
      unreadableAllTime: DataQuality,
    }),
    trackingPlan: Type.Union([
      Type.Object({
        events: Type.Array(Type.Object({
          event: Type.String(), seen: Count,
          missing: Type.Array(Type.Object({ property: Type.String(), count: Count, rate: Type.Number() })),
          wrongType: Type.Array(Type.Object({ property: Type.String(), count: Count, types: TypeCounts })),
          unplannedProperties: Type.Array(Type.Object({ property: Type.String(), count: Count })),
        })),
        unplannedEvents: Type.Array(Type.Object({ event: Type.String(), count: Count })),
      }),
      Type.Null(),
    ], { description: 'The period against the tracking plan; null without a plan' }),
    identity: Type.Object({
      merges: Count, skippedMerges: Type.Array(Type.Object({ reason: Type.String({ description: '`merge-limit` or `distinct-users`' }), count: Count })),
      profiles: Count, profilesAtMergeCap: Count, maxMergedProfiles: Count,
    }),
    timing: Type.Object({
      late: Late, futureDated: Count, futureByEvent: Type.Array(Type.Object({ ...EventRef, count: Count })),
    }),
    countersOverflowed: Type.Integer({ minimum: 0, description: 'Events not broken down by name because the day had too many distinct names' }),
  },
  { title: 'QualityReport' },
);

export const TrafficQuery = Type.Object(
  { minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'How many minutes up to now, the current one last (default 60)' })) },
  { additionalProperties: false },
);

export const QualityTraffic = Type.Object(
  {
    since: Type.String({ description: 'The start of the first minute' }),
    minutes: Type.Integer({ minimum: 1, maximum: 60 }),
    bySource: Type.Array(Type.Object({
      source: Type.Union([Type.String(), Type.Null()], { description: '`context.library.name` as sent; null without one (or for the overflow row)' }),
      overflow: Type.Boolean({ description: 'The events of sources past the 20 distinct ones a minute keeps' }),
      perMinute: Type.Array(Count, { description: 'Events stored in each minute, the first minute first' }),
    }), { description: 'Sorted by events, most first' }),
  },
  { title: 'QualityTraffic', description: 'Recent events per minute and source, kept in the server\'s memory: empty after a restart, without events another process collected' },
);

export const TrackingPlanView = Type.Object(
  { plan: Type.Union([TrackingPlan, Type.Null()], { description: 'null: the workspace has no plan' }), updatedAt: Type.Union([Type.String(), Type.Null()]) },
  { title: 'TrackingPlanView' },
);
