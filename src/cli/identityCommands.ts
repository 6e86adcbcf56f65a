import type { AttuneConfig } from '../config/config.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { configWorkspaces, openConfigStore } from './openStore.js';

export type IdentityAction = 'show' | 'enable' | 'disable' | 'rotate-secret';

/**
 * `attune identity show|enable|disable|rotate-secret`: the workspace's identity verification
 * through the same service as the admin API. A secret is printed only by the command that
 * makes it (rotate-secret, or enable in a workspace that has none).
 */
export async function identityCommand(config: AttuneConfig, action: IdentityAction, options: { workspace?: string; json: boolean }): Promise<void> {
  const store = openConfigStore(config);
  try {
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    const service = configWorkspaces(store);
    let secret: string | undefined;
    if (action === 'rotate-secret') secret = (await service.rotateIdentitySecret(workspace.id)).secret;
    else if (action !== 'show') secret = (await service.setIdentityVerification(workspace.id, action === 'enable')).secret;
    const state = await service.identityVerification(workspace.id);
    const view = {
      workspace: workspace.id, enabled: state.enabled, secretCreatedAt: state.secretCreatedAt === null ? null : new Date(state.secretCreatedAt).toISOString(),
      ...(secret === undefined ? {} : { secret }),
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(view)}\n`);
      return;
    }
    process.stdout.write(`Identity verification of ${view.workspace}: ${view.enabled ? 'on (user ids sent with the write key need their userHash)' : 'off (user ids are taken as given)'}\n`);
    process.stdout.write(view.secretCreatedAt === null ? '  no identity secret yet (attune identity enable makes one)\n' : `  identity secret made ${view.secretCreatedAt}\n`);
    if (view.secret !== undefined) {
      process.stdout.write(`  identity secret (sign user ids, keep safe): ${view.secret}\n`);
      process.stdout.write('The secret is shown only now; hashes made with an earlier one no longer match.\n');
    }
  } finally {
    await store.close();
  }
}
