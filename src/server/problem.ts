import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AttuneError, isAttuneError } from '../core/errors/AttuneError.js';
import { errorCodes, type ErrorCode } from '../core/errors/errorCodes.js';
import { supportedEncodings } from './bodyEncoding.js';
import { unsupportedMediaType } from './jsonBody.js';

export const problemContentType = 'application/problem+json';

/** The problem+json document for an error (RFC 9457), with Attune's `code` and fault location. */
export function problemBody(error: AttuneError, instance: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: `urn:attune:error:${error.code}`,
    title: errorCodes[error.code].title,
    status: error.status,
    code: error.code,
    instance,
  };
  if (error.detail !== undefined) body['detail'] = error.detail;
  if (error.field !== undefined) body['field'] = error.field;
  if (error.index !== undefined) body['index'] = error.index;
  if (error.errors !== undefined) body['errors'] = error.errors;
  if (error.extensions !== undefined) Object.assign(body, error.extensions);
  return body;
}

// Fastify's own errors that are the client's fault, mapped to Attune's codes.
const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ATTUNE_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ATTUNE_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ATTUNE_INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ATTUNE_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ATTUNE_MALFORMED_JSON',
  // Raised by the router, before any route runs (see frameworkErrors in buildServer).
  FST_ERR_BAD_URL: 'ATTUNE_INVALID_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'ATTUNE_INVALID_REQUEST',
};
const fastifyFields: Readonly<Record<string, string>> = { FST_ERR_BAD_URL: 'params', FST_ERR_MAX_PARAM_LENGTH: 'params' };

/**
 * Turns anything thrown into an AttuneError; unknown errors become ATTUNE_INTERNAL. With the
 * request, a 415 names the content types its route reads.
 */
export function toAttuneError(error: unknown, request?: FastifyRequest): AttuneError {
  if (isAttuneError(error)) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string; keyword?: string; params?: { additionalProperty?: unknown } }[] };
  if (request !== undefined && fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType(request, error);
  if (Array.isArray(fastifyError.validation)) {
    const first = fastifyError.validation[0];
    const context = (fastifyError as { validationContext?: string }).validationContext ?? 'body';
    const at = `${context}${first?.instancePath ?? ''}`;
    // An unknown member is named (body/force), not only the object that holds it; not under a
    // union, where the first error is only the first branch's (a thompson member is unknown to priority).
    const union = fastifyError.validation.some((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
    const extra = first?.keyword === 'additionalProperties' && !union ? first.params?.additionalProperty : undefined;
    if (typeof extra === 'string') return new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${at}/${extra} is not a member ${at} takes`, field: `${at}/${extra}`, cause: error });
    return new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${at} ${first?.message ?? 'is invalid'}`, field: at, cause: error });
  }
  const mapped = typeof fastifyError.code === 'string' ? fastifyCodes[fastifyError.code] : undefined;
  if (mapped !== undefined) {
    const field = fastifyFields[fastifyError.code ?? ''];
    return new AttuneError(mapped, { detail: fastifyError.message ?? errorCodes[mapped].title, ...(field === undefined ? {} : { field }), cause: error });
  }
  return new AttuneError('ATTUNE_INTERNAL', { cause: error });
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: AttuneError): FastifyReply {
  if (error.code === 'ATTUNE_QUEUE_FULL') reply.header('retry-after', '1');
  if (error.code === 'ATTUNE_SIGN_IN_THROTTLED') reply.header('retry-after', String(error.extensions?.['retryAfterSeconds'] ?? 60));
  // RFC 9110 section 15.5.16: a 415 for a content coding says which codings are accepted.
  if (error.code === 'ATTUNE_UNSUPPORTED_CONTENT_ENCODING') reply.header('accept-encoding', supportedEncodings.join(', '));
  return reply.status(error.status).type(problemContentType).send(JSON.stringify(problemBody(error, request.url)));
}

/**
 * The one error handler. 4xx answers say what was wrong; 5xx answers say only that
 * something failed, and the details go to the log (with the cause), never to the client.
 */
export function installProblemHandlers(app: FastifyInstance, onProblem?: (request: FastifyRequest, error: AttuneError) => void): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const attuneError = toAttuneError(error, request);
    if (attuneError.status >= 500) request.log.error({ err: error }, 'request failed');
    onProblem?.(request, attuneError);
    return sendProblem(reply, request, attuneError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new AttuneError('ATTUNE_NOT_FOUND', { detail: `${request.method} ${request.url} is not an Attune endpoint` })),
  );
}
