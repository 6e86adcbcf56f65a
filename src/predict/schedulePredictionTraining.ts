import type { PredictionService } from './PredictionService.js';

export interface PredictionScheduleDeps {
  /** The workspaces' ids, read afresh at every round (workspaces come and go). */
  readonly workspaceIds: () => Promise<readonly string[]>;
  readonly predictions: Pick<PredictionService, 'retrain'>;
}

export interface PredictionScheduleReport {
  readonly retrained: readonly { readonly workspaceId: string; readonly version: number }[];
  readonly failed: readonly { readonly workspaceId: string; readonly error: Error }[];
}

/**
 * Retrains, every `intervalMs`, the prediction model of each workspace that has one (a workspace
 * opts in by training once, through the admin API or the CLI), with what its model in
 * force was trained with (horizon, segments, chosen inputs), so scores follow new customers and new behaviour without anyone asking. Workspaces
 * are retrained one after another: a training reads every profile through the write path, and
 * one at a time keeps ingestion flowing. A failure is reported and the next workspace goes on.
 * Returns the function that stops the schedule.
 */
export function schedulePredictionTraining(deps: PredictionScheduleDeps, intervalMs: number, onDone: (report: PredictionScheduleReport | Error) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const round = async (): Promise<PredictionScheduleReport> => {
    const retrained: { workspaceId: string; version: number }[] = [];
    const failed: { workspaceId: string; error: Error }[] = [];
    for (const workspaceId of await deps.workspaceIds()) {
      if (stopped) break;
      try {
        const model = await deps.predictions.retrain(workspaceId);
        if (model !== null) retrained.push({ workspaceId, version: model.version });
      } catch (error) {
        failed.push({ workspaceId, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return { retrained, failed };
  };
  const run = () => {
    round().then(onDone, (error: unknown) => onDone(error instanceof Error ? error : new Error(String(error)))).finally(() => {
      if (!stopped) timer = setTimeout(run, intervalMs).unref();
    });
  };
  // unref: a pending retraining never keeps the process alive by itself.
  timer = setTimeout(run, intervalMs).unref();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}
