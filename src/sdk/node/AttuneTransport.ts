import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import type { RecommendRequest, RecommendResponse } from '../../api/recommendSchemas.js';

/**
 * How the client reaches Attune. `httpTransport` talks to a server over HTTP; an
 * in-process transport (an application that embeds Attune) can call the collector and the
 * decision engine directly. Errors should be AttuneApiError, whose `retryable` tells the
 * client whether to try a batch again.
 */
export interface AttuneTransport {
  /** Stores Segment events (each with its messageId, so a retried batch is stored once). */
  send(batch: readonly Record<string, unknown>[]): Promise<void>;
  decide(request: DecideRequest): Promise<DecideResponse>;
  recommend(request: RecommendRequest): Promise<RecommendResponse>;
  close?(): Promise<void>;
}
