import { expect } from 'vitest';
import { defaultIdentitySettings } from '../../core/identity/types.js';
import { createEngineStore } from '../../engine/createEngineStore.js';
import type { CollectTx, Preload } from '../../profiles/CollectTx.js';
import type { LiveStore } from '../../profiles/LiveStore.js';
import type { AttuneStore, StateBatch } from '../ports.js';

/**
 * The workspaces the suites write to. The suites create them (`openContractStore`), so an
 * adapter whose schema requires workspaces to exist needs nothing more.
 */
export const contractWorkspaces = { a: 'ws-contract-a', b: 'ws-contract-b' } as const;

/** Opens a fresh, empty adapter: what each adapter's test gives the suites. */
export type OpenAdapter = () => Promise<AttuneStore>;

/**
 * An adapter under test with the engine in front of it. Derived state is written the way the
 * engine writes it (jobs on the in-memory state, the log appended, the state written behind
 * through `StateStore.write`), so the suites test the adapter's readers on what the engine
 * really writes, and can check that a read through memory equals the adapter's.
 */
export interface ContractStore {
  readonly adapter: AttuneStore;
  readonly engine: LiveStore;
  /** Runs a job in a cycle, then writes the state behind: the adapter holds what the job did. */
  run<R>(job: (tx: CollectTx) => R, preload?: Preload): Promise<R>;
  /** Reads through the engine and through the adapter, expects the same answer, and returns it. */
  readBoth<T>(read: (store: Pick<AttuneStore, 'decisions' | 'experiments' | 'knowledge' | 'profiles' | 'catalog'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openContractStore(open: OpenAdapter): Promise<ContractStore> {
  const adapter = await open();
  for (const id of Object.values(contractWorkspaces)) {
    if (await adapter.workspaces.getWorkspace(id) === undefined) {
      await adapter.workspaces.createWorkspace({ id, name: id, createdAt: 0, identity: defaultIdentitySettings }, []);
    }
  }
  const engine = createEngineStore(adapter, { maxPendingEvents: 10_000 });
  await engine.recovered;
  return {
    adapter,
    engine,
    async run(job, preload) {
      const result = await engine.committer.submit(0, job, preload);
      await engine.flushState();
      return result;
    },
    async readBoth(read) {
      const viaEngine = await read(engine);
      await engine.flushState();
      expect(await read(adapter), 'the adapter reads what the engine holds').toEqual(viaEngine);
      return viaEngine;
    },
    close: () => engine.close(),
  };
}

/** A state batch with only the given parts (the rest empty), at checkpoint 0 unless given. */
export function stateBatch(parts: Partial<StateBatch>): StateBatch {
  return { checkpoint: 0, profiles: [], identities: [], merges: [], segmentChanges: [], consentChanges: [], outcomes: [], armStats: [], armDays: [], counters: [], eventProfiles: [], ...parts };
}
