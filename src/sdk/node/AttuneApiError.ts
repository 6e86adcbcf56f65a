/** Client-side codes, for failures with no answer from the server (status 0). */
export type ClientErrorCode = 'ATTUNE_SDK_NETWORK' | 'ATTUNE_SDK_TIMEOUT';

export interface AttuneApiErrorOptions {
  readonly status: number;
  /** The problem's `code` (ATTUNE_...), a client code, or ATTUNE_SDK_HTTP for an answer that is not a problem document. */
  readonly code: string;
  readonly detail: string;
  /** The rest of the problem document: `field`, `errors`, `accepted`, ... */
  readonly problem?: Readonly<Record<string, unknown>>;
  /** From Retry-After. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A failed call to Attune: the server's problem+json answer (RFC 9457), or a network
 * failure or timeout (status 0). One error type for callers to catch; `retryable` says
 * whether the same request may succeed later.
 */
export class AttuneApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly problem: Readonly<Record<string, unknown>>;
  readonly retryAfterMs: number | undefined;

  constructor(options: AttuneApiErrorOptions) {
    super(options.status === 0 ? `${options.code}: ${options.detail}` : `${options.status} ${options.code}: ${options.detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AttuneApiError';
    this.status = options.status;
    this.code = options.code;
    this.detail = options.detail;
    this.problem = options.problem ?? {};
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Nothing was stored and trying again may work: no answer, 408, 429 or 5xx. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}
