import { accessMatrix, roles } from '../core/access/accessMatrix.js';
import { permissionDescriptions, type Permission } from '../core/access/permissions.js';

/** What a control needs and whether the signed-in person has it: enabled, or the reason why not. */
export type Gate = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Whether `held` (the permissions /admin/v1/me answered) include `permission`; when not, the
 * reason a person can act on: what it allows and which roles have it. The server decides
 * (every route checks again); this only keeps the studio from offering what would be refused.
 *
 * @example gate(['config.read'], 'privacy.erase') // { allowed: false, reason: 'Needs "privacy.erase" (erase or suppress a person), which the roles owner, admin have.' }
 */
export function gate(held: readonly string[], permission: Permission): Gate {
  if (held.includes(permission)) return { allowed: true };
  const holders = roles.filter((role) => accessMatrix[role].includes(permission));
  return { allowed: false, reason: `Needs "${permission}" (${permissionDescriptions[permission]}), which the roles ${holders.join(', ')} have.` };
}
