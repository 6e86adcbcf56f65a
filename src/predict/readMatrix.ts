import { readFileSync } from 'node:fs';
import { AttuneError } from '../core/errors/AttuneError.js';
import { parseMatrixCsv, type NamedMatrix } from '../core/predict/cluster/parseMatrixCsv.js';

/**
 * A numeric CSV file with a header, as a matrix (parseMatrixCsv). Faults name the flag the
 * file came from: a missing file, or the line and column of a cell that is not a number.
 *
 * @example readMatrix('rfm.csv').header // ['recency', 'frequency', 'monetary']
 */
export function readMatrix(file: string, flag = '--matrix'): NamedMatrix {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read ${flag} ${file}: ${(error as Error).message}`, field: flag, cause: error });
  }
  try {
    return parseMatrixCsv(text);
  } catch (error) {
    if (error instanceof AttuneError) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${flag} ${file}: ${error.detail ?? error.message}`, field: flag, cause: error });
    throw error;
  }
}
