import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CollectObserver } from '../collect/Collector.js';
import { unreadableReasons } from '../core/common/readNumber.js';
import type { DecisionObserver } from '../decide/DecisionService.js';
import { identityChecks } from '../core/identity/identityCheck.js';

/** Prometheus metrics of one server; a registry per instance keeps tests independent. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly collect: CollectObserver;
  readonly decide: DecisionObserver;
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  /** A collect request refused whole (bad key, body too large, malformed JSON, queue full, ...). */
  readonly collectRequestRejected: (reason: string) => void;
  readonly commits: (jobs: number, events: number, millis: number) => void;
  /** Tells the pending-events gauge where to read its value at scrape time. */
  readonly watchPendingEvents: (read: () => number) => void;
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'attune_process_' });
  const accepted = new Counter({ name: 'attune_events_accepted_total', help: 'Events stored in the event log', registers: [registry] });
  const duplicates = new Counter({ name: 'attune_events_duplicate_total', help: 'Events dropped as duplicates of a stored messageId', registers: [registry] });
  const rejected = new Counter({ name: 'attune_events_rejected_total', help: 'Events rejected, by error code and pipeline step', labelNames: ['reason', 'step'], registers: [registry] });
  const merges = new Counter({ name: 'attune_profile_merges_total', help: 'Profiles merged by identity resolution', registers: [registry] });
  const mergesSkipped = new Counter({ name: 'attune_profile_merges_skipped_total', help: 'Merges not done, by reason', labelNames: ['reason'], registers: [registry] });
  const commitEvents = new Histogram({
    name: 'attune_commit_events', help: 'Events per group commit', buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000], registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: 'attune_commit_seconds', help: 'Duration of a group commit', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25], registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'attune_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const requestsRejected = new Counter({
    name: 'attune_collect_requests_rejected_total',
    help: 'Collect requests refused whole, by error code (their events are not counted as events)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const placementsDecided = new Counter({ name: 'attune_placements_decided_total', help: 'Placements decided (each placement of a decide call counts once)', registers: [registry] });
  const fallbacks = new Counter({ name: 'attune_decision_fallbacks_total', help: 'Placements answered with their default content, by reason', labelNames: ['reason'], registers: [registry] });
  // Labelled by reason only (three values): paths and workspaces would make the series unbounded.
  const unreadableNumbers = new Counter({
    name: 'attune_unreadable_numbers_total',
    help: 'Numeric event values that features or metrics could not read (one per event and property path), by reason; never taken as 0',
    labelNames: ['reason'],
    registers: [registry],
  });
  // At 0 from the start: a dashboard or alert finds the series before the first bad value.
  for (const reason of unreadableReasons) unreadableNumbers.inc({ reason }, 0);
  const identities = new Counter({
    name: 'attune_decide_identity_total',
    help: 'Decide calls by how their userId was taken (unverified: a userId without a valid userHash, decided as anonymous)',
    labelNames: ['identity'],
    registers: [registry],
  });
  // Every series from the start, so that a rate of unverified ids reads 0 rather than nothing.
  for (const identity of identityChecks) identities.inc({ identity }, 0);
  const recordFailures = new Counter({ name: 'attune_decision_record_failures_total', help: 'Decision records that could not be written (the decisions were still answered)', registers: [registry] });
  let readPending: () => number = () => 0;
  new Gauge({
    name: 'attune_commit_pending_events',
    help: 'Events waiting for the next group commit',
    registers: [registry],
    collect() {
      this.set(readPending());
    },
  });
  return {
    registry,
    requestSeconds,
    collectRequestRejected: (reason) => requestsRejected.inc({ reason }),
    watchPendingEvents: (read) => {
      readPending = read;
    },
    commits: (_jobs, events, millis) => {
      commitEvents.observe(events);
      commitSeconds.observe(millis / 1000);
    },
    decide: {
      decided: (n, reasons) => {
        placementsDecided.inc(n);
        for (const [reason, count] of Object.entries(reasons)) fallbacks.inc({ reason }, count);
      },
      recordFailed: () => recordFailures.inc(),
      identity: (check) => identities.inc({ identity: check }),
    },
    collect: {
      accepted: (n) => accepted.inc(n),
      duplicate: (n) => duplicates.inc(n),
      rejected: (reason, step) => rejected.inc({ reason, step }),
      merged: (n, skipped) => {
        if (n > 0) merges.inc(n);
        for (const [reason, count] of Object.entries(skipped)) mergesSkipped.inc({ reason }, count);
      },
      unreadableNumbers: (byReason) => {
        for (const [reason, count] of Object.entries(byReason)) unreadableNumbers.inc({ reason }, count);
      },
    },
  };
}
