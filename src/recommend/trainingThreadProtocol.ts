import type { ModelMetrics, TrainedModelKind } from '../core/recommend/trained/TrainedModel.js';
import type { TrainingStep } from '../core/recommend/trained/trainModel.js';

/** The interactions as they cross to the training thread: columns of typed arrays (cloned cheaply), and the id tables. */
export interface TrainingInput {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly users: Uint32Array;
  readonly items: Uint32Array;
  readonly weights: Float32Array;
  readonly times: Float64Array;
  readonly kind: 'auto' | TrainedModelKind;
}

export type TrainingMessage =
  | { readonly type: 'progress'; readonly step: TrainingStep; readonly fraction: number }
  | { readonly type: 'done'; readonly kind: TrainedModelKind; readonly payload: Uint8Array; readonly modelBytes: number; readonly metrics: ModelMetrics; readonly notice: string | null }
  | { readonly type: 'error'; readonly code: string | null; readonly message: string; readonly field: string | null };
