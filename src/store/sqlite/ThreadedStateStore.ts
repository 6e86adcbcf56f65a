import type { IdentityKey } from '../../core/identity/types.js';
import type { ArmStatsRow, CounterRow, StateBatch, StateStore, StoredProfile } from '../ports.js';
import { encodeStateBatch } from './encodeStateBatch.js';
import type { SqliteStateStore } from './SqliteStateStore.js';
import type { StorageThread } from './StorageThread.js';

/**
 * The state store with its writes (batches, resets) committed on the storage thread, after the
 * appends posted before them; reads stay on the main thread's connection. `write` encodes the
 * batch (`encodeStateBatch`: flat rows of text, the knowledge's deflate left to the thread) and
 * clones that into the message before it returns, as the port requires.
 */
export class ThreadedStateStore implements StateStore {
  constructor(private readonly thread: StorageThread, private readonly reads: SqliteStateStore) {}

  async write(batch: StateBatch): Promise<void> {
    await this.thread.run({ kind: 'write', batch: encodeStateBatch(batch) });
  }

  async resetDerived(workspaceId: string): Promise<void> {
    await this.thread.run({ kind: 'resetDerived', workspaceId });
  }

  findIdentities(workspaceId: string, keys: readonly IdentityKey[]): Promise<(string | undefined)[]> {
    return this.reads.findIdentities(workspaceId, keys);
  }

  loadProfiles(workspaceId: string, ids: readonly string[]): Promise<(StoredProfile | undefined)[]> {
    return this.reads.loadProfiles(workspaceId, ids);
  }

  armStats(workspaceId: string): Promise<ArmStatsRow[]> {
    return this.reads.armStats(workspaceId);
  }

  counters(workspaceId: string): Promise<CounterRow[]> {
    return this.reads.counters(workspaceId);
  }

  checkpoint(): Promise<number> {
    return this.reads.checkpoint();
  }

  profileIds(workspaceId: string, afterId: string, limit: number): Promise<string[]> {
    return this.reads.profileIds(workspaceId, afterId, limit);
  }
}
