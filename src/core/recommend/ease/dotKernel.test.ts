import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { spdWorkspace, spdWorkspaceLength, spdWorkspaceMemory } from './dotKernel.js';

describe('dot42', () => {
  // The plain loop stands in for the WebAssembly kernel above 16,000 rows: the same bits or the
  // inverse would depend on the size class.
  it.each([0, 1, 2, 3, 4, 7, 8, 33])('WebAssembly and plain JavaScript agree to the bit (len %i)', (len) => {
    const n = 12;
    const memory = spdWorkspaceMemory(n);
    expect(memory).not.toBeNull();
    const fast = spdWorkspace(n, memory);
    const plain = spdWorkspace(n, null, new Float64Array(spdWorkspaceLength(n)));
    const random = seededRandom(len + 1);
    for (let i = 0; i < 2 * n * n; i++) fast.m[i] = plain.m[i] = random.next() - 0.5;
    const rows = [3, 17, 30, 45, 60, 101].map((r) => r % (2 * n * n - len));
    fast.dot42(rows[0]!, rows[1]!, rows[2]!, rows[3]!, rows[4]!, rows[5]!, len);
    plain.dot42(rows[0]!, rows[1]!, rows[2]!, rows[3]!, rows[4]!, rows[5]!, len);
    const sums = (w: typeof fast) => Array.from(w.m.subarray(w.sums, w.sums + 8));
    expect(sums(fast)).toEqual(sums(plain));
    let expected = 0;
    for (let t = 0; t < len; t++) expected += plain.m[rows[1]! + t]! * plain.m[rows[5]! + t]!;
    expect(sums(plain)[3]).toBeCloseTo(expected, 12);
  });

  it('gives each part its own sums', () => {
    const memory = spdWorkspaceMemory(5);
    expect(spdWorkspace(5, memory, undefined, 1).sums - spdWorkspace(5, memory, undefined, 0).sums).toBe(8);
    expect(() => spdWorkspace(5, memory, undefined, 16)).toThrow(RangeError);
  });
});
