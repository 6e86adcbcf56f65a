import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { KeyKind } from '../store/ports.js';
import type { Principal, WorkspaceService } from '../workspaces/WorkspaceService.js';

/**
 * The key a request presents: HTTP Basic with the key as user name (what Segment's
 * libraries send), a Bearer token, or `writeKey` in the JSON body (Segment's HTTP API).
 */
export function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      if (user.length > 0) return user;
    } else if (scheme?.toLowerCase() === 'bearer' && value.length > 0) return value;
  }
  const body = request.body as { writeKey?: unknown } | null | undefined;
  if (body !== null && typeof body === 'object' && typeof body.writeKey === 'string' && body.writeKey.length > 0) return body.writeKey;
  return null;
}

/** Resolves the request's key to a principal of the given kind (or one of the kinds), or throws a 401/403 problem. */
export async function authenticate(request: FastifyRequest, workspaces: WorkspaceService, kind: KeyKind | readonly KeyKind[]): Promise<Principal> {
  const kinds: readonly KeyKind[] = typeof kind === 'string' ? [kind] : kind;
  const key = presentedKey(request);
  if (key === null) {
    throw new AttuneError('ATTUNE_AUTH_MISSING', {
      detail: kinds.includes('write') ? 'send the write key as the Basic auth user name, or as writeKey in the body' : 'send the secret key as Authorization: Bearer <secretKey>',
    });
  }
  const principal = await workspaces.authenticate(key);
  if (principal === undefined) throw new AttuneError('ATTUNE_AUTH_INVALID');
  if (!kinds.includes(principal.key.kind)) {
    throw new AttuneError('ATTUNE_FORBIDDEN', { detail: `this endpoint needs a ${kinds.join(' or ')} key; a ${principal.key.kind} key was given` });
  }
  return principal;
}

/** Checks the server-wide admin token (for creating and listing workspaces). */
export function requireAdminToken(request: FastifyRequest, adminToken: string | null): void {
  if (adminToken === null) throw new AttuneError('ATTUNE_FORBIDDEN', { detail: 'server administration over HTTP is off; set ATTUNE_ADMIN_TOKEN, or use the attune CLI' });
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.toLowerCase().startsWith('bearer ')) throw new AttuneError('ATTUNE_AUTH_MISSING', { detail: 'send Authorization: Bearer <admin token>' });
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(adminToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AttuneError('ATTUNE_AUTH_INVALID');
}
