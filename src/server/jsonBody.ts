import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { AttuneError } from '../core/errors/AttuneError.js';

/** JSON, also as text/plain: Segment's browser library sends that, to avoid a CORS preflight. */
export const jsonContentTypes = ['application/json', 'text/plain'] as const;
/**
 * RudderStack's Node library (through axios) labels its gzipped JSON batches so; the
 * collection routes read such a body as JSON, which is all it ever is there.
 */
export const formLabelledJson = 'application/x-www-form-urlencoded';

type Done = (error: Error | null, body?: unknown) => void;

function parseJson(request: FastifyRequest, body: string | Buffer, done: Done): void {
  const text = body as string;
  if (text.trim().length === 0) {
    done(new AttuneError('ATTUNE_MALFORMED_JSON', { detail: 'the request body is empty' }), undefined);
    return;
  }
  try {
    done(null, secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const form = request.headers['content-type']?.toLowerCase().startsWith(formLabelledJson) === true;
    const detail = form ? `a body sent as ${formLabelledJson} is read as JSON here, and this one is not: ${message}` : message;
    done(new AttuneError('ATTUNE_MALFORMED_JSON', { detail, cause: error }), undefined);
  }
}

/**
 * JSON bodies (see jsonContentTypes). Prototype-poisoning keys are removed. A parse error
 * names its position.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser([...jsonContentTypes]);
  app.addContentTypeParser([...jsonContentTypes], { parseAs: 'string' }, parseJson);
}

/** Also reads JSON labelled application/x-www-form-urlencoded, in the scope of `app` only. */
export function acceptFormLabelledJson(app: FastifyInstance): void {
  app.addContentTypeParser(formLabelledJson, { parseAs: 'string' }, parseJson);
}

/** The content types the request's route reads, from the parsers of its own scope. */
export function acceptedContentTypes(request: FastifyRequest): string[] {
  return [...jsonContentTypes, formLabelledJson].filter((type) => request.server.hasContentTypeParser(type));
}

/** The 415 for a body whose Content-Type the route does not read (or that has none), naming those it does. */
export function unsupportedMediaType(request: FastifyRequest, cause?: unknown): AttuneError {
  const given = request.headers['content-type'];
  const accepted = acceptedContentTypes(request);
  const sent = given === undefined || given.trim() === '' ? 'the body has no Content-Type' : `the body's Content-Type ${given} is not accepted here`;
  return new AttuneError('ATTUNE_UNSUPPORTED_MEDIA_TYPE', {
    detail: `${sent}; send JSON as ${accepted.slice(0, -1).join(', ')}${accepted.length > 1 ? ' or ' : ''}${accepted.at(-1) ?? 'application/json'}`,
    field: 'headers/content-type',
    extensions: { accepted },
    cause,
  });
}
