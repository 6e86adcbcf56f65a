/**
 * The kinds of definition that have drafts and published versions: what changes what a
 * customer sees or how it is measured, and the consent settings (what is assumed of a person who
 * decided nothing). Catalog items, the tracking plan and the fairness
 * settings are not among them (data and reporting, not decisions).
 */
export const reviewKinds = ['feature', 'segment', 'action', 'placement', 'experiment', 'metric', 'measurement', 'consent'] as const;
export type ReviewKind = (typeof reviewKinds)[number];

export function isReviewKind(value: string): value is ReviewKind {
  return (reviewKinds as readonly string[]).includes(value);
}

/**
 * The id a definition is known by: a feature's `name`, the measurement and consent settings'
 * workspace (one per workspace, as the audit trail names them), every other kind's `id`. Null when the
 * definition carries none.
 *
 * @example targetIdOf('feature', { name: 'views_7d' }, 'ws_1') // 'views_7d'
 */
export function targetIdOf(kind: ReviewKind, definition: unknown, workspaceId: string): string | null {
  if (kind === 'measurement' || kind === 'consent') return workspaceId;
  if (typeof definition !== 'object' || definition === null) return null;
  const id = (definition as Record<string, unknown>)[kind === 'feature' ? 'name' : 'id'];
  return typeof id === 'string' ? id : null;
}
