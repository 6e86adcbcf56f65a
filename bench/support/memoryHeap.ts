/**
 * Child process of the `memory` benchmark (run with --expose-gc by runInChild): the V8 heap
 * that cached profiles take. Opens the embedded store on the data folder the server left
 * (recovery done, nothing loaded), collects garbage and reads the heap, loads every live
 * profile of the workspace into the profile cache (LiveState.load, as a cold decide or
 * collect does), lets the cache settle (it packs idle profiles between turns of the event
 * loop), collects garbage again and reads the heap: the difference over the profiles held is
 * the figure. The heap is V8's heap plus ArrayBuffer memory (`heapUsed + arrayBuffers`), so
 * that state kept off the V8 heap (Buffers) counts too.
 *
 * Usage: node --import tsx --expose-gc bench/support/memoryHeap.ts <dataDir> <workspaceId>
 */
import { join } from 'node:path';
import { lockDataFolder } from '../../src/engine/dataFolderLock.js';
import { databaseFile } from '../../src/cli/openStore.js';
import { openStore } from '../../src/engine/openStore.js';
import { decideChildMain } from './decideChild.js';
import { collectGarbage } from './knowChild.js';

export interface HeapFigures {
  readonly profiles: number;
  /** Profiles the cache held after loading: equal to `profiles` when none was evicted. */
  readonly cachedProfiles: number;
  readonly heapBefore: number;
  readonly heapAfter: number;
  readonly heapBytesPerProfile: number;
  /** The cache's own estimate (LiveState.estimatedBytes), per profile: what the cache budget counts. */
  readonly estimatedBytesPerProfile: number;
  readonly loadSeconds: number;
  /** Profiles whose state the cache kept decoded (its hot set); the others are packed. */
  readonly decodedProfiles: number;
}

function heapBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** The packed cache on, as `ATTUNE_HOT_PROFILES=1000` turns it on (off by default: it trades CPU for memory). */
export const benchHotProfiles = 1_000;

async function measure(dataDir: string, workspaceId: string): Promise<HeapFigures> {
  const release = lockDataFolder(dataDir, 'bench');
  const store = openStore({ path: join(dataDir, databaseFile), synchronous: 'full', maxPendingEvents: 100_000, cacheBytes: 4 * 1024 ** 3, hotProfiles: benchHotProfiles });
  try {
    await store.recovered;
    // The ids are read before the first heap reading, so they are not part of the difference.
    const ids: string[] = [];
    for (let after = ''; ;) {
      const page = await store.profileIds(workspaceId, after, 5_000);
      if (page.length === 0) break;
      ids.push(...page);
      after = page[page.length - 1]!;
    }
    const cachedBefore = store.live.profileCount;
    collectGarbage();
    const heapBefore = heapBytes();
    const started = performance.now();
    for (let i = 0; i < ids.length; i += 500) {
      const pinned = await store.live.load({ workspaceId, profileIds: ids.slice(i, i + 500) });
      store.live.unpin(pinned);
    }
    const loadSeconds = (performance.now() - started) / 1000;
    // As a server between requests: the turns of the event loop in which the cache packs idle
    // profiles beyond its hot set, until a turn packs none.
    for (let decoded = Infinity; store.live.decodedProfiles < decoded;) {
      decoded = store.live.decodedProfiles;
      await new Promise((resolve) => setImmediate(resolve));
    }
    collectGarbage();
    const heapAfter = heapBytes();
    const cachedProfiles = store.live.profileCount - cachedBefore;
    return {
      profiles: ids.length,
      cachedProfiles,
      heapBefore,
      heapAfter,
      heapBytesPerProfile: (heapAfter - heapBefore) / Math.max(1, cachedProfiles),
      estimatedBytesPerProfile: store.live.estimatedBytes / Math.max(1, store.live.profileCount),
      loadSeconds,
      decodedProfiles: store.live.decodedProfiles,
    };
  } finally {
    await store.close();
    release();
  }
}

const [dataDir, workspaceId] = process.argv.slice(2);
if (dataDir === undefined || workspaceId === undefined) throw new Error('usage: memoryHeap.ts <dataDir> <workspaceId>');
decideChildMain(() => measure(dataDir, workspaceId));
