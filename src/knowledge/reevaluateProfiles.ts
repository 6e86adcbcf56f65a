import { AttuneError } from '../core/errors/AttuneError.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { forgetPersonalState, personalizes, ruleInputFor, type KnowledgeState } from '../core/knowledge/KnowledgeState.js';
import type { MembershipChange } from '../core/segments/compileSegments.js';
import type { CollectCommitter, CollectTx, Preload } from '../profiles/CollectTx.js';
import type { LiveStore } from '../profiles/LiveStore.js';

/** What a configuration change asks of every existing profile. */
export interface Reevaluation {
  /** The workspace's model after the change. */
  readonly model: KnowledgeModel;
  /** The time of the change: entries and exits are recorded at it, and reset features restart from it. */
  readonly now: number;
  /** Features whose definition changed or went away: their state is dropped. */
  readonly resetFeatures?: readonly string[];
  /** Segments (re)created: a membership left from an earlier segment of the same id is forgotten first. */
  readonly newSegments?: readonly string[];
}

export interface ReevaluationReport {
  readonly profiles: number;
  readonly entered: number;
  readonly left: number;
}

/** Profiles per commit job: large enough to be quick, small enough not to hold up ingestion. */
export const reevaluationChunk = 500;

const omit = <T>(record: Readonly<Record<string, T>>, keys: readonly string[]): Record<string, T> =>
  Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));

/**
 * Re-evaluates every segment of every live profile of a workspace at `now`, after resetting
 * the given features, and saves the states and the entries and exits. It walks the profiles
 * in id order, `chunk` at a time, each chunk one job of the group committer: so it
 * serialises with ingestion (an event is applied either before or after a profile's
 * re-evaluation, never in the middle) and ingestion keeps flowing between chunks. Each chunk's
 * state is written before the next (`flushState`): the log holds no record of a re-evaluation,
 * so recovery after a crash could not redo it.
 */
export async function reevaluateProfiles(store: Pick<LiveStore, 'committer' | 'profileIds' | 'flushState'>, workspaceId: string, change: Reevaluation, chunk = reevaluationChunk): Promise<ReevaluationReport> {
  const totals = { profiles: 0, entered: 0, left: 0 };
  // A request that read the model before the change submits its job within the current turn
  // of the event loop; waiting one turn queues that job ahead of this one, so that an event
  // applied with the old model cannot undo a profile's re-evaluation.
  await new Promise((resolve) => setImmediate(resolve));
  let after = '';
  for (;;) {
    const ids = await store.profileIds(workspaceId, after, chunk);
    const done = await submitPatiently(store.committer, (tx) => {
      for (const id of ids) {
        if (!tx.hasProfile(workspaceId, id)) continue;
        const changes = reevaluateProfile(tx, workspaceId, id, change);
        totals.profiles += 1;
        for (const c of changes) totals[c.kind === 'enter' ? 'entered' : 'left'] += 1;
      }
      return ids;
    }, { workspaceId, profileIds: ids });
    // A re-evaluation has no event in the log: it is durable only once its state is written.
    await store.flushState();
    if (done.length < chunk) return totals;
    after = done[done.length - 1]!;
  }
}

function holdsPersonalState(state: KnowledgeState): boolean {
  return Object.keys(state.f).length > 0 || Object.keys(state.m).length > 0 || state.o !== undefined || state.r !== undefined || state.h !== undefined;
}

function reevaluateProfile(tx: CollectTx, workspaceId: string, profileId: string, change: Reevaluation): MembershipChange[] {
  const { model, now } = change;
  const profile = tx.loadProfileState(workspaceId, profileId);
  const stored = tx.loadKnowledge(workspaceId, profileId);
  const state: KnowledgeState = {
    ...stored,
    f: omit(stored.f, change.resetFeatures ?? []),
    m: omit(stored.m, change.newSegments ?? []),
  };
  const facts = { id: profile.id, traits: profile.traits.values, firstSeen: profile.firstSeen, lastSeen: profile.lastSeen };
  // Without consent to personalise a person is in no segment, whatever the rules now say; one
  // who no longer consents (the workspace's defaults changed) loses what is personal now.
  if (!personalizes(state, model)) {
    if (!holdsPersonalState(state)) return [];
    const leaves = forgetPersonalState(state, model, now);
    tx.saveKnowledge(workspaceId, profileId, state);
    if (leaves.length > 0) tx.recordSegmentChanges(workspaceId, profileId, leaves);
    return leaves;
  }
  const { memberships, changes } = model.segments.update(state.m, ruleInputFor(state, facts, model, now), 'all', now);
  // update() drops, without a change, the memberships of segments that are no longer stored
  // (a rule that now reads the context): their member rows must go too, so record the exit.
  const recorded = new Set(changes.map((c) => c.segment));
  for (const id of Object.keys(state.m)) {
    if (!Object.hasOwn(memberships, id) && !recorded.has(id) && model.segments.get(id) !== undefined) changes.push({ segment: id, kind: 'leave', at: now });
  }
  state.m = memberships;
  state.e = now;
  tx.saveKnowledge(workspaceId, profileId, state);
  if (changes.length > 0) tx.recordSegmentChanges(workspaceId, profileId, changes);
  return changes;
}

/**
 * Submits a job that counts no events. The committer refuses jobs only while the queue is
 * over its limit (ingestion's backpressure); an administrative job waits for it to drain.
 */
export async function submitPatiently<R>(committer: CollectCommitter, job: (tx: CollectTx) => R, preload: Preload): Promise<R> {
  for (;;) {
    try {
      return await committer.submit(0, job, preload);
    } catch (error) {
      if (!(error instanceof AttuneError) || error.code !== 'ATTUNE_QUEUE_FULL') throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
