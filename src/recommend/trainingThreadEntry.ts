import { parentPort, workerData } from 'node:worker_threads';
import { isAttuneError } from '../core/errors/AttuneError.js';
import type { Interaction } from '../core/recommend/Recommender.js';
import { encodeModelPayload } from '../core/recommend/trained/modelPayload.js';
import { modelBytes } from '../core/recommend/trained/TrainedModel.js';
import { trainRecommenderModel } from '../core/recommend/trained/trainModel.js';
import type { TrainingInput, TrainingMessage } from './trainingThreadProtocol.js';

/**
 * The training thread (started by `runTrainingThread`): the pure training of the core, off the
 * server's event loop, so that collection and decisions go on while a model trains. It posts
 * progress, then the encoded model (its buffer transferred, not copied), or the error.
 */
const port = parentPort;
if (port === null) throw new Error('trainingThreadEntry runs as a worker thread only');
const input = workerData as TrainingInput;
const post = (message: TrainingMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  const interactions: Interaction[] = Array.from(input.users, (user, i) => ({ user, item: input.items[i]!, weight: input.weights[i]!, time: input.times[i]! }));
  let last = -1;
  const result = trainRecommenderModel({ userIds: input.userIds, itemIds: input.itemIds, interactions }, {
    kind: input.kind,
    onProgress: (step, fraction) => {
      // About a hundred messages per step at most.
      const percent = Math.floor(fraction * 100) + (step === 'final' ? 1000 : 0);
      if (percent === last) return;
      last = percent;
      post({ type: 'progress', step, fraction });
    },
  });
  const payload = encodeModelPayload(result.model);
  post({ type: 'done', kind: result.model.kind, payload, modelBytes: modelBytes(result.model), metrics: result.metrics, notice: result.notice ?? null }, [payload.buffer as ArrayBuffer]);
} catch (error) {
  post(isAttuneError(error)
    ? { type: 'error', code: error.code, message: error.detail ?? error.message, field: error.field ?? null }
    : { type: 'error', code: null, message: error instanceof Error ? error.message : String(error), field: null });
}
