import { AttuneError } from '../../errors/AttuneError.js';
import type { Matrix } from './Matrix.js';

/** A numeric table: its column names and its values. */
export interface NamedMatrix {
  readonly header: readonly string[];
  readonly matrix: Matrix;
}

/**
 * A numeric CSV with a header line (comma separated, no quoted commas). Every other cell must
 * be a finite number; the first that is not is rejected with its 1-based line and column.
 * Blank lines are skipped.
 *
 * @example parseMatrixCsv('r,f\n1,2\n3,4\n').matrix.data // [1, 2, 3, 4]
 */
export function parseMatrixCsv(text: string): NamedMatrix {
  const lines = text.split('\n');
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex < 0) throw invalid('the file is empty: expected a header line and numeric rows');
  const header = lines[headerIndex]!.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
  const cols = header.length;
  const values: number[] = [];
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== cols) throw invalid(`line ${index + 1}: ${cells.length} cells, the header has ${cols}`);
    cells.forEach((cell, c) => {
      const value = Number(cell.trim());
      if (cell.trim() === '' || !Number.isFinite(value)) throw invalid(`line ${index + 1}, column ${c + 1} (${header[c]}): "${cell.trim()}" is not a number`);
      values.push(value);
    });
  }
  const rows = values.length / cols;
  if (rows === 0) throw invalid('no rows after the header');
  return { header, matrix: { rows, cols, data: Float64Array.from(values) } };
}

function invalid(detail: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field: 'matrix' });
}
