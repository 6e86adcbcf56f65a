/**
 * The closed set of error codes Attune answers with. Each code is stable: clients and
 * dashboards branch on it, so a code is never renamed or reused. docs/errors.md lists
 * every code (a test keeps the two in step).
 */
export const errorCodes = {
  ATTUNE_MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  ATTUNE_INVALID_REQUEST: { status: 400, title: 'The request does not match its schema' },
  ATTUNE_INVALID_EVENTS: { status: 400, title: 'Some events were rejected; the others were stored' },
  ATTUNE_EVENT_INVALID: { status: 400, title: 'The event does not match the Segment call schema' },
  ATTUNE_EVENT_UNKNOWN_TYPE: { status: 400, title: 'The event has an unknown call type' },
  ATTUNE_EVENT_MISSING_IDENTITY: { status: 400, title: 'The event has neither userId nor anonymousId' },
  ATTUNE_EVENT_INVALID_TIMESTAMP: { status: 400, title: 'A timestamp of the event is not an ISO 8601 date' },
  ATTUNE_EVENT_TOO_LARGE: { status: 400, title: 'The event is larger than 32 KB' },
  ATTUNE_EVENT_RESERVED: { status: 400, title: 'The event is reserved for Attune' },
  ATTUNE_BATCH_TOO_MANY_EVENTS: { status: 413, title: 'The batch holds more than 2,500 events' },
  ATTUNE_PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is larger than the limit' },
  ATTUNE_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body has an unsupported content type' },
  ATTUNE_UNSUPPORTED_CONTENT_ENCODING: { status: 415, title: 'The request body has an unsupported content encoding' },
  ATTUNE_MALFORMED_CONTENT_ENCODING: { status: 400, title: 'The compressed request body cannot be decompressed' },
  ATTUNE_AUTH_MISSING: { status: 401, title: 'No API key was given' },
  ATTUNE_AUTH_INVALID: { status: 401, title: 'The API key is unknown, revoked or expired' },
  ATTUNE_AUTH_MALFORMED: { status: 401, title: 'The Authorization header is not one scheme and one token' },
  ATTUNE_FORBIDDEN: { status: 403, title: 'The key may not call this endpoint' },
  ATTUNE_NOT_FOUND: { status: 404, title: 'No such endpoint' },
  ATTUNE_PROFILE_NOT_FOUND: { status: 404, title: 'No profile has this id' },
  ATTUNE_KEY_NOT_FOUND: { status: 404, title: 'No API key has this id' },
  ATTUNE_WORKSPACE_NOT_FOUND: { status: 404, title: 'No workspace has this id' },
  ATTUNE_FEATURE_NOT_FOUND: { status: 404, title: 'No feature has this name' },
  ATTUNE_SEGMENT_NOT_FOUND: { status: 404, title: 'No segment has this id' },
  ATTUNE_ACTION_NOT_FOUND: { status: 404, title: 'No action has this id' },
  ATTUNE_PLACEMENT_NOT_FOUND: { status: 404, title: 'No placement has this id' },
  ATTUNE_ACTION_INVALID: { status: 400, title: 'The action definition cannot work' },
  ATTUNE_EXPERIMENT_NOT_FOUND: { status: 404, title: 'No experiment has this id' },
  ATTUNE_EXPERIMENT_INVALID: { status: 400, title: 'The experiment definition cannot work' },
  ATTUNE_METRIC_NOT_FOUND: { status: 404, title: 'No metric has this id' },
  ATTUNE_METRIC_INVALID: { status: 400, title: 'The metric definition cannot work' },
  ATTUNE_RULE_INVALID: { status: 400, title: 'The rule does not compile' },
  ATTUNE_FEATURE_INVALID: { status: 400, title: 'The feature definition cannot work' },
  ATTUNE_SEGMENT_INVALID: { status: 400, title: 'The segment definitions do not fit together' },
  ATTUNE_CONFLICT: { status: 409, title: 'The change conflicts with the workspace configuration' },
  ATTUNE_QUEUE_FULL: { status: 429, title: 'The write queue is full; retry later' },
  ATTUNE_SHUTTING_DOWN: { status: 503, title: 'The server is shutting down' },
  ATTUNE_STORE_UNAVAILABLE: { status: 503, title: 'The store could not commit; retry later' },
  ATTUNE_INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCodes;
