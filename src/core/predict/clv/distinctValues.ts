/**
 * The distinct values of a list in order of first appearance, and each element's index among
 * them: the fits compute a term once per distinct value and look it up per customer.
 *
 * @example distinctValues([3, 1, 3]) // { distinct: [3, 1], index: Int32Array [0, 1, 0] }
 */
export function distinctValues(values: readonly number[]): { distinct: number[]; index: Int32Array } {
  const position = new Map<number, number>();
  const index = Int32Array.from(values, (value) => {
    let at = position.get(value);
    if (at === undefined) position.set(value, (at = position.size));
    return at;
  });
  return { distinct: [...position.keys()], index };
}
