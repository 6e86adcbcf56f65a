import { checkIdentity, needsUserHash, type IdentityReading } from '../core/identity/identityCheck.js';
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
