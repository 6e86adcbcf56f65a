import { createHash } from 'node:crypto';
import type { UnreadableNumber } from '../core/common/readNumber.js';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import { mergeProfileState } from '../core/identity/mergeProfileState.js';
import { planIdentity, type IdentityPlan } from '../core/identity/planIdentity.js';
import { applyTraits } from '../core/identity/traits.js';
import type { IdentityKey, IdentitySettings } from '../core/identity/types.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { ItemEvent } from '../core/recommend/history/itemHistory.js';
import { applyEventKnowledge, mergeKnowledge } from '../core/knowledge/KnowledgeState.js';
import type { CollectTx } from './CollectTx.js';

/** What a workspace brings to the commit of its events. */
export interface WorkspaceContext {
  readonly id: string;
  readonly identity: IdentitySettings;
  readonly model: KnowledgeModel;
}

/** What became of one valid event in the commit. */
export type CommitOutcome =
  | {
    readonly kind: 'accepted'; readonly seq: number; readonly profileId: string; readonly mergedProfileId: string | null; readonly mergeSkipped: string | null;
    /** Numeric values of the event that features or metrics could not read (counted, never taken as 0). */
    readonly unreadable: readonly UnreadableNumber[];
  }
  | { readonly kind: 'duplicate'; readonly messageId: string };

/**
 * A profile's id from the identity that created it: a replay of the log names every
 * profile the same way, so a rebuild gives identical results.
 */
export function profileIdFor(workspaceId: string, key: IdentityKey): string {
  return `p_${createHash('sha256').update(`${workspaceId}\u0000${key.kind}\u0000${key.value}`).digest('hex').slice(0, 32)}`;
}

/**
 * The stateful half of collection, run inside a group commit: de-duplicate, then resolve
 * and update the profile, then append. The duplicate check comes first so that a retried
 * event changes nothing.
 */
export function applyEvent(tx: CollectTx, workspace: WorkspaceContext, event: CollectedEvent): CommitOutcome {
  if (tx.hasMessage(workspace.id, event.messageId)) return { kind: 'duplicate', messageId: event.messageId };
  const { plan, unreadable, items } = updateProfile(tx, workspace, event);
  const seq = tx.appendEvent(workspace.id, plan.profileId, event);
  if (items !== null) tx.itemEventApplied(workspace.id, { seq, profileId: plan.profileId, receivedAt: event.receivedAt, event: items });
  return { kind: 'accepted', seq, profileId: plan.profileId, mergedProfileId: plan.merge, mergeSkipped: plan.skipped, unreadable };
}

/** What a replayed event did: for a rebuild's summary. */
export interface ReplayOutcome {
  readonly profileId: string;
  readonly created: boolean;
  readonly merged: boolean;
}

/** A rebuild's step: the same profile work as collection, for an event already in the log. */
export function replayEvent(tx: CollectTx, workspace: WorkspaceContext, event: CollectedEvent, stored: { seq: number; profileId: string }): ReplayOutcome {
  const { plan, items } = updateProfile(tx, workspace, event);
  if (plan.profileId !== stored.profileId) tx.setEventProfile(workspace.id, stored.seq, plan.profileId);
  if (items !== null) tx.itemEventApplied(workspace.id, { seq: stored.seq, profileId: plan.profileId, receivedAt: event.receivedAt, event: items });
  return { profileId: plan.profileId, created: plan.create, merged: plan.merge !== null };
}

/**
 * Identity (planned by the pure core, carried out here), merge, traits, counters, then what
 * Attune knows of the profile (features, session, consent, segments), in the event's commit.
 */
function updateProfile(tx: CollectTx, workspace: WorkspaceContext, event: CollectedEvent): { plan: IdentityPlan; unreadable: readonly UnreadableNumber[]; items: ItemEvent | null } {
  const ws = workspace.id;
  const plan = planIdentity(event, (key) => tx.findProfile(ws, key), workspace.identity, (primary) => profileIdFor(ws, primary));
  if (plan.create) tx.createProfile(ws, plan.profileId, event.timestamp);
  for (const key of plan.link) tx.linkIdentity(ws, key, plan.profileId, event.receivedAt);
  if (plan.merge !== null) {
    const survivor = tx.loadProfileState(ws, plan.profileId);
    const absorbed = tx.loadProfileState(ws, plan.merge);
    const merged = mergeProfileState(survivor, absorbed, workspace.identity.traitMerge);
    const survivorKnowledge = tx.loadKnowledge(ws, plan.profileId);
    const absorbedKnowledge = tx.loadKnowledge(ws, plan.merge);
    tx.absorbProfile(ws, merged, plan.merge, event.receivedAt);
    const facts = { id: merged.id, traits: merged.traits.values, firstSeen: merged.firstSeen, lastSeen: merged.lastSeen };
    const { state, segments } = mergeKnowledge(survivorKnowledge, absorbedKnowledge, facts, workspace.model, event.timestamp);
    tx.saveKnowledge(ws, plan.profileId, state);
    tx.recordSegmentChanges(ws, plan.profileId, segments);
  }
  let traitsChanged = false;
  if (event.type === 'identify' && event.traits !== null) {
    const state = tx.loadProfileState(ws, plan.profileId);
    const traits = applyTraits(state.traits, event.traits, event.timestamp);
    traitsChanged = traits !== state.traits;
    if (traitsChanged) tx.writeTraits(ws, plan.profileId, traits);
  }
  tx.touchProfile(ws, plan.profileId, event.type, event.timestamp);

  const knowledge = tx.loadKnowledge(ws, plan.profileId);
  const update = applyEventKnowledge(knowledge, { ...event, traitsChanged }, tx.knowledgeFacts(ws, plan.profileId), workspace.model);
  tx.saveKnowledge(ws, plan.profileId, knowledge);
  if (update.segments.length > 0) tx.recordSegmentChanges(ws, plan.profileId, update.segments);
  if (update.consent.length > 0) tx.recordConsentChanges(ws, plan.profileId, update.consent);
  if (update.interaction !== null) tx.countOutcome(ws, update.interaction);
  if (update.experiments.length > 0) tx.updateExperimentStats(ws, update.experiments, event.timestamp);
  if (update.items !== null) tx.itemModels(ws)?.apply(update.items.event, update.items.sessionBefore);
  return { plan, unreadable: update.unreadable, items: update.items?.event ?? null };
}
