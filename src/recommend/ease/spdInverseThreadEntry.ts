import { parentPort } from 'node:worker_threads';
import { spdWorkspace } from '../../core/recommend/ease/dotKernel.js';
import { spdInversePart } from '../../core/recommend/ease/spdInverse.js';
import { abortParts, atomicShare, slot, type SpdInversePartTask } from './atomicShare.js';

/**
 * A helper thread of `startParallelSpdInverse`: computes its part of each inverse posted to it,
 * in the shared buffers, then counts itself done in the control buffer (the caller waits on
 * that, not on a message, because it waits synchronously).
 */
const port = parentPort;
if (port === null) throw new Error('spdInverseThreadEntry runs as a worker thread only');
port.on('message', (task: SpdInversePartTask) => {
  const control = new Int32Array(task.control);
  try {
    spdInversePart(spdWorkspace(task.n, task.memory, task.plain === null ? undefined : new Float64Array(task.plain), task.part), atomicShare(control, task.part, task.parts));
  } catch {
    abortParts(control, task.parts);
  } finally {
    Atomics.add(control, slot.helpersDone, 1);
    Atomics.notify(control, slot.helpersDone);
  }
});
port.postMessage('ready');
