import { errorCodes, type ErrorCode } from './errorCodes.js';

/** Where in the input a fault lies: a JSON pointer to a field, a batch index, or both. */
export interface FaultLocation {
  /** JSON pointer into the offending object, e.g. `/properties/price`. */
  readonly field?: string;
  /** Index of the offending event in a batch. */
  readonly index?: number;
}

/** One rejected item, as reported inside a problem document's `errors` list. */
export interface FaultDetail extends FaultLocation {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface AttuneErrorOptions extends FaultLocation {
  readonly detail?: string;
  readonly errors?: readonly FaultDetail[];
  /** Extra members for the problem document (e.g. counts of stored events). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * An error with a stable code. The HTTP shell renders it as application/problem+json with
 * the status the code carries; the code, not the message, is the contract.
 *
 * @example throw new AttuneError('ATTUNE_PROFILE_NOT_FOUND', { detail: `no profile "${id}"` })
 */
export class AttuneError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly field: string | undefined;
  readonly index: number | undefined;
  readonly errors: readonly FaultDetail[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, options: AttuneErrorOptions = {}) {
    super(options.detail ?? errorCodes[code].title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AttuneError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.detail = options.detail;
    this.field = options.field;
    this.index = options.index;
    this.errors = options.errors;
    this.extensions = options.extensions;
  }
}

export function isAttuneError(value: unknown): value is AttuneError {
  return value instanceof AttuneError;
}
