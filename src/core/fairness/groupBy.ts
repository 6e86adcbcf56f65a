import type { FaultDetail } from '../errors/AttuneError.js';

/** What splits the units into groups: a trait's value (`traits.region`, nested `traits.address.country`) or membership of a segment. */
export type GroupBy =
  | { readonly kind: 'trait'; readonly path: readonly string[] }
  | { readonly kind: 'segment'; readonly id: string };

const part = /^[A-Za-z0-9_$-]{1,100}$/;

/**
 * Reads the `by` parameter: `traits.<name>[.<name>...]` or `segment:<id>`. Names are kept to
 * letters, digits, `_`, `$` and `-`, so that the path is safe in any store's JSON path syntax.
 *
 * @example parseGroupBy('traits.age_band') // { ok: true, value: { kind: 'trait', path: ['age_band'] } }
 */
export function parseGroupBy(by: string): { ok: true; value: GroupBy } | { ok: false; fault: Omit<FaultDetail, 'code'> } {
  if (by.startsWith('segment:')) {
    const id = by.slice('segment:'.length);
    if (id.length > 0 && id.length <= 200) return { ok: true, value: { kind: 'segment', id } };
  } else if (by.startsWith('traits.')) {
    const path = by.slice('traits.'.length).split('.');
    if (path.length <= 5 && path.every((p) => part.test(p))) return { ok: true, value: { kind: 'trait', path } };
  }
  return { ok: false, fault: { field: '/by', message: `by "${by}" is neither traits.<name> (letters, digits, _, $, -; up to 5 levels) nor segment:<id>` } };
}

/** The group label of a trait value: its JSON text for objects and lists, `(none)` when absent. */
export const NO_VALUE = '(none)';
