import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import type { EventLease } from '../shared/EventQueue.js';
import type { BrowserEnvironment } from './BrowserEnvironment.js';
import type { CollectTarget } from './batchSender.js';
import { fallbackResponse, placementIds } from './fallbackResponse.js';
import { postText } from './postText.js';

function isDecideResponse(value: unknown): value is DecideResponse {
  return typeof value === 'object' && value !== null && Array.isArray((value as { placements?: unknown }).placements);
}

/**
 * POSTs /v1/decide carrying the leased events, and resolves with the server's answer if it
 * comes within `timeoutMs`, else with a `timeout` fallback. A late answer is ignored, so
 * that content never changes after the page has shown its defaults; the request still runs
 * to its end, so that the events it carries are not sent twice. A failed request resolves
 * with an `error` fallback at once and gives the events back to the queue.
 */
export function decideWithin(
  env: BrowserEnvironment,
  target: CollectTarget,
  request: Omit<DecideRequest, 'writeKey' | 'events'>,
  lease: EventLease,
  timeoutMs: number,
  onError: (error: unknown) => void,
): Promise<DecideResponse> {
  const ids = placementIds(request.placements);
  return new Promise((resolve) => {
    let answered = false;
    let timer: unknown = null;
    const answer = (response: DecideResponse) => {
      if (answered) return;
      answered = true;
      if (timer !== null) env.scheduler.clearTimeout(timer);
      resolve(response);
    };
    if (Number.isFinite(timeoutMs)) timer = env.scheduler.setTimeout(() => answer(fallbackResponse(ids, 'timeout')), Math.max(0, timeoutMs));
    const sentAt = new Date(env.now()).toISOString();
    const events = lease.events.map((event) => ({ ...event, sentAt }));
    const body: DecideRequest = { ...request, ...(events.length > 0 ? { events } : {}), writeKey: target.writeKey };
    postText(env, `${target.host}/v1/decide`, JSON.stringify(body), { keepalive: false, timeoutMs: target.requestTimeoutMs })
      .then(async (response) => {
        // The events are applied only when the request as a whole was: any other answer gives them back.
        const ok = response.status >= 200 && response.status < 300;
        lease.settle(ok);
        if (!ok) {
          onError(new Error(`POST /v1/decide answered ${response.status}`));
          answer(fallbackResponse(ids, 'error'));
          return;
        }
        const parsed = await response.json();
        answer(isDecideResponse(parsed) ? parsed : fallbackResponse(ids, 'error'));
      })
      .catch((error: unknown) => {
        lease.settle(false);
        onError(error);
        answer(fallbackResponse(ids, 'error'));
      });
  });
}
