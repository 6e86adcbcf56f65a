/**
 * The Hungarian algorithm (Kuhn-Munkres with potentials, O(rows^2 x cols)): the one-to-one
 * assignment of rows to columns of least total cost. With more columns than rows every row
 * gets a column; with more rows, every column gets a row and the rest get -1.
 *
 * @example assignMinimumCost([[4, 1], [2, 8]]) // [1, 0]: cost 1 + 2
 */
export function assignMinimumCost(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = cost[0]?.length ?? 0;
  if (rows === 0 || cols === 0) return Array.from({ length: rows }, () => -1);
  if (rows > cols) {
    const transposed = Array.from({ length: cols }, (_, c) => cost.map((row) => row[c]!));
    const byColumn = assignMinimumCost(transposed);
    const result = Array.from({ length: rows }, () => -1);
    byColumn.forEach((row, column) => {
      result[row] = column;
    });
    return result;
  }
  // 1-based as in the classic formulation: column 0 is the virtual start of each augmenting path.
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(cols + 1);
  const owner = new Int32Array(cols + 1);
  const way = new Int32Array(cols + 1);
  for (let i = 1; i <= rows; i++) {
    owner[0] = i;
    let column = 0;
    const minimum = new Float64Array(cols + 1).fill(Infinity);
    const used = new Uint8Array(cols + 1);
    do {
      used[column] = 1;
      const row = owner[column]!;
      let delta = Infinity;
      let next = 0;
      for (let j = 1; j <= cols; j++) {
        if (used[j]) continue;
        const reduced = cost[row - 1]![j - 1]! - u[row]! - v[j]!;
        if (reduced < minimum[j]!) {
          minimum[j] = reduced;
          way[j] = column;
        }
        if (minimum[j]! < delta) {
          delta = minimum[j]!;
          next = j;
        }
      }
      for (let j = 0; j <= cols; j++) {
        if (used[j]) {
          u[owner[j]!]! += delta;
          v[j]! -= delta;
        } else minimum[j]! -= delta;
      }
      column = next;
    } while (owner[column] !== 0);
    do {
      const previous = way[column]!;
      owner[column] = owner[previous]!;
      column = previous;
    } while (column !== 0);
  }
  const result = Array.from({ length: rows }, () => -1);
  for (let j = 1; j <= cols; j++) if (owner[j]! > 0) result[owner[j]! - 1] = j - 1;
  return result;
}
