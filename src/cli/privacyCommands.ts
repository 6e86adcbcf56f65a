import type { AttuneConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import { readPersonRef, type PersonRequest } from '../core/privacy/PersonRef.js';
import { createEngine } from '../engine/createEngine.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { systemClock, uuidIds } from './systemClock.js';

export type PrivacyCommandAction = 'export' | 'erase' | 'suppress' | 'unsuppress';

export interface PrivacyCommandOptions {
  readonly workspace?: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly profileId?: string;
}

const flags: Readonly<Record<keyof PersonRequest, string>> = { userId: '--user-id', anonymousId: '--anonymous-id', profileId: '--profile-id' };

/**
 * `attune privacy export|erase|suppress|unsuppress`: the engine's PrivacyService, as behind
 * the admin API, for one person named by exactly one of --user-id, --anonymous-id or
 * --profile-id. It takes the data folder (an erasure changes derived state, and the
 * suppression list is read by the server's collection), and prints the JSON document the API
 * answers with: the export, the receipt, or the suppression change.
 */
export async function privacyCommand(config: AttuneConfig, action: PrivacyCommandAction, options: PrivacyCommandOptions): Promise<void> {
  const person = readPersonRef({
    ...(options.userId === undefined ? {} : { userId: options.userId }),
    ...(options.anonymousId === undefined ? {} : { anonymousId: options.anonymousId }),
    ...(options.profileId === undefined ? {} : { profileId: options.profileId }),
  }, (field) => flags[field]);
  const store = openStore(config, `privacy ${action}`);
  try {
    await store.recovered;
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    // The audit trail records the command line's caller (main.ts runs every command as it).
    const privacy = engine.privacy;
    const result = action === 'export' ? await privacy.export(workspace.id, person)
      : action === 'erase' ? await privacy.erase(workspace.id, person)
        : action === 'suppress' ? await privacy.suppress(workspace.id, person)
          : await privacy.unsuppress(workspace.id, person);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await store.close();
  }
}
