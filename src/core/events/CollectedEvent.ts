import type { UserIdCheck } from '../identity/identityCheck.js';
import type { CallType } from './callTypes.js';

export type JsonObject = Record<string, unknown>;

/**
 * An event after validation and normalisation: ids are strings, times are corrected,
 * and `body` is what the event log stores (the call as sent, plus the four times).
 */
export interface CollectedEvent {
  readonly type: CallType;
  readonly messageId: string;
  /** True when the sender gave no messageId and Attune made one (no de-duplication then). */
  readonly generatedMessageId: boolean;
  readonly userId: string | null;
  /**
   * How the userId was taken (identity verification), as the collector set it and the log's
   * `body.userIdCheck` keeps it; absent or null: as given (no userId, or an event the pure
   * pipeline has not been through the collector yet, or stored before the check existed).
   */
  readonly userIdCheck?: UserIdCheck | null;
  readonly anonymousId: string | null;
  /** alias: the id being linked to `userId`. */
  readonly previousId: string | null;
  readonly groupId: string | null;
  /** track: the event name; page and screen: the page name. */
  readonly name: string | null;
  /** When it happened, in ms, corrected for the sender's clock skew. */
  readonly timestamp: number;
  readonly receivedAt: number;
  readonly traits: JsonObject | null;
  readonly properties: JsonObject | null;
  readonly context: JsonObject | null;
  readonly body: JsonObject;
}
