/**
 * The Review page's calculations, pure so they are unit tested: the query string of an audit
 * filter, and how many published versions fall in the change limits' rolling week.
 */

/** The audit filter a person fills in: empty fields filter nothing; days are UTC calendar days. */
export interface AuditFilter {
  readonly actorId: string;
  readonly action: string;
  readonly targetKind: string;
  /** `YYYY-MM-DD`: entries from the start of this day. */
  readonly since: string;
  /** `YYYY-MM-DD`: entries up to the end of this day. */
  readonly until: string;
}

export const emptyAuditFilter: AuditFilter = { actorId: '', action: '', targetKind: '', since: '', until: '' };

const dayMillis = 24 * 60 * 60 * 1000;
const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));

/**
 * The query of GET /admin/v1/audit for a filter (newest page first is not offered by the API:
 * entries come in chain order, `limit` at a time).
 *
 * @example auditQuery({ actorId: '', action: 'draft.', targetKind: 'draft', since: '2026-12-01', until: '' }, 50)
 * // 'action=draft.&targetKind=draft&since=2026-12-01T00%3A00%3A00.000Z&limit=50'
 */
export function auditQuery(filter: AuditFilter, limit: number): string {
  const query = new URLSearchParams();
  if (filter.actorId.trim() !== '') query.set('actorId', filter.actorId.trim());
  if (filter.action.trim() !== '') query.set('action', filter.action.trim());
  if (filter.targetKind.trim() !== '') query.set('targetKind', filter.targetKind.trim());
  if (isDay(filter.since)) query.set('since', new Date(Date.parse(`${filter.since}T00:00:00Z`)).toISOString());
  // `until` is exclusive in the API: the end of the chosen day is the start of the next.
  if (isDay(filter.until)) query.set('until', new Date(Date.parse(`${filter.until}T00:00:00Z`) + dayMillis).toISOString());
  query.set('limit', String(limit));
  return query.toString();
}

/** The change limits' window: 7 × 24 hours before now (docs/review.md). */
export const changeWindowMillis = 7 * dayMillis;

/**
 * How many of a definition's published versions fall in the rolling week before `now`: what
 * counts against its own limit when it is a placement or a segment. Changes that count against
 * it through others (an action reading a segment) are not in its own history.
 *
 * @example versionsInWindow([{ at: 0 }, { at: 9e8 }], 1e9) // 1
 */
export function versionsInWindow(versions: readonly { readonly at: number }[], now: number): number {
  return versions.filter((v) => v.at > now - changeWindowMillis && v.at <= now).length;
}
