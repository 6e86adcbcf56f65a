import type { WorkspaceQualityCounter } from '../ports.js';
import type { EncodedStateBatch } from './encodeStateBatch.js';
import type { DecisionRow, EventColumns } from './SqliteLogWriter.js';

/** What the storage thread is started with (`workerData`). */
export interface StorageThreadData {
  readonly path: string;
  readonly synchronous: 'full' | 'normal';
}

/** The writes the storage thread applies, one after another in the order they were posted. */
export type StorageCommand =
  | { readonly kind: 'append'; readonly events: readonly EventColumns<unknown>[]; readonly decisions: readonly DecisionRow[] }
  | { readonly kind: 'write'; readonly batch: EncodedStateBatch }
  | { readonly kind: 'addCounters'; readonly rows: readonly WorkspaceQualityCounter[] }
  | { readonly kind: 'resetDerived'; readonly workspaceId: string }
  | { readonly kind: 'pragma'; readonly pragma: string }
  /** Closes the thread's connection; the thread then does nothing more. */
  | { readonly kind: 'close' };

export type StorageRequest = StorageCommand & { readonly id: number };

/** An error as it crosses the thread boundary: its message and, for SQLite's, its code (SQLITE_FULL, ...). */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
}

export type StorageReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };
