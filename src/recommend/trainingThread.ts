import { Worker } from 'node:worker_threads';
import { AttuneError } from '../core/errors/AttuneError.js';
import { errorCodes, type ErrorCode } from '../core/errors/errorCodes.js';
import type { InteractionData } from '../core/recommend/Recommender.js';
import type { TrainedModelKind } from '../core/recommend/trained/TrainedModel.js';
import type { TrainingStep } from '../core/recommend/trained/trainModel.js';
import { threadScript } from '../store/threadScript.js';
import type { TrainingInput, TrainingMessage } from './trainingThreadProtocol.js';

export type TrainingOutcome = Extract<TrainingMessage, { type: 'done' }>;

/** Runs a training somewhere: on a worker thread (the default), or in-process in tests that want no thread. */
export type TrainingRunner = (data: InteractionData, kind: 'auto' | TrainedModelKind, onProgress: (step: TrainingStep, fraction: number) => void) => Promise<TrainingOutcome>;

function input(data: InteractionData, kind: 'auto' | TrainedModelKind): TrainingInput {
  const n = data.interactions.length;
  const users = new Uint32Array(n);
  const items = new Uint32Array(n);
  const weights = new Float32Array(n);
  const times = new Float64Array(n);
  data.interactions.forEach((x, i) => {
    users[i] = x.user;
    items[i] = x.item;
    weights[i] = x.weight;
    times[i] = x.time;
  });
  return { userIds: data.userIds, itemIds: data.itemIds, users, items, weights, times, kind };
}

/**
 * Trains on a worker thread (`trainingThreadEntry.ts`): EASE's inverse takes seconds on a
 * large catalog, which the server's event loop must not wait for. Settles with the encoded
 * model, or rejects with the training's error (its AttuneError code kept).
 */
export const runTrainingThread: TrainingRunner = (data, kind, onProgress) => new Promise((resolve, reject) => {
  const entry = threadScript(import.meta.url, 'trainingThreadEntry');
  const worker = new Worker(entry.script, { eval: entry.eval, workerData: input(data, kind) });
  let settled = false;
  worker.on('message', (message: TrainingMessage) => {
    if (message.type === 'progress') onProgress(message.step, message.fraction);
    else {
      settled = true;
      if (message.type === 'done') resolve(message);
      else {
        const code = message.code !== null && message.code in errorCodes ? message.code as ErrorCode : 'ATTUNE_INTERNAL';
        reject(new AttuneError(code, { detail: message.message, ...(message.field === null ? {} : { field: message.field }) }));
      }
      void worker.terminate();
    }
  });
  worker.on('error', (error) => {
    settled = true;
    reject(error);
  });
  worker.on('exit', (code) => {
    if (!settled) reject(new Error(`the training thread exited with code ${code} before it answered`));
  });
});
