import type { Clock } from '../core/common/ports.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { WorkspaceStore } from '../store/ports.js';
import type { LiveStore } from '../profiles/LiveStore.js';
import type { KnowledgeModels } from './KnowledgeModels.js';
import { reevaluateProfiles } from './reevaluateProfiles.js';

export interface SweepDeps {
  readonly store: Pick<LiveStore, 'committer' | 'profileIds' | 'flushState'>;
  readonly workspaces: Pick<WorkspaceStore, 'listWorkspaces'>;
  readonly models: KnowledgeModels;
  readonly clock: Clock;
}

export interface SweepReport {
  readonly workspaces: number;
  readonly profiles: number;
  readonly entered: number;
  readonly left: number;
}

/** Stored segments whose membership can change with time alone (windows, sessions, days since). */
export function hasTimeDependentSegments(model: KnowledgeModel): boolean {
  return [...model.segments.dynamic].some((id) => !model.segments.contextual.has(id));
}

/**
 * Re-evaluates, at the clock's now, the stored segments of every profile of every workspace
 * that has time-dependent ones. Events keep memberships right as they arrive and reads are
 * always right; this keeps the stored sizes, member lists and exit records right for profiles
 * that have no events (a 7-day segment empties on the eighth day without anyone visiting).
 */
export async function sweepSegments(deps: SweepDeps): Promise<SweepReport> {
  const totals = { workspaces: 0, profiles: 0, entered: 0, left: 0 };
  for (const workspace of await deps.workspaces.listWorkspaces()) {
    const model = await deps.models.get(workspace.id);
    if (!hasTimeDependentSegments(model)) continue;
    const report = await reevaluateProfiles(deps.store, workspace.id, { model, now: deps.clock.now() });
    totals.workspaces += 1;
    totals.profiles += report.profiles;
    totals.entered += report.entered;
    totals.left += report.left;
  }
  return totals;
}

/**
 * Runs `sweepSegments` every `intervalMs` (one sweep at a time, the next one scheduled when
 * the last has finished) until the returned stop function is called.
 */
export function scheduleSegmentSweeps(deps: SweepDeps, intervalMs: number, onDone: (report: SweepReport | Error) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const run = () => {
    sweepSegments(deps).then(onDone, (error: unknown) => onDone(error instanceof Error ? error : new Error(String(error)))).finally(() => {
      if (!stopped) timer = setTimeout(run, intervalMs).unref();
    });
  };
  // unref: a pending sweep never keeps the process alive by itself.
  timer = setTimeout(run, intervalMs).unref();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}
