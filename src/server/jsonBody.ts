import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AttuneError } from '../core/errors/AttuneError.js';

/**
 * JSON bodies, also when sent as text/plain (Segment's browser library does, to avoid a
 * CORS preflight). Prototype-poisoning keys are removed. A parse error names its position.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim().length === 0) {
      done(new AttuneError('ATTUNE_MALFORMED_JSON', { detail: 'the request body is empty' }), undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      done(new AttuneError('ATTUNE_MALFORMED_JSON', { detail: message, cause: error }), undefined);
    }
  });
}
