import type { Statement } from 'better-sqlite3';

/**
 * The highest sequence number received before `receivedAt` (0 when none): events after it
 * arrived at or after that time. The log is in arrival order, so this is a binary search
 * over the primary key, not a scan (received_at has no index, on purpose: an index would be
 * one more B-tree insert per event on the hot path).
 *
 * `seqAt` is `SELECT seq, received_at FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1`.
 */
export function seqBeforeArrival(seqAt: Statement, lastSeq: number, receivedAt: number): number {
  let low = 0;
  let high = lastSeq;
  while (low < high) {
    const mid = Math.floor((low + high + 1) / 2);
    const row = seqAt.get(mid) as { seq: number; received_at: number } | undefined;
    if (row !== undefined && row.received_at >= receivedAt) high = row.seq - 1;
    else low = row === undefined ? mid : Math.max(mid, row.seq);
  }
  return low;
}
