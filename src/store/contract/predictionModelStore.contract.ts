import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;

/**
 * The contract of the prediction models kept with a workspace's knowledge configuration
 * (KnowledgeConfigStore.savePredictionModel and its readers): one suite every adapter passes.
 *
 * @example describePredictionModelStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describePredictionModelStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: prediction model store contract`, () => {
    let store: ContractStore;
    beforeEach(async () => { store = await openContractStore(open); });
    afterEach(async () => { await store.close(); });
    const config = () => store.engine.knowledgeConfig;

    it('keeps the newest versions per workspace, reads the newest, and bumps the config version with each save', async () => {
      expect(await config().predictionModel(A)).toBeUndefined();
      expect(await config().predictionModelVersions(A)).toEqual([]);
      for (const version of [1, 2, 3]) {
        const before = await config().configVersion(A);
        await config().savePredictionModel(A, { version, createdAt: 1000 * version, json: `{"version":${version}}` }, 2);
        expect(await config().configVersion(A)).toBeGreaterThan(before);
      }
      expect(await config().predictionModel(A)).toEqual({ version: 3, createdAt: 3000, json: '{"version":3}' });
      expect(await config().predictionModelVersions(A)).toEqual([{ version: 3, createdAt: 3000 }, { version: 2, createdAt: 2000 }]);
      expect(await config().predictionModel(B)).toBeUndefined();
    });

    it('rejects a version the workspace has already, and keeps the stored one', async () => {
      await config().savePredictionModel(A, { version: 1, createdAt: 1, json: '{"a":1}' }, 5);
      await expect(config().savePredictionModel(A, { version: 1, createdAt: 2, json: '{"a":2}' }, 5)).rejects.toThrow();
      expect((await config().predictionModel(A))?.json).toBe('{"a":1}');
      await config().savePredictionModel(B, { version: 1, createdAt: 2, json: '{"b":1}' }, 5);
      expect((await config().predictionModel(B))?.json).toBe('{"b":1}');
    });
  });
}
