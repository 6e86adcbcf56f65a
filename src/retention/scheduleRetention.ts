import type { RetentionReport, RetentionService } from './RetentionService.js';

export interface RetentionScheduleDeps {
  /** The workspaces' ids, read afresh at every round (workspaces come and go). */
  readonly workspaceIds: () => Promise<readonly string[]>;
  readonly retention: Pick<RetentionService, 'purge'>;
}

export interface RetentionScheduleReport {
  readonly purged: readonly RetentionReport[];
  readonly failed: readonly { readonly workspaceId: string; readonly error: Error }[];
}

/** How the schedule waits: `setTimeout` in `attune serve`, a hand-driven timer in tests. */
export interface ScheduleTimer {
  set(run: () => void, millis: number): { unref(): unknown };
  clear(handle: { unref(): unknown }): void;
}

const nodeTimer: ScheduleTimer = {
  set: (run, millis) => setTimeout(run, millis),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Purges every workspace by its retention policy every `intervalMs` (`attune serve`, daily by
 * default): one workspace after another, each purge in parts between commit cycles, so
 * collection keeps flowing. The instants the policies are measured from come from the
 * service's clock. A failure is reported and the next workspace goes on. Returns the function
 * that stops the schedule.
 */
export function scheduleRetention(
  deps: RetentionScheduleDeps, intervalMs: number, onDone: (report: RetentionScheduleReport | Error) => void, timer: ScheduleTimer = nodeTimer,
): () => void {
  let handle: { unref(): unknown } | null = null;
  let stopped = false;
  const round = async (): Promise<RetentionScheduleReport> => {
    const purged: RetentionReport[] = [];
    const failed: { workspaceId: string; error: Error }[] = [];
    for (const workspaceId of await deps.workspaceIds()) {
      if (stopped) break;
      try {
        purged.push(await deps.retention.purge(workspaceId));
      } catch (error) {
        failed.push({ workspaceId, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return { purged, failed };
  };
  const run = () => {
    round().then(onDone, (error: unknown) => onDone(error instanceof Error ? error : new Error(String(error)))).finally(() => {
      if (!stopped) handle = timer.set(run, intervalMs);
      handle?.unref();
    });
  };
  // unref: a pending purge never keeps the process alive by itself.
  handle = timer.set(run, intervalMs);
  handle.unref();
  return () => {
    stopped = true;
    if (handle !== null) timer.clear(handle);
  };
}
