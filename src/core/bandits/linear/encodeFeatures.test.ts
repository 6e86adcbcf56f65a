import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { encodeKeyed, encodeKeyedSparse, featureKeys, type Features } from './encodeFeatures.js';
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
