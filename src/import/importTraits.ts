import { parse } from 'csv-parse';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Collector } from '../collect/Collector.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { Workspace } from '../store/ports.js';
import { ImportAccumulator, importChunkRows, type ImportProgress, type ImportSummary } from './importEvents.js';

export interface ImportTraitsOptions {
  /** The column holding the user id. */
  readonly idColumn: string;
  /** When the traits were true (ISO 8601); later identify calls win over older imports. */
  readonly timestamp: string;
  /** Keep every value a string instead of reading numbers and booleans. */
  readonly raw: boolean;
}

const numberPattern = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** CSV cells are text; numbers (without leading zeros, so zip codes stay text) and booleans are read as such. */
export function readCell(value: string, raw: boolean): unknown {
  if (raw) return value;
  if (numberPattern.test(value) && value.length < 16) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/**
 * Imports CRM traits from a CSV file with a header row: each row becomes an identify call
 * for the user id in `idColumn`, with the other non-empty cells as traits. The messageId is
 * a hash of the row and the timestamp, so importing the same file twice with the same
 * timestamp (the CLI's default is the file's modification time) stores each row once.
 */
export async function importTraits(path: string, collector: Collector, workspace: Workspace, options: ImportTraitsOptions, onProgress?: ImportProgress): Promise<ImportSummary> {
  const totalBytes = (await stat(path)).size;
  const parser = createReadStream(path).pipe(parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  const acc = new ImportAccumulator(collector, workspace);
  let checkedHeader = false;
  for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; bytes: number } }>) {
    const { record: row, info } = record;
    if (!checkedHeader) {
      checkedHeader = true;
      if (!(options.idColumn in row)) {
        throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the CSV has no column "${options.idColumn}"; its columns are ${Object.keys(row).join(', ')}`, field: '--id-column' });
      }
    }
    const userId = row[options.idColumn]?.trim() ?? '';
    if (userId.length === 0) {
      acc.reject({ line: info.lines, code: 'ATTUNE_EVENT_MISSING_IDENTITY', field: options.idColumn, message: `the ${options.idColumn} cell is empty` });
      continue;
    }
    const traits: Record<string, unknown> = {};
    for (const [column, cell] of Object.entries(row)) {
      if (column === options.idColumn || cell === '') continue;
      traits[column] = readCell(cell, options.raw);
    }
    const messageId = `import-traits-${createHash('sha256').update(JSON.stringify([userId, traits, options.timestamp])).digest('hex').slice(0, 32)}`;
    await acc.add({ type: 'identify', userId, traits, messageId, timestamp: options.timestamp }, info.lines);
    if (acc.rows % importChunkRows === 0) onProgress?.({ bytes: info.bytes, totalBytes, rows: acc.rows });
  }
  await acc.flush();
  onProgress?.({ bytes: totalBytes, totalBytes, rows: acc.rows });
  return acc.summary();
}
