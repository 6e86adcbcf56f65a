import { createHash } from 'node:crypto';
import secureJson from 'secure-json-parse';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Collector } from '../collect/Collector.js';
import type { ExposurePolicy } from '../core/collect/steps/rejectReservedExposure.js';
import type { Workspace } from '../store/ports.js';
import type { ErrorCode } from '../core/errors/errorCodes.js';
import { trustedCaller } from '../core/identity/identityCheck.js';

/** A row that was not stored, by its 1-based line number in the file. */
export interface RejectedRow {
  readonly line: number;
  readonly code: ErrorCode;
  readonly field?: string;
  readonly message: string;
}

export interface ImportSummary {
  readonly rows: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: readonly RejectedRow[];
}

export interface ImportProgress {
  (done: { bytes: number; totalBytes: number; rows: number }): void;
}

export interface ImportOptions {
  /** Exposures to Attune's own experiments: 'reject' unless given (see CollectRequest.exposures); an admin's import of history passes 'accept'. */
  readonly exposures?: ExposurePolicy;
}

/** Rows per group commit: large enough to amortise the commit, small enough to stay responsive. */
export const importChunkRows = 1000;

/** Sends rows through the collector in chunks and adds up what became of them. */
export class ImportAccumulator {
  rows = 0;
  accepted = 0;
  duplicates = 0;
  readonly rejected: RejectedRow[] = [];
  private chunk: unknown[] = [];
  private lines: number[] = [];

  constructor(private readonly collector: Collector, private readonly workspace: Workspace, private readonly options: ImportOptions = {}) {}

  reject(row: RejectedRow): void {
    this.rows++;
    this.rejected.push(row);
  }

  async add(event: unknown, line: number): Promise<void> {
    this.rows++;
    this.chunk.push(event);
    this.lines.push(line);
    if (this.chunk.length >= importChunkRows) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.chunk.length === 0) return;
    const [events, lines] = [this.chunk, this.lines];
    this.chunk = [];
    this.lines = [];
    const report = await this.collector.collect(this.workspace, { events, routeType: null, caller: trustedCaller, exposures: this.options.exposures });
    this.accepted += report.accepted;
    this.duplicates += report.duplicates;
    for (const fault of report.rejected) {
      this.rejected.push({ line: lines[fault.index ?? 0] ?? 0, code: fault.code, ...(fault.field === undefined ? {} : { field: fault.field }), message: fault.message });
    }
  }

  summary(): ImportSummary {
    return { rows: this.rows, accepted: this.accepted, duplicates: this.duplicates, rejected: [...this.rejected].sort((a, b) => a.line - b.line) };
  }
}

/**
 * A row without a messageId gets one hashed from its text, so that importing the same file
 * again stores nothing twice (the API, which cannot tell a retry from a repeat, makes a random one).
 */
function withMessageId(event: unknown, text: string): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
  const given = (event as Record<string, unknown>)['messageId'];
  if (typeof given === 'string' && given.length > 0) return event;
  return { ...event, messageId: `import-${createHash('sha256').update(text.trim()).digest('hex').slice(0, 32)}` };
}

/**
 * Imports a JSONL file of Segment calls (one call per line, each with its `type`), with the
 * same validation and de-duplication as the API: re-importing a file stores nothing twice.
 * Blank lines are skipped. Exposures to Attune's experiments are rejected unless
 * `options.exposures` is 'accept' (the import command's: its caller is an admin).
 */
export async function importEvents(path: string, collector: Collector, workspace: Workspace, onProgress?: ImportProgress, options: ImportOptions = {}): Promise<ImportSummary> {
  const totalBytes = (await stat(path)).size;
  const input = createReadStream(path, { encoding: 'utf8' });
  const acc = new ImportAccumulator(collector, workspace, options);
  let bytes = 0;
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    bytes += Buffer.byteLength(text) + 1;
    if (text.trim().length === 0) continue;
    let event: unknown;
    try {
      // As the HTTP parser does: prototype-poisoning keys are removed.
      event = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
    } catch (error) {
      acc.reject({ line, code: 'ATTUNE_MALFORMED_JSON', message: error instanceof Error ? error.message : 'not JSON' });
      continue;
    }
    await acc.add(withMessageId(event, text), line);
    if (line % importChunkRows === 0) onProgress?.({ bytes, totalBytes, rows: acc.rows });
  }
  await acc.flush();
  onProgress?.({ bytes: totalBytes, totalBytes, rows: acc.rows });
  return acc.summary();
}
