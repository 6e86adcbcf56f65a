import { checkIdentity, needsUserHash, trustedCaller, type CollectCaller, type IdentityReading } from '../core/identity/identityCheck.js';
import type { Principal, WorkspaceService } from './WorkspaceService.js';

/**
 * How a public call's userId counts (src/core/identity/identityCheck.ts): the HMAC is
 * computed only when the workspace verifies identities and the write key asks about a user.
 */
export async function checkCallIdentity(workspaces: WorkspaceService, principal: Principal, userId: string | undefined, userHash: string | undefined): Promise<IdentityReading> {
  const input = { hasUserId: userId !== undefined, secretKey: principal.key.kind === 'secret', verification: principal.workspace.identity.verification };
  const matches = needsUserHash(input) && userId !== undefined && await workspaces.userHashMatches(principal.workspace.id, userId, userHash);
  return checkIdentity(input, matches);
}

/**
 * Who a request's events come from, for their userIds: the secret key is trusted; the write key
 * is public, each event's userId checked against its own userHash (the secret is loaded only
 * where the workspace verifies identities).
 */
export async function collectCallerFor(workspaces: WorkspaceService, principal: Principal): Promise<CollectCaller> {
  if (principal.key.kind === 'secret') return trustedCaller;
  if (!principal.workspace.identity.verification) return { kind: 'public', userHashMatches: () => false };
  return { kind: 'public', userHashMatches: await workspaces.userHashMatcher(principal.workspace.id) };
}
