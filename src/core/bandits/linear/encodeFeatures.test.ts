import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { encodeKeyed, encodeKeyedSparse, featureKeys, featureKeysCached, featureKeysOf, type Features } from './encodeFeatures.js';
import { sparseOf } from './LinearModel.js';

describe('encodeKeyedSparse', () => {
  // Small dims force collisions (two features in one bucket, summed; of opposite signs and
  // equal values they cancel and are left out); the dims alternate, so each call finds the
  // scratch vector of its size as the previous call of that size left it.
  it('gives sparseOf(encodeKeyed(...)) bit for bit, collisions and cancellations included', () => {
    const random = seededRandom(17);
    let collided = 0;
    for (let c = 0; c < 400; c++) {
      const dims = [8, 9, 64, 256][c % 4]!;
      const features: Record<string, string | number | boolean | null> = {};
      const n = Math.floor(random.next() * 12);
      for (let f = 0; f < n; f++) {
        const u = random.next();
        features[`f${Math.floor(random.next() * 30).toString()}`] = u < 0.5 ? `v${Math.floor(random.next() * 4).toString()}` : u < 0.7 ? random.next() < 0.5 : u < 0.9 ? (random.next() - 0.5) * 10 : null;
      }
      const keyed = [featureKeys('x', features as Features)];
      const want = sparseOf(encodeKeyed(keyed, dims));
      expect(encodeKeyedSparse(keyed, dims)).toEqual(want);
      if (want.indices.length < 1 + keyed[0]!.length) collided++;
    }
    expect(collided).toBeGreaterThan(20);
  });

  it('answers the same whatever was encoded before (the scratch vector is left empty)', () => {
    const keyed = [featureKeys('x', { device: 'mobile', visits: 3, returning: true })];
    const first = encodeKeyedSparse(keyed, 64);
    encodeKeyedSparse([featureKeys('x', { device: 'desktop', visits: -2, plan: 'pro', a: 1, b: 2 })], 64);
    expect(encodeKeyedSparse(keyed, 64)).toEqual(first);
    expect(first).toEqual(sparseOf(encodeKeyed(keyed, 64)));
  });
});

describe('featureKeysCached', () => {
  // Values repeat (a few per name), so most calls read kept keys; a small perName makes later
  // values go uncached, which must not change the keys either.
  it('gives featureKeysOf bit for bit, kept keys and keys past the limit alike', () => {
    const random = seededRandom(23);
    const names = ['a', 'b', 'device', 'plan', 'visits'];
    for (const perName of [1_000, 2]) {
      const keysOf = featureKeysCached('x', names, perName);
      for (let c = 0; c < 300; c++) {
        const features: Record<string, string | number | boolean | null> = {};
        for (const name of names) {
          const u = random.next();
          if (u < 0.1) continue;
          features[name] = u < 0.6 ? `v${Math.floor(random.next() * 6).toString()}` : u < 0.75 ? random.next() < 0.5 : u < 0.9 ? Math.floor((random.next() - 0.5) * 4) : null;
        }
        expect(keysOf(features as Features)).toEqual(featureKeysOf('x', names, features as Features));
      }
    }
  });
});
