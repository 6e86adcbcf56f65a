import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runAs } from '../audit/callerContext.js';
import { actorIfAny, originOf } from './actor.js';

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
    runAs({ actor: () => actorIfAny(request), origin: originOf(request) }, () => {
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
