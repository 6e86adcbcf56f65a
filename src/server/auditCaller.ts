import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor, ActorOrigin } from '../core/audit/Actor.js';
import { runAs } from '../audit/callerContext.js';
import { authenticatedActor } from './auth.js';

/** A request authenticated by nothing (a public route, a refused key): the system acts. */
const unauthenticated: Actor = { kind: 'system', id: 'unauthenticated' };

/** Where a request came from, as the audit trail keeps it. */
export function requestOrigin(request: FastifyRequest): ActorOrigin {
  const agent = request.headers['user-agent'];
  return { via: 'api', ip: request.ip, ...(agent === undefined ? {} : { userAgent: agent }), requestId: request.id };
}

/**
 * Makes every admin request the caller of what it changes (`runAs`), from its first hook to
 * its answer: the actor is read when an entry is recorded, so it is whoever the request was
 * authenticated as by then. Fastify reads a body from the socket's events, which run outside
 * the request's async context, so `preValidation` (after the body) re-enters it, as
 * @fastify/request-context does. Only `/admin/` requests change configuration or read one
 * person's data; collection and decisions (`/v1/`) skip the hook and its async context.
 */
export function installAuditCaller(app: FastifyInstance): void {
  const scopes = new WeakMap<FastifyRequest, AsyncResource>();
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.url.startsWith('/admin/')) {
      done();
      return;
    }
    runAs({ actor: () => authenticatedActor(request) ?? unauthenticated, origin: requestOrigin(request) }, () => {
      const scope = new AsyncResource('attune-audit-caller');
      scopes.set(request, scope);
      scope.runInAsyncScope(done);
    });
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const scope = scopes.get(request);
    if (scope === undefined) done();
    else scope.runInAsyncScope(done);
  });
}
