import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConsentSettings, type ConsentSettings } from '../../core/consent/ConsentState.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;

const optIn: ConsentSettings = { ...defaultConsentSettings, defaults: { ...defaultConsentSettings.defaults, personalization: false } };

/**
 * The contract of a workspace's consent settings (KnowledgeConfigStore.consentSettings and
 * setConsentSettings): one suite every adapter passes.
 *
 * @example describeConsentSettingsStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeConsentSettingsStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: consent settings store contract`, () => {
    let store: ContractStore;
    beforeEach(async () => { store = await openContractStore(open); });
    afterEach(async () => { await store.close(); });
    const config = () => store.engine.knowledgeConfig;

    it('keeps the settings per workspace, bumps the config version with each save, and goes back to none', async () => {
      expect(await config().consentSettings(A)).toBeNull();
      const v0 = await config().configVersion(A);
      await config().setConsentSettings(A, optIn);
      expect(await config().consentSettings(A)).toEqual(optIn);
      expect(await config().consentSettings(B)).toBeNull();
      const v1 = await config().configVersion(A);
      expect(v1).toBeGreaterThan(v0);
      await config().setConsentSettings(A, null);
      expect(await config().consentSettings(A)).toBeNull();
      expect(await config().configVersion(A)).toBeGreaterThan(v1);
    });
  });
}
