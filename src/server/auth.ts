import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AttuneError } from '../core/errors/AttuneError.js';

export type AuthScheme = 'basic' | 'bearer';

/** The two parts of an Authorization header (RFC 9110 section 11.4): one scheme, one token. */
export interface Credentials {
  readonly scheme: AuthScheme;
  readonly token: string;
}

// Exactly one scheme, one space and one token of visible ASCII: anything more ("Bearer KEY
// junk", two spaces, a tab, a trailing space) is refused rather than read generously, so a
// key is never accepted with text that a proxy or a later reader might take differently.
const credentialsPattern = /^([A-Za-z]+) ([\x21-\x7e]+)$/;
// Standard base64 with its padding (RFC 4648 section 4), as HTTP Basic requires.
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function malformed(detail: string): AttuneError {
  return new AttuneError('ATTUNE_AUTH_MALFORMED', { detail, field: 'headers/authorization' });
}

/**
 * The Authorization header split into its scheme and token; null when there is none. A
 * header of any other shape, of another scheme, or Basic credentials that are not base64,
 * are a 401 ATTUNE_AUTH_MALFORMED.
 *
 * @example parseAuthorization('Bearer sk_abc') // { scheme: 'bearer', token: 'sk_abc' }
 */
export function parseAuthorization(header: string | undefined): Credentials | null {
  if (header === undefined) return null;
  const match = credentialsPattern.exec(header);
  if (match === null) throw malformed('the Authorization header must be exactly one scheme and one token, separated by one space (Basic <base64> or Bearer <key>)');
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') throw malformed(`the Authorization scheme ${match[1]!} is not supported; use Basic or Bearer`);
  if (scheme === 'basic' && !base64Pattern.test(match[2]!)) throw malformed('the Basic credentials are not valid base64');
  return { scheme, token: match[2]! };
}

/** The user name of HTTP Basic credentials (the password is ignored: Segment's libraries send none). */
function basicUser(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/**
 * The key a request presents: HTTP Basic with the key as user name (what Segment's
 * libraries send), a Bearer token, or `writeKey` in the JSON body (Segment's HTTP API).
 * A malformed Authorization header is refused even when the body has a key.
 */
export function presentedKey(request: FastifyRequest): string | null {
  const credentials = parseAuthorization(request.headers.authorization);
  if (credentials !== null) {
    const key = credentials.scheme === 'basic' ? basicUser(credentials.token) : credentials.token;
    if (key.length > 0) return key;
  }
  const body = request.body as { writeKey?: unknown } | null | undefined;
  if (body !== null && typeof body === 'object' && typeof body.writeKey === 'string' && body.writeKey.length > 0) return body.writeKey;
  return null;
}

/**
 * The key a Personalizer client presents: the `Ocp-Apim-Subscription-Key` header (what
 * Azure's clients send), or else whatever `presentedKey` finds (a Bearer token).
 */
export function subscriptionKey(request: FastifyRequest): string | null {
  const header = request.headers['ocp-apim-subscription-key'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim().length > 0) return value.trim();
  return presentedKey(request);
}

/** Checks the server-wide admin token (for creating and listing workspaces). */
export function requireAdminToken(request: FastifyRequest, adminToken: string | null): void {
  if (adminToken === null) throw new AttuneError('ATTUNE_FORBIDDEN', { detail: 'server administration over HTTP is off; set ATTUNE_ADMIN_TOKEN, or use the attune CLI', extensions: { permission: 'server' } });
  const credentials = parseAuthorization(request.headers.authorization);
  if (credentials === null) throw new AttuneError('ATTUNE_AUTH_MISSING', { detail: 'send Authorization: Bearer <admin token>' });
  if (credentials.scheme !== 'bearer') throw new AttuneError('ATTUNE_AUTH_MISSING', { detail: 'send the admin token as Authorization: Bearer <admin token>' });
  const given = Buffer.from(credentials.token);
  const expected = Buffer.from(adminToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AttuneError('ATTUNE_AUTH_INVALID');
}
