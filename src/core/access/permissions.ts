/**
 * The closed list of permissions. Every route of the server declares one of them (or a
 * route access that needs none, see `RouteAccess`), and every role and key scope holds a set
 * of them (`accessMatrix.ts`). A permission is a capability a person would recognise
 * ("change the configuration"), not an endpoint: several routes share one, so the matrix
 * stays small enough to read and to review.
 *
 * Adding one: append it here with its description; the matrix type then requires no edit,
 * but docs/access.md (checked by a test) shows which roles hold it.
 */
export const permissionDescriptions = {
  'events.collect': 'send events (the Segment-compatible collection API)',
  decide: 'ask for decisions and recommendations for a visitor',
  'personalizer.rank': 'rank, reward and activate with the Personalizer-compatible API (rewards train the model, so never the public write key)',
  'config.read': 'read the configuration: features, segments, actions, placements, experiments, metrics, catalog, models',
  'config.write': 'change the configuration (drafts once review is required)',
  'config.publish': 'publish configuration changes to customers',
  'review.approve': 'approve or reject a draft (within the reviewer kinds a user has)',
  'reports.read': 'read aggregate results: experiment read-outs, the ROI report, data quality, fairness',
  'personalData.read': 'read personal data: profiles, the event log, a profile\'s decisions, decision explanations',
  'models.train': 'train, activate and evaluate models (recommenders, predictions, Personalizer)',
  'privacy.export': 'export everything held about a person',
  'privacy.erase': 'erase or suppress a person',
  'audit.read': 'read and export the audit trail',
  'keys.manage': 'create, rotate and revoke the workspace\'s API keys',
  'settings.write': 'change workspace settings: identity verification and its secret',
  'users.manage': 'invite users, change their roles (up to admin), remove them',
  'owners.manage': 'make a user an owner, or change or remove an owner',
} as const satisfies Record<string, string>;

export type Permission = keyof typeof permissionDescriptions;

export const permissions = Object.keys(permissionDescriptions) as readonly Permission[];

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(permissionDescriptions, value);
}
