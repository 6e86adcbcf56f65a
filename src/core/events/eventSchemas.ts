import { Type, type Static, type TSchema } from 'typebox';
import type { CallType } from './callTypes.js';

/**
 * The Segment call shapes (https://segment.com/docs/connections/spec/), declared once.
 * They validate each event, type the code and document the API in /openapi.json.
 * Extra members are allowed, as Segment's libraries add their own (`_metadata`, ...).
 */
const Id = Type.Union([Type.String({ minLength: 1, maxLength: 512 }), Type.Number()], {
  description: 'A string (numbers are accepted and stored as strings)',
});
const NullableId = Type.Union([Id, Type.Null()]);
const IsoTime = Type.String({ description: 'ISO 8601 date-time', maxLength: 64 });
const Json = Type.Record(Type.String(), Type.Unknown());

const common = {
  messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Unique per workspace; retries with the same id are stored once' })),
  userId: Type.Optional(NullableId),
  anonymousId: Type.Optional(NullableId),
  timestamp: Type.Optional(IsoTime),
  originalTimestamp: Type.Optional(IsoTime),
  sentAt: Type.Optional(IsoTime),
  context: Type.Optional(Json),
  integrations: Type.Optional(Json),
  writeKey: Type.Optional(Type.String()),
};

function call<T extends Record<string, TSchema>>(type: CallType, members: T, description: string) {
  return Type.Object(
    { type: Type.Optional(Type.Literal(type)), ...common, ...members },
    { additionalProperties: true, description, title: `Segment${type[0]!.toUpperCase()}${type.slice(1)}` },
  );
}

export const TrackCall = call('track', { event: Type.String({ minLength: 1, maxLength: 512 }), properties: Type.Optional(Json) }, 'A user action');
export const IdentifyCall = call('identify', { traits: Type.Optional(Json) }, 'Who the user is');
export const PageCall = call('page', { name: Type.Optional(Type.String()), category: Type.Optional(Type.String()), properties: Type.Optional(Json) }, 'A web page view');
export const ScreenCall = call('screen', { name: Type.Optional(Type.String()), category: Type.Optional(Type.String()), properties: Type.Optional(Json) }, 'A mobile screen view');
export const GroupCall = call('group', { groupId: Id, traits: Type.Optional(Json) }, 'The account or company of the user');
export const AliasCall = call('alias', { previousId: Id, userId: Id }, 'Links a previous id to a user id');

export const callSchemas = {
  track: TrackCall, identify: IdentifyCall, page: PageCall, screen: ScreenCall, group: GroupCall, alias: AliasCall,
} as const;

export const BatchRequest = Type.Object(
  {
    batch: Type.Array(Type.Record(Type.String(), Type.Unknown(), { description: 'A Segment call with its `type`' }), {
      description: 'At most 2,500 events and 500 KB in all; each event is validated on its own',
    }),
    sentAt: Type.Optional(IsoTime),
    context: Type.Optional(Json),
    integrations: Type.Optional(Json),
    writeKey: Type.Optional(Type.String()),
  },
  { additionalProperties: true, title: 'SegmentBatch' },
);

export type TrackCall = Static<typeof TrackCall>;
export type BatchRequest = Static<typeof BatchRequest>;
