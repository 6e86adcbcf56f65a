import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { maxParts, spdWorkspace, spdWorkspaceLength, spdWorkspaceMemory } from '../../core/recommend/ease/dotKernel.js';
import { copyLowerTriangle, spdInverse, spdInversePart, type SpdInverter } from '../../core/recommend/ease/spdInverse.js';
import { threadScript } from '../../store/threadScript.js';
import { abortParts, atomicShare, controlSlots, slot, type SpdInversePartTask } from './atomicShare.js';

/** An SPD inverse shared between this thread and helper threads, and how to stop the helpers. */
export interface ParallelSpdInverse {
  /** Synchronous like `spdInverse`, with the same result to the last bit; one call at a time. */
  readonly inverse: SpdInverter;
  readonly parts: number;
  readonly close: () => Promise<void>;
}

/**
 * Starts `parts - 1` helper threads (by default one per further core, at most one: two parts
 * is what the machines Attune runs on have) for EASE's inverse, which is n^3 / 2 multiply-adds
 * that one JavaScript thread does at about 2 GFLOP/s. The caller's thread computes part 0 and
 * waits for the helpers with Atomics, so `inverse` stays synchronous and pure code can take it
 * as its `SpdInverter` port. The helpers do not keep the process alive.
 *
 * @example const solver = await startParallelSpdInverse(); trainEaseModel(data, { inverse: solver.inverse }); await solver.close();
 */
export async function startParallelSpdInverse(parts = Math.min(2, availableParallelism())): Promise<ParallelSpdInverse> {
  if (!(Number.isInteger(parts) && parts <= maxParts)) throw new RangeError(`startParallelSpdInverse: parts must be an integer up to ${maxParts}, got ${parts}`);
  if (parts <= 1) return { inverse: spdInverse, parts: 1, close: () => Promise.resolve() };
  const entry = threadScript(import.meta.url, 'spdInverseThreadEntry');
  const helpers = await Promise.all(Array.from({ length: parts - 1 }, () => new Promise<Worker>((resolve, reject) => {
    const worker = new Worker(entry.script, { eval: entry.eval });
    worker.once('message', () => {
      // Only once it is ready: until then the promise is what keeps the process waiting.
      worker.unref();
      resolve(worker);
    });
    worker.once('error', reject);
  })));
  const inverse: SpdInverter = (a, n, onProgress) => {
    if (a.length !== n * n) throw new RangeError(`spdInverse: expected ${n * n} values, got ${a.length}`);
    const memory = spdWorkspaceMemory(n);
    const plain = memory === null ? new SharedArrayBuffer(8 * spdWorkspaceLength(n)) : null;
    const task: SpdInversePartTask = { memory, plain, control: new SharedArrayBuffer(4 * controlSlots), n, part: 0, parts };
    const w = spdWorkspace(n, memory, plain === null ? undefined : new Float64Array(plain));
    const control = new Int32Array(task.control);
    copyLowerTriangle(a, w.m, n);
    helpers.forEach((helper, h) => helper.postMessage({ ...task, part: h + 1 }));
    let failed: number;
    try {
      failed = spdInversePart(w, atomicShare(control, 0, parts), onProgress);
    } catch (error) {
      abortParts(control, parts);
      throw error;
    } finally {
      // The buffers are the helpers' until they count themselves done.
      for (let done = Atomics.load(control, slot.helpersDone); done < parts - 1; done = Atomics.load(control, slot.helpersDone)) Atomics.wait(control, slot.helpersDone, done);
    }
    if (Atomics.load(control, slot.aborted) === 1) throw new Error('spdInverse: a helper thread failed');
    if (failed !== -1) return { ok: false, reason: 'not-positive-definite', row: failed >= 0 ? failed : Atomics.load(control, slot.failedRow) };
    return { ok: true, inverse: w.m.subarray(0, n * n) };
  };
  return { inverse, parts, close: async () => { await Promise.all(helpers.map((helper) => helper.terminate())); } };
}
