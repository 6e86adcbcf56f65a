import type { FastifyRequest } from 'fastify';
import type { Grant } from '../core/access/accessMatrix.js';
import { grantName } from '../core/access/accessMatrix.js';
import type { Actor, ActorOrigin } from '../core/audit/Actor.js';
import type { ApiKeyRecord, UserRecord, Workspace } from '../store/ports.js';
import type { CallSource } from '../workspaces/checkCallIdentity.js';

/**
 * Who a request is, once the access hook (access.ts) has authenticated it: a machine key of
 * the workspace, or a user (by session cookie or personal token). Handlers read it through the
 * functions below, never from headers.
 */
export type RequestPrincipal =
  | { readonly kind: 'key'; readonly workspace: Workspace; readonly grant: Grant; readonly key: ApiKeyRecord }
  | { readonly kind: 'user'; readonly workspace: Workspace; readonly grant: Grant; readonly user: UserRecord; readonly via: 'session' | 'token' };

const principals = new WeakMap<FastifyRequest, RequestPrincipal>();

/** Set by the access hook only. */
export function setPrincipal(request: FastifyRequest, principal: RequestPrincipal): void {
  principals.set(request, principal);
}

/**
 * The request's principal. Only routes whose access needs a credential have one: asking on a
 * public route is a mistake of the route, so it throws (a 500), never answers for nobody.
 */
export function principalOf(request: FastifyRequest): RequestPrincipal {
  const principal = principals.get(request);
  if (principal === undefined) throw new Error(`${request.method} ${request.routeOptions.url ?? request.url} has no authenticated principal: its access is public or server`);
  return principal;
}

export function workspaceOf(request: FastifyRequest): Workspace {
  return principalOf(request).workspace;
}

export function workspaceIdOf(request: FastifyRequest): string {
  return principalOf(request).workspace.id;
}

/**
 * The actor of the audit trail: a user with their role, or a key with its scope (`write` for
 * the write key).
 *
 * @example actorOf(request) // { kind: 'user', id: 'usr_1f...', role: 'editor' }
 */
export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  const role = grantName(principal.grant);
  return principal.kind === 'user' ? { kind: 'user', id: principal.user.id, role } : { kind: 'key', id: principal.key.id, role };
}

/**
 * The actor of the audit trail when the request may have none: the server's admin token on its
 * routes (creating workspaces), or nobody yet (a public route, a refused credential).
 */
export function actorIfAny(request: FastifyRequest): Actor {
  if (principals.has(request)) return actorOf(request);
  return request.routeOptions.config.access === 'server' ? { kind: 'key', id: 'admin-token', role: 'server-admin' } : { kind: 'system', id: 'unauthenticated' };
}

/** Where the request came from, for the audit trail. */
export function originOf(request: FastifyRequest): ActorOrigin {
  const userAgent = request.headers['user-agent'];
  return { via: 'api', ip: request.ip, requestId: request.id, ...(userAgent === undefined ? {} : { userAgent }) };
}

/** The request as a source of events and user ids: only the public write key is untrusted. */
export function callSourceOf(request: FastifyRequest): CallSource {
  const principal = principalOf(request);
  return { workspace: principal.workspace, trusted: principal.grant.kind !== 'writeKey' };
}
