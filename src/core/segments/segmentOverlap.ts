/** Two segments' shared members: the count and the Jaccard index |A ∩ B| / |A ∪ B|. */
export interface SegmentPairOverlap {
  readonly a: string;
  readonly b: string;
  readonly both: number;
  /** Null when neither segment has a member (the union is empty). */
  readonly jaccard: number | null;
}

const sizeOf = (sizes: Readonly<Record<string, number>>, id: string): number => (Object.hasOwn(sizes, id) ? sizes[id]! : 0);

/**
 * Every unordered pair of `ids` (in the order given, a before b) with its shared members and
 * Jaccard index, from each segment's size and the pairs' intersections (a pair missing from
 * `both` shares no one).
 *
 * @example segmentOverlap(['x', 'y'], { x: 4, y: 2 }, [{ a: 'x', b: 'y', both: 1 }]) // [{ a: 'x', b: 'y', both: 1, jaccard: 0.2 }]
 */
export function segmentOverlap(
  ids: readonly string[],
  sizes: Readonly<Record<string, number>>,
  both: readonly { readonly a: string; readonly b: string; readonly both: number }[],
): SegmentPairOverlap[] {
  const shared = new Map<string, number>();
  for (const pair of both) {
    shared.set(`${pair.a}\u0000${pair.b}`, pair.both);
    shared.set(`${pair.b}\u0000${pair.a}`, pair.both);
  }
  const pairs: SegmentPairOverlap[] = [];
  for (let i = 0; i < ids.length; i += 1) {
    for (let j = i + 1; j < ids.length; j += 1) {
      const a = ids[i]!;
      const b = ids[j]!;
      const count = shared.get(`${a}\u0000${b}`) ?? 0;
      const union = sizeOf(sizes, a) + sizeOf(sizes, b) - count;
      pairs.push({ a, b, both: count, jaccard: union === 0 ? null : count / union });
    }
  }
  return pairs;
}
