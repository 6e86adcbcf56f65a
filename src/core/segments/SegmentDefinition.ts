import { Type, type Static } from 'typebox';

/**
 * A segment id: lower case, used in rules as `in_segment("id")`. `overlap` and `estimate` are
 * refused because they are paths of the segments API (`GET /admin/v1/segments/overlap`), so a
 * segment of that name could be written but never read back.
 */
export const segmentIdPattern = '^(?!(?:overlap|estimate)$)[a-z][a-z0-9_-]{0,63}$';

/**
 * A named rule over profile, features, session and context.
 *
 * @example { "id": "repeat_shoe_buyers", "name": "Repeat buyers browsing shoes", "rule": "features.orders_90d >= 2 and session.section == \"shoes\"" }
 */
export const SegmentDefinition = Type.Object(
  {
    id: Type.String({ pattern: segmentIdPattern, description: 'Used in rules as in_segment("id"); not `overlap` or `estimate`' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    rule: Type.String({ minLength: 1, maxLength: 20_000, description: 'A rule in the Attune rules language (docs/rules.md)' }),
  },
  { additionalProperties: false, title: 'SegmentDefinition' },
);
export type SegmentDefinition = Static<typeof SegmentDefinition>;
