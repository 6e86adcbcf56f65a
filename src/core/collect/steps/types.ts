import type { CallType } from '../../events/callTypes.js';
import type { JsonObject } from '../../events/CollectedEvent.js';

/** What the HTTP shell or an importer hands to the collect pipeline for one event. */
export interface RawEventInput {
  readonly raw: unknown;
  /** The call type implied by the route (`/v1/track`), if any; a batch has none. */
  readonly routeType: CallType | null;
  /** Batch-level members that apply to every event of the batch. */
  readonly batchSentAt: string | null;
  readonly batchContext: JsonObject | null;
  readonly batchIntegrations: JsonObject | null;
  readonly receivedAt: number;
  /** The request carried `Sec-GPC: 1` (Global Privacy Control): recorded on the event as an opt-out of sale and sharing. */
  readonly globalPrivacyControl?: boolean;
}

export interface SizedEvent extends RawEventInput {
  readonly event: JsonObject;
}

export interface TypedEvent extends SizedEvent {
  readonly type: CallType;
}

export interface TimedEvent extends TypedEvent {
  readonly originalTimestamp: number | null;
  readonly sentAt: number | null;
}
