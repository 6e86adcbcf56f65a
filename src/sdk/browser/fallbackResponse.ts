import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';

/** Why the SDK answered a decide call itself: it timed out, consent was refused, or the request failed. */
export type LocalFallback = 'timeout' | 'no_consent' | 'error';

/** The ids of the placements a decide call asks for. */
export function placementIds(placements: readonly DecideRequest['placements'][number][]): string[] {
  return placements.map((p) => (typeof p === 'string' ? p : p.id));
}

/**
 * The answer when the server's is not used: every placement falls back with no decisions,
 * so the page keeps the default content it already shows.
 */
export function fallbackResponse(placements: readonly string[], reason: LocalFallback): DecideResponse {
  return {
    profileId: null,
    placements: placements.map((placement) => ({ placement, channel: null, fallback: reason, decisions: [] })),
  };
}
