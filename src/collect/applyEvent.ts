import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import { mergeProfileState } from '../core/identity/mergeProfileState.js';
import { planIdentity } from '../core/identity/planIdentity.js';
import { applyTraits } from '../core/identity/traits.js';
import type { IdentitySettings } from '../core/identity/types.js';
import type { CollectTx } from '../store/ports.js';

/** What became of one valid event in the commit. */
export type CommitOutcome =
  | { readonly kind: 'accepted'; readonly seq: number; readonly profileId: string; readonly mergedProfileId: string | null; readonly mergeSkipped: string | null }
  | { readonly kind: 'duplicate'; readonly messageId: string };

/**
 * The stateful half of collection, run inside a group commit: de-duplicate, resolve the
 * identity (planned by the pure core, carried out here), update the profile, append.
 * Order matters: the duplicate check comes first so that a retried event changes nothing.
 */
export function applyEvent(
  tx: CollectTx,
  workspaceId: string,
  settings: IdentitySettings,
  event: CollectedEvent,
  newProfileId: () => string,
): CommitOutcome {
  if (tx.hasMessage(workspaceId, event.messageId)) return { kind: 'duplicate', messageId: event.messageId };

  const plan = planIdentity(event, (key) => tx.findProfile(workspaceId, key), settings, newProfileId);
  if (plan.create) tx.createProfile(workspaceId, plan.profileId, event.timestamp);
  for (const key of plan.link) tx.linkIdentity(workspaceId, key, plan.profileId, event.receivedAt);
  if (plan.merge !== null) {
    const merged = mergeProfileState(tx.loadProfileState(workspaceId, plan.profileId), tx.loadProfileState(workspaceId, plan.merge), settings.traitMerge);
    tx.absorbProfile(workspaceId, merged, plan.merge, event.receivedAt);
  }
  if (event.type === 'identify' && event.traits !== null) {
    const state = tx.loadProfileState(workspaceId, plan.profileId);
    const traits = applyTraits(state.traits, event.traits, event.timestamp);
    if (traits !== state.traits) tx.writeTraits(workspaceId, plan.profileId, traits);
  }
  tx.touchProfile(workspaceId, plan.profileId, event.type, event.timestamp);
  const seq = tx.appendEvent(workspaceId, plan.profileId, event);
  return { kind: 'accepted', seq, profileId: plan.profileId, mergedProfileId: plan.merge, mergeSkipped: plan.skipped };
}
