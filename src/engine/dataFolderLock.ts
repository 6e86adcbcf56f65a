import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AttuneError } from '../core/errors/AttuneError.js';
import { isProcessRunning } from './isProcessRunning.js';

export const lockFile = 'attune.lock';

/** Lock files this process holds, by absolute path, with the command holding each. */
const heldHere = new Map<string, string>();

interface LockRecord {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

function readLock(path: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockRecord>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, command: String(parsed.command ?? 'attune'), since: String(parsed.since ?? '') } : undefined;
  } catch {
    return undefined;
  }
}


/**
 * Takes the data folder for this process: one process at a time owns the derived state (the
 * profiles held in memory and written behind), so a server, an import, a rebuild or a report
 * on the same folder would each make the other's memory wrong. The lock is a file holding the
 * owner's pid; a lock left by a process that died (a crash, SIGKILL) is taken over. Returns
 * the function that gives the folder back.
 */
export function lockDataFolder(dataDir: string, command: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, lockFile);
  // The pid in the file cannot tell two owners in one process apart (a server and an embedded
  // SDK, say): those are refused here.
  const heldBy = heldHere.get(resolve(path));
  if (heldBy !== undefined) {
    throw new AttuneError('ATTUNE_DATA_FOLDER_IN_USE', {
      detail: `${dataDir} is in use by \`attune ${heldBy}\` in this process: close it first`,
      field: '--data',
    });
  }
  const record: LockRecord = { pid: process.pid, command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(path, `${JSON.stringify(record)}\n`, { flag: 'wx' });
      heldHere.set(resolve(path), command);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(resolve(path));
        // Only our own lock: a folder taken over after we were presumed dead is not ours to free.
        if (readLock(path)?.pid === process.pid) unlinkSync(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(path);
    if (holder !== undefined && holder.pid !== process.pid && isProcessRunning(holder.pid)) {
      throw new AttuneError('ATTUNE_DATA_FOLDER_IN_USE', {
        detail: `${dataDir} is in use by \`attune ${holder.command}\` (process ${holder.pid}, since ${holder.since}): stop it first, or make the change through its admin API`,
        field: '--data',
      });
    }
    // Left by a process that is gone (or unreadable): take it over.
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new AttuneError('ATTUNE_DATA_FOLDER_IN_USE', { detail: `${dataDir}: another process keeps taking ${lockFile}`, field: '--data' });
}
