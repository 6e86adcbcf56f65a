import { can, grantName, holdersOf, type Grant } from './accessMatrix.js';
import type { Permission } from './permissions.js';

/**
 * What a route needs, declared once on the route (`config: { access: ... }`):
 * - a permission: a credential of the workspace whose grant holds it;
 * - `public`: nothing (health, documentation, sign-in; or the route checks a credential of its
 *   own, like an invitation token or a write key in the path);
 * - `server`: the server-wide admin token (creating and listing workspaces);
 * - `member`: any credential of a workspace, whatever it may do (who am I);
 * - `user`: a person, signed in or with a personal token (their tokens, signing out).
 */
export type RouteAccess = Permission | 'public' | 'server' | 'member' | 'user';

/** Who a request turned out to be, as far as the decision needs: nobody, a machine key or a user. */
export type Caller = null | { readonly grant: Grant; readonly person: boolean };

/** The outcome of a request's credentials against a route's access. */
export type AccessOutcome =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'unauthenticated' }
  | { readonly kind: 'forbidden'; readonly permission: Permission | 'user'; readonly detail: string };

/**
 * Decides a request's access to a route (the server's one enforcement point calls it; so does
 * the permission-matrix test, for the expected outcome). `server` is the admin token's and is
 * decided by the shell.
 *
 * @example decideAccess('config.write', { grant: { kind: 'role', role: 'analyst' }, person: true }) // forbidden
 */
export function decideAccess(access: Exclude<RouteAccess, 'server'>, caller: Caller): AccessOutcome {
  if (access === 'public') return { kind: 'allowed' };
  if (caller === null) return { kind: 'unauthenticated' };
  if (access === 'member') return { kind: 'allowed' };
  if (access === 'user') {
    return caller.person ? { kind: 'allowed' } : { kind: 'forbidden', permission: 'user', detail: 'this endpoint is for users (signed in, or with a personal API token), not API keys' };
  }
  if (can(caller.grant, access)) return { kind: 'allowed' };
  return { kind: 'forbidden', permission: access, detail: `this endpoint needs the permission ${access}, which ${holderList(access)} ${holdersOf(access).length === 1 ? 'has' : 'have'}; ${describeGrant(caller.grant)} does not` };
}

/** A grant in words: "the write key", "a secret key (scope read)", "the role analyst". */
export function describeGrant(grant: Grant): string {
  switch (grant.kind) {
    case 'role': return `the role ${grant.role}`;
    case 'writeKey': return 'the write key';
    case 'secretKey': return `a secret key (scope ${grant.scope})`;
  }
}

function holderList(permission: Permission): string {
  const holders = holdersOf(permission);
  const roleNames = holders.filter((g) => g.kind === 'role').map(grantName);
  const scopes = holders.flatMap((g) => (g.kind === 'secretKey' ? [g.scope] : []));
  const parts = [
    ...(holders.some((g) => g.kind === 'writeKey') ? ['the write key'] : []),
    ...(scopes.length === 0 ? [] : [`a secret key (scope ${scopes.join(' or ')})`]),
    ...(roleNames.length === 0 ? [] : [`the role${roleNames.length === 1 ? '' : 's'} ${roleNames.join(', ')}`]),
  ];
  return parts.length === 0 ? 'nobody' : parts.join(', ');
}
