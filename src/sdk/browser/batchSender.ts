import type { SendBatch } from '../shared/EventQueue.js';
import type { SegmentEvent } from '../shared/SegmentEvent.js';
import { outcomeOfStatus } from '../shared/sendOutcome.js';
import { utf8Length } from '../shared/utf8Length.js';
import type { BrowserEnvironment } from './BrowserEnvironment.js';
import { postText } from './postText.js';

/** Browsers allow 64 KB of keepalive bodies in flight per page; above it a keepalive fetch fails outright. */
export const KEEPALIVE_MAX_BYTES = 60_000;

export interface CollectTarget {
  readonly host: string;
  readonly writeKey: string;
  readonly requestTimeoutMs: number;
}

/** The body of POST /v1/batch; `sentAt` lets the server correct the device's clock. */
export function batchBody(events: readonly SegmentEvent[], writeKey: string, now: number): string {
  return JSON.stringify({ batch: events, sentAt: new Date(now).toISOString(), writeKey });
}

/**
 * Sends a batch to POST /v1/batch. Small batches go with `keepalive`, so that events of a
 * click that leaves the page still arrive.
 */
export function batchSender(env: BrowserEnvironment, target: CollectTarget): SendBatch {
  return async (events) => {
    const body = batchBody(events, target.writeKey, env.now());
    try {
      const response = await postText(env, `${target.host}/v1/batch`, body, { keepalive: utf8Length(body) <= KEEPALIVE_MAX_BYTES, timeoutMs: target.requestTimeoutMs });
      return outcomeOfStatus(response.status, response.headers.get('retry-after'), env.now(), response.status >= 300 ? new Error(`POST /v1/batch answered ${response.status}`) : undefined);
    } catch (error) {
      return { kind: 'retry', error };
    }
  };
}

/**
 * A sender for navigator.sendBeacon, for when the page goes away: fire and forget, and the
 * browser delivers it after the page is gone. False when the browser refused it (over its
 * quota), so the events stay queued for the next page.
 */
export function beaconSender(env: BrowserEnvironment, target: CollectTarget): ((events: readonly SegmentEvent[]) => boolean) | null {
  const sendBeacon = env.sendBeacon;
  if (sendBeacon === null) return null;
  return (events) => {
    try {
      return sendBeacon(`${target.host}/v1/batch`, batchBody(events, target.writeKey, env.now()));
    } catch {
      return false;
    }
  };
}
