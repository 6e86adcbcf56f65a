/**
 * The browser session's cookie. HttpOnly (no script reads it), SameSite=Strict (no other site's
 * page sends it) and Secure; with Secure the name takes the `__Host-` prefix, which browsers
 * accept only from a secure origin, for the whole host (Path=/) and without Domain, so a
 * sibling subdomain cannot plant one. Secure is off only for plain-http localhost
 * (ATTUNE_SECURE_COOKIES=off), where the prefix cannot be used either.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-attune_session' : 'attune_session';
}

export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${sessionCookieName(secure)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`;
}

/** The value of one cookie of a Cookie header (RFC 6265 section 5.4), or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) {
      const value = pair.slice(eq + 1).trim();
      return value.length > 0 ? value : null;
    }
  }
  return null;
}
