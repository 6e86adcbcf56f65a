import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedReference } from '../../../test/support/sharedReference.js';
import local from './assignment.cases.json' with { type: 'json' };
import { chooseVariation, getBucketRanges, getEqualWeights, inNamespace, type Namespace, type VariationRange } from './buckets.js';
import { fnv1a32, hash, type HashVersion } from './hash.js';

// Tuple layouts, shared by GrowthBook's cases.json and assignment.cases.json.
type HashCase = [seed: string, value: string, version: number, expected: number | null];
type RangeCase = [name: string, args: [numVariations: number, coverage: number | null, weights: number[] | null], expected: [number, number][]];
type ChooseCase = [name: string, n: number, ranges: [number, number][], expected: number];
type NamespaceCase = [name: string, userId: string, namespace: [string, number, number], expected: boolean];
type EqualWeightsCase = [n: number, expected: number[]];

interface GrowthBookCases {
  hash: HashCase[];
  getBucketRange: RangeCase[];
  chooseVariation: ChooseCase[];
  inNamespace: NamespaceCase[];
  getEqualWeights: EqualWeightsCase[];
}

const reference = sharedReference<GrowthBookCases>('growthbook-sdk-cases.json');
const shared = reference.data;

/** GrowthBook's published ranges and weights are rounded; compare at their precision. */
const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const roundRanges = (ranges: readonly VariationRange[]): [number, number][] => ranges.map(([a, b]) => [round(a, 6), round(b, 6)]);
const roundRangeCase = (ranges: [number, number][]): [number, number][] => ranges.map(([a, b]) => [round(a, 6), round(b, 6)]);

function runHash([seed, value, version, expected]: HashCase): void {
  expect(hash(seed, value, version as HashVersion)).toBe(expected);
}
function runRanges([, [numVariations, coverage, weights], expected]: RangeCase): void {
  expect(roundRanges(getBucketRanges(numVariations, coverage, weights))).toEqual(roundRangeCase(expected));
}
function runChoose([, n, ranges, expected]: ChooseCase): void {
  expect(chooseVariation(n, ranges)).toBe(expected);
}
function runNamespace([, userId, namespace, expected]: NamespaceCase): void {
  expect(inNamespace(userId, namespace)).toBe(expected);
}
function runEqualWeights([n, expected]: EqualWeightsCase): void {
  expect(getEqualWeights(n).map((w) => round(w, 8))).toEqual(expected.map((w) => round(w, 8)));
}

describe('GrowthBook SDK reference cases (../shared/reference/growthbook-sdk-cases.json)', () => {
  if (shared === null) {
    it.skip(reference.skipReason, () => {});
    return;
  }
  it.each(shared.hash)('hash(%j, %j, v%s) = %s', (...c) => runHash(c));
  it.each(shared.getBucketRange)('getBucketRanges: %s', (...c) => runRanges(c));
  it.each(shared.chooseVariation)('chooseVariation: %s', (...c) => runChoose(c));
  it.each(shared.inNamespace)('inNamespace: %s', (...c) => runNamespace(c));
  it.each(shared.getEqualWeights)('getEqualWeights(%s)', (...c) => runEqualWeights(c));
});

describe('hand-checked cases (assignment.cases.json)', () => {
  it.each(local.hash as HashCase[])('hash(%j, %j, v%s) = %s', (...c) => runHash(c));
  it.each(local.getBucketRanges as RangeCase[])('getBucketRanges: %s', (...c) => runRanges(c));
  it.each(local.chooseVariation as ChooseCase[])('chooseVariation: %s', (...c) => runChoose(c));
  it.each(local.inNamespace as NamespaceCase[])('inNamespace: %s', (...c) => runNamespace(c));
  it.each(local.getEqualWeights as EqualWeightsCase[])('getEqualWeights(%s)', (...c) => runEqualWeights(c));

  it('a namespace is judged on FNV-1a of `${userId}__${id}`, version 1', () => {
    const namespace: Namespace = ['checkout-tests', 0, 1];
    expect(inNamespace('alice', namespace)).toBe(true);
    expect((fnv1a32('alice__checkout-tests') % 1000) / 1000).toBe(0.209);
  });
  it('getEqualWeights throws on a non-integer count, as GrowthBook does', () => {
    expect(() => getEqualWeights(2.5)).toThrow(RangeError);
  });
});

/** FNV-1a written the textbook way, with BigInt, over UTF-16 code units. */
function fnv1a32Reference(text: string): number {
  let h = 0x811c9dc5n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x01000193n) % 0x1_0000_0000n;
  }
  return Number(h);
}

const weightsOf = (length: number) =>
  fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: length, maxLength: length }).map((raw) => {
    const total = raw.reduce((s, w) => s + w, 0);
    return raw.map((w) => w / total);
  });
const hashVersion = fc.constantFrom<HashVersion>(1, 2);
const userHash = fc.tuple(fc.string(), fc.string({ unit: 'binary' }), hashVersion).map(([seed, id, v]) => hash(seed, id, v)!);

describe('properties', () => {
  it('fnv1a32 matches a BigInt FNV-1a over UTF-16 code units, and hashes lie in [0, 1)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string(), hashVersion, (text, seed, v) => {
      expect(fnv1a32(text)).toBe(fnv1a32Reference(text));
      const h = hash(seed, text, v)!;
      expect(h >= 0 && h < 1).toBe(true);
    }));
  });

  it('with coverage 1, chooseVariation over getBucketRanges always returns a valid index', () => {
    const experiment = fc.integer({ min: 1, max: 20 }).chain((k) => fc.tuple(fc.constant(k), fc.option(weightsOf(k), { nil: null })));
    fc.assert(fc.property(experiment, userHash, ([k, weights], n) => {
      const index = chooseVariation(n, getBucketRanges(k, 1, weights));
      expect(Number.isInteger(index) && index >= 0 && index < k).toBe(true);
    }));
  });

  it('changing weights keeps the variation of users whose hash is in both ranges of that variation', () => {
    // The hash does not depend on weights, so a user moves only if their hash leaves their
    // range. Users outside the overlap do move: keeping them is the shell's job (stored
    // assignments, i.e. sticky bucketing), not this module's.
    const change = fc.integer({ min: 1, max: 8 }).chain((k) => fc.tuple(fc.constant(k), weightsOf(k), weightsOf(k)));
    fc.assert(fc.property(change, userHash, ([k, before, after], n) => {
      const [r1, r2] = [getBucketRanges(k, 1, before), getBucketRanges(k, 1, after)];
      const i = chooseVariation(n, r1);
      const range = r2[i];
      if (range !== undefined && n >= range[0] && n < range[1]) expect(chooseVariation(n, r2)).toBe(i);
      else expect(chooseVariation(n, r2)).not.toBe(i);
    }));
  });

  it('raising coverage keeps every included user in their variation', () => {
    const rollout = fc.integer({ min: 1, max: 8 }).chain((k) =>
      fc.tuple(fc.constant(k), weightsOf(k), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })));
    fc.assert(fc.property(rollout, userHash, ([k, weights, c1, c2], n) => {
      const [low, high] = c1 <= c2 ? [c1, c2] : [c2, c1];
      const before = chooseVariation(n, getBucketRanges(k, low, weights));
      if (before !== -1) expect(chooseVariation(n, getBucketRanges(k, high, weights))).toBe(before);
    }));
  });
});
