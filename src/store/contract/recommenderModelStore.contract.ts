import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewRecommenderModel, RecommenderModelStore } from '../ports.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;

function payloadOf(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

const model = (version: number, payload = payloadOf(1000 + version, version)): NewRecommenderModel => ({
  version, kind: version % 2 === 0 ? 'item-knn' : 'ease-norm', createdAt: 1_700_000_000_000 + version, trainedFromSeq: version * 10,
  metrics: { ndcg: 0.1 * version, items: 3, nested: { users: [1, 2] } }, payload,
});

/**
 * The contract of RecommenderModelStore: versions per workspace with their metadata and their
 * payload bytes exactly as saved (large ones too), listings without payloads, one active
 * version at a time, and the deletion of old versions that never takes the active one.
 *
 * @example describeRecommenderModelStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeRecommenderModelStoreContract(adapterName: string, open: OpenAdapter, options: { largePayloadBytes?: number } = {}): void {
  describe(`${adapterName}: recommender model store contract`, () => {
    let store: ContractStore;
    let models: RecommenderModelStore;
    beforeEach(async () => {
      store = await openContractStore(open);
      // Through the engine's store, as the services use it.
      models = store.engine.recommenderModels;
    });
    afterEach(async () => { await store.close(); });

    it('saves versions with their metadata and payload, lists them newest first without payloads', async () => {
      expect(await models.listModels(A)).toEqual([]);
      expect(await models.activeVersion(A)).toBeNull();
      expect(await models.activeModel(A)).toBeUndefined();
      await models.saveModel(A, model(1));
      await models.saveModel(A, model(2));
      const list = await models.listModels(A);
      expect(list.map((m) => m.version)).toEqual([2, 1]);
      expect(list[1]).toEqual({ version: 1, kind: 'ease-norm', createdAt: 1_700_000_000_001, trainedFromSeq: 10, metrics: { ndcg: 0.1, items: 3, nested: { users: [1, 2] } }, payloadBytes: 1001, active: false });
      expect(list[0]).not.toHaveProperty('payload');
      const stored = await models.getModel(A, 1);
      expect(stored?.payload).toBeInstanceOf(Uint8Array);
      expect(Array.from(stored!.payload)).toEqual(Array.from(model(1).payload));
      expect(await models.getModel(A, 3)).toBeUndefined();
    });

    it('refuses a version that exists already and keeps the first', async () => {
      await models.saveModel(A, model(1));
      await expect(models.saveModel(A, { ...model(1), kind: 'other' })).rejects.toThrow();
      expect((await models.listModels(A)).map((m) => m.kind)).toEqual(['ease-norm']);
    });

    it('stores an empty payload and a payload larger than one part, byte for byte', async () => {
      const large = payloadOf(options.largePayloadBytes ?? 3 * 1024 * 1024 + 17, 7);
      await models.saveModel(A, { ...model(1), payload: new Uint8Array(0) });
      await models.saveModel(A, { ...model(2), payload: large });
      expect((await models.getModel(A, 1))?.payload.byteLength).toBe(0);
      const read = (await models.getModel(A, 2))!.payload;
      expect(read.byteLength).toBe(large.byteLength);
      expect(Buffer.compare(Buffer.from(read), Buffer.from(large))).toBe(0);
    });

    it('activates one version at a time, and refuses a version that does not exist', async () => {
      await models.saveModel(A, model(1));
      await models.saveModel(A, model(2));
      expect(await models.activate(A, 1)).toBe(true);
      expect(await models.activeVersion(A)).toBe(1);
      expect(await models.activate(A, 2)).toBe(true);
      expect(await models.activeVersion(A)).toBe(2);
      expect((await models.listModels(A)).map((m) => [m.version, m.active])).toEqual([[2, true], [1, false]]);
      const active = await models.activeModel(A);
      expect(active?.version).toBe(2);
      expect(Array.from(active!.payload)).toEqual(Array.from(model(2).payload));
      expect(await models.activate(A, 9)).toBe(false);
      expect(await models.activeVersion(A)).toBe(2);
    });

    it('deletes old versions beyond the newest kept, never the active one', async () => {
      for (const v of [1, 2, 3, 4, 5]) await models.saveModel(A, model(v));
      await models.activate(A, 1);
      expect(await models.deleteOldModels(A, 2)).toEqual([3, 2]);
      expect((await models.listModels(A)).map((m) => m.version)).toEqual([5, 4, 1]);
      expect(await models.getModel(A, 2)).toBeUndefined();
      expect((await models.activeModel(A))?.version).toBe(1);
      expect(await models.deleteOldModels(A, 5)).toEqual([]);
    });

    it('keeps workspaces apart', async () => {
      await models.saveModel(A, model(1));
      await models.saveModel(B, model(1, payloadOf(10, 99)));
      await models.activate(B, 1);
      expect(await models.activeVersion(A)).toBeNull();
      expect(Array.from((await models.getModel(A, 1))!.payload)).toEqual(Array.from(model(1).payload));
      expect((await models.getModel(B, 1))?.payloadBytes).toBe(10);
      expect(await models.deleteOldModels(B, 0)).toEqual([]);
      expect(await models.deleteOldModels(A, 0)).toEqual([1]);
      expect(await models.listModels(B)).toHaveLength(1);
      expect(await models.activate(A, 1)).toBe(false);
    });
  });
}
