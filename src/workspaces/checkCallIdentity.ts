import { checkIdentity, needsUserHash, trustedCaller, type CollectCaller, type IdentityReading } from '../core/identity/identityCheck.js';
import type { Workspace } from '../store/ports.js';
import type { WorkspaceService } from './WorkspaceService.js';

/** Where a call comes from: its workspace, and whether its credential is trusted (anything but the public write key). */
export interface CallSource {
  readonly workspace: Workspace;
  readonly trusted: boolean;
}

/**
 * How a public call's userId counts (src/core/identity/identityCheck.ts): the HMAC is
 * computed only when the workspace verifies identities and the write key asks about a user.
 */
export async function checkCallIdentity(workspaces: WorkspaceService, source: CallSource, userId: string | undefined, userHash: string | undefined): Promise<IdentityReading> {
  const input = { hasUserId: userId !== undefined, secretKey: source.trusted, verification: source.workspace.identity.verification };
  const matches = needsUserHash(input) && userId !== undefined && await workspaces.userHashMatches(source.workspace.id, userId, userHash);
  return checkIdentity(input, matches);
}

/**
 * Who a request's events come from, for their userIds: a secret key or a user is trusted; the write key
 * is public, each event's userId checked against its own userHash (the secret is loaded only
 * where the workspace verifies identities).
 */
export async function collectCallerFor(workspaces: WorkspaceService, source: CallSource): Promise<CollectCaller> {
  if (source.trusted) return trustedCaller;
  if (!source.workspace.identity.verification) return { kind: 'public', userHashMatches: () => false };
  return { kind: 'public', userHashMatches: await workspaces.userHashMatcher(source.workspace.id) };
}
