import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import type { RecommendRequest, RecommendResponse } from '../../api/recommendSchemas.js';
import { retryAfterMs } from '../shared/retryAfter.js';
import { sdkVersion } from '../shared/version.js';
import { AttuneApiError } from './AttuneApiError.js';
import type { AttuneTransport } from './AttuneTransport.js';

export interface HttpTransportOptions {
  /** The Attune server, e.g. http://127.0.0.1:4700 (a trailing slash is ignored). */
  readonly host: string;
  readonly writeKey: string;
  /** A request without an answer by then fails with ATTUNE_SDK_TIMEOUT (default 10 s). */
  readonly timeoutMs?: number;
  /** For tests; default: the global fetch. */
  readonly fetch?: typeof fetch;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error an unsuccessful answer stands for, from its problem+json body when it has one. */
function errorOf(status: number, text: string, retryAfter: number | undefined): AttuneApiError {
  let problem: unknown = null;
  try {
    problem = JSON.parse(text);
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  const extra = retryAfter === undefined ? {} : { retryAfterMs: retryAfter };
  if (isObject(problem) && typeof problem['code'] === 'string') {
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : typeof problem['title'] === 'string' ? problem['title'] : `HTTP ${status}`;
    return new AttuneApiError({ status, code: problem['code'], detail, problem, ...extra });
  }
  return new AttuneApiError({ status, code: 'ATTUNE_SDK_HTTP', detail: `HTTP ${status}${text.length > 0 ? `: ${text.slice(0, 200)}` : ''}`, ...extra });
}

/**
 * The transport to an Attune server over HTTP: POST /v1/batch and /v1/decide with the
 * write key as the Basic auth user name (what Segment's libraries send). Answers other than
 * 2xx become AttuneApiError with the problem's status, code and detail; no answer becomes
 * status 0 (ATTUNE_SDK_NETWORK, ATTUNE_SDK_TIMEOUT).
 */
export function httpTransport(options: HttpTransportOptions): AttuneTransport {
  const host = options.host.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchFn = options.fetch ?? fetch;

  async function post(path: string, body: unknown): Promise<unknown> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      const response = await fetchFn(`${host}${path}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', 'user-agent': `attune-node/${sdkVersion}` },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      // Read to the end either way: an unread body holds its connection.
      text = await response.text();
    } catch (error) {
      if (controller.signal.aborted) throw new AttuneApiError({ status: 0, code: 'ATTUNE_SDK_TIMEOUT', detail: `POST ${path} had no answer within ${timeoutMs} ms`, cause: error });
      throw new AttuneApiError({ status: 0, code: 'ATTUNE_SDK_NETWORK', detail: `POST ${path} failed: ${error instanceof Error ? error.message : String(error)}`, cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status >= 300) throw errorOf(status, text, retryAfterMs(retryAfter, Date.now()));
    if (text.length === 0) return null;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new AttuneApiError({ status, code: 'ATTUNE_SDK_HTTP', detail: `POST ${path} answered ${status} with a body that is not JSON`, cause: error });
    }
  }

  return {
    async send(batch) {
      await post('/v1/batch', { batch, sentAt: new Date().toISOString() });
    },
    async decide(request: DecideRequest): Promise<DecideResponse> {
      const answer = await post('/v1/decide', request);
      if (!isObject(answer) || !Array.isArray(answer['placements'])) {
        throw new AttuneApiError({ status: 200, code: 'ATTUNE_SDK_HTTP', detail: 'POST /v1/decide answered without a placements list' });
      }
      return answer as unknown as DecideResponse;
    },
    async recommend(request: RecommendRequest): Promise<RecommendResponse> {
      const answer = await post('/v1/recommend', request);
      if (!isObject(answer) || !Array.isArray(answer['items'])) {
        throw new AttuneApiError({ status: 200, code: 'ATTUNE_SDK_HTTP', detail: 'POST /v1/recommend answered without an items list' });
      }
      return answer as unknown as RecommendResponse;
    },
  };
}
