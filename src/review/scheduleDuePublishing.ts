import type { ReviewService } from './ReviewService.js';

export type DuePublishingReport = Awaited<ReturnType<ReviewService['publishDue']>>;

/**
 * Publishes the scheduled drafts that are due, every `intervalMs` (one round at a time, the
 * next scheduled when the last has finished), until the returned stop function is called. The
 * round reads the service's clock, so a test drives it with `publishDue` and a fixed clock.
 */
export function scheduleDuePublishing(review: Pick<ReviewService, 'publishDue'>, intervalMs: number, onDone: (report: DuePublishingReport | Error) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const run = () => {
    review.publishDue().then(onDone, (error: unknown) => onDone(error instanceof Error ? error : new Error(String(error)))).finally(() => {
      if (!stopped) timer = setTimeout(run, intervalMs).unref();
    });
  };
  // unref: a pending round never keeps the process alive by itself.
  timer = setTimeout(run, intervalMs).unref();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}
