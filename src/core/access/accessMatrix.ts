import { permissions, type Permission } from './permissions.js';

/** What a person can be in a workspace, from most to least powerful. */
export const roles = ['owner', 'admin', 'editor', 'reviewer', 'analyst'] as const;
export type Role = (typeof roles)[number];

/**
 * What a secret key may do, set when it is made: `full` (every machine right: what secret keys
 * always could), `read` (configuration, reports and personal data, for exports to a warehouse),
 * `decide` (decisions and recommendations only, for a server rendering pages).
 */
export const secretKeyScopes = ['full', 'read', 'decide'] as const;
export type SecretKeyScope = (typeof secretKeyScopes)[number];

/**
 * Who holds permissions: a role of a user, the write key (public: it is in every page), or a
 * secret key of one scope. A grant's name is what the actor's `role` says in the audit trail.
 */
export type Grant =
  | { readonly kind: 'role'; readonly role: Role }
  | { readonly kind: 'writeKey' }
  | { readonly kind: 'secretKey'; readonly scope: SecretKeyScope };

export type GrantName = Role | 'write' | `secret:${SecretKeyScope}`;

export function grantName(grant: Grant): GrantName {
  switch (grant.kind) {
    case 'role': return grant.role;
    case 'writeKey': return 'write';
    case 'secretKey': return `secret:${grant.scope}`;
  }
}

/** Every grant, in the order the docs and the permission-matrix test list them. */
export const allGrants: readonly Grant[] = [
  ...roles.map((role): Grant => ({ kind: 'role', role })),
  { kind: 'writeKey' },
  ...secretKeyScopes.map((scope): Grant => ({ kind: 'secretKey', scope })),
];

const all = (...except: Permission[]): Permission[] => permissions.filter((p) => !except.includes(p));

/**
 * THE permission matrix: the one place that says who may do what. Events come with the write
 * key only (people and secret keys are refused there, as secret keys always were). Owners and
 * admins differ only in `owners.manage` (an admin cannot make, change or remove an owner). Editors change and
 * publish configuration but approve nothing; reviewers read and approve; analysts only read
 * configuration and aggregate reports, never a person's data. Machine keys never approve and
 * never manage people: a leaked secret key must not be able to mint a user that approves.
 * The write key is public, so it only sends events and asks for decisions for its visitor.
 */
export const accessMatrix: Readonly<Record<GrantName, readonly Permission[]>> = {
  owner: all('events.collect'),
  admin: all('events.collect', 'owners.manage'),
  editor: ['decide', 'personalizer.rank', 'config.read', 'config.write', 'config.publish', 'reports.read', 'personalData.read', 'models.train'],
  reviewer: ['config.read', 'reports.read', 'review.approve'],
  analyst: ['config.read', 'reports.read'],
  write: ['events.collect', 'decide'],
  'secret:full': all('events.collect', 'review.approve', 'users.manage', 'owners.manage'),
  'secret:read': ['config.read', 'reports.read', 'personalData.read'],
  'secret:decide': ['decide', 'personalizer.rank'],
};

const sets = new Map<GrantName, ReadonlySet<Permission>>(Object.entries(accessMatrix).map(([name, list]) => [name as GrantName, new Set(list)]));

/**
 * Whether a grant holds a permission.
 *
 * @example can({ kind: 'role', role: 'analyst' }, 'config.write') // false
 */
export function can(grant: Grant, permission: Permission): boolean {
  return sets.get(grantName(grant))?.has(permission) ?? false;
}

/** The grants that hold a permission, in `allGrants` order (for messages and docs). */
export function holdersOf(permission: Permission): readonly Grant[] {
  return allGrants.filter((grant) => can(grant, permission));
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

export function isSecretKeyScope(value: string): value is SecretKeyScope {
  return (secretKeyScopes as readonly string[]).includes(value);
}
