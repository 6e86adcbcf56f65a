import type { WasmMemory } from '../../core/recommend/ease/dotKernel.js';
import type { SpdInverseShare } from '../../core/recommend/ease/spdInverse.js';

/** One part's task, posted to a helper thread: the shared memory of one inverse (WebAssembly's, or plain when too large). */
export interface SpdInversePartTask {
  readonly memory: WasmMemory | null;
  readonly plain: SharedArrayBuffer | null;
  readonly control: SharedArrayBuffer;
  readonly n: number;
  readonly part: number;
  readonly parts: number;
}

/** The Int32 slots of the control buffer. ROWS is the rows of L that are final, -1 once a part failed. */
export const slot = { rows: 0, failedRow: 1, barrier1: 2, barrier2: 3, helpersDone: 4, aborted: 5 } as const;
export const controlSlots = 6;

/**
 * Spins this many reads before sleeping: the parts run in step and the row a part waits for
 * is usually a few microseconds away, much less than a futex wake-up on a busy machine.
 */
const spins = 20_000;

function waitUntil(control: Int32Array, index: number, done: (value: number) => boolean): number {
  for (let s = 0; s < spins; s++) {
    const value = Atomics.load(control, index);
    if (done(value)) return value;
  }
  for (;;) {
    const value = Atomics.load(control, index);
    if (done(value)) return value;
    Atomics.wait(control, index, value);
  }
}

/** The share of part `part` of `parts`, synchronised through `control` with Atomics. */
export function atomicShare(control: Int32Array, part: number, parts: number): SpdInverseShare {
  return {
    part,
    parts,
    awaitRows: (rows) => {
      const value = waitUntil(control, slot.rows, (v) => v < 0 || v >= rows);
      return value < 0 ? -1 : value;
    },
    publishRows: (rows) => {
      // A failure (-1) stays: no part publishes after one, but the order of the two is not ours to assume.
      const current = Atomics.load(control, slot.rows);
      if (current >= 0 && Atomics.compareExchange(control, slot.rows, current, rows) === current) Atomics.notify(control, slot.rows);
    },
    fail: (row) => {
      Atomics.store(control, slot.failedRow, row);
      Atomics.store(control, slot.rows, -1);
      Atomics.notify(control, slot.rows);
    },
    barrier: (phase) => {
      const index = phase === 1 ? slot.barrier1 : slot.barrier2;
      Atomics.add(control, index, 1);
      Atomics.notify(control, index);
      waitUntil(control, index, (v) => v >= parts);
    },
  };
}

/** Releases every part whatever it waits for, after an unexpected error in one of them; the result is then not used. */
export function abortParts(control: Int32Array, parts: number): void {
  Atomics.store(control, slot.aborted, 1);
  Atomics.store(control, slot.rows, -1);
  Atomics.add(control, slot.barrier1, parts);
  Atomics.add(control, slot.barrier2, parts);
  for (const index of [slot.rows, slot.barrier1, slot.barrier2]) Atomics.notify(control, index);
}
