import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { dayPeriod, type DayPeriodInput } from '../core/quality/dayPeriod.js';
import { qualityReport, type Bucket, type QualityReport } from '../core/quality/qualityReport.js';
import type { TrafficSeries } from '../core/quality/minuteTraffic.js';
import { checkTrackingPlan, type TrackingPlan } from '../core/quality/TrackingPlan.js';
import type { KnowledgeReader, QualityStore, WorkspaceStore } from '../store/ports.js';
import type { QualityCounters } from './QualityCounters.js';

/** The report's period (whole UTC days, both ends included) and its buckets. */
export interface QualityPeriod extends DayPeriodInput {
  readonly bucket?: Bucket;
}

/**
 * Data quality per workspace: the report (the log, the merge history and the collect-path
 * counters over a period, against the tracking plan) and the tracking plan itself, which
 * changes only here (one path per change: the admin API and the CLI call this).
 */
export class QualityService {
  private readonly audit: AuditRecorder;

  /** `audit`: where each change of the tracking plan is recorded with its diff (the engine's audit trail). */
  constructor(private readonly deps: {
    store: { quality: QualityStore; knowledge: Pick<KnowledgeReader, 'dataQuality'>; workspaces: Pick<WorkspaceStore, 'getWorkspace'> };
    counters: Pick<QualityCounters, 'flush' | 'traffic'>;
    clock: Clock;
    audit?: AuditRecorder;
  }) {
    this.audit = deps.audit ?? unrecorded;
  }

  async report(workspaceId: string, period: QualityPeriod = {}): Promise<QualityReport> {
    const { fromDay, toDay, since, until } = dayPeriod(period, this.deps.clock.now(), 7, 366);
    // The counts waiting in memory belong to the report too.
    await this.deps.counters.flush();
    const { quality } = this.deps.store;
    const workspace = await this.deps.store.workspaces.getWorkspace(workspaceId);
    const maxMergedProfiles = workspace?.identity.maxMergedProfiles ?? 0;
    const [volume, counters, merges, identity, unreadableAllTime, plan] = [
      await quality.volume(workspaceId, since, until),
      await quality.counters(workspaceId, fromDay, toDay + 1),
      await quality.merges(workspaceId, since, until),
      await quality.identityHealth(workspaceId, maxMergedProfiles),
      await this.deps.store.knowledge.dataQuality(workspaceId),
      await quality.trackingPlan(workspaceId),
    ];
    return qualityReport({
      since, until, bucket: period.bucket ?? 'day', volume, counters, merges,
      identity: { ...identity, maxMergedProfiles }, unreadableAllTime, plan: plan?.plan ?? null,
    });
  }

  /** Events per minute and source over the last `minutes` (1 to 60, default 60), from the collect path's memory. */
  traffic(workspaceId: string, minutes?: number): TrafficSeries {
    return this.deps.counters.traffic(workspaceId, this.deps.clock.now(), minutes);
  }

  async trackingPlan(workspaceId: string): Promise<{ plan: TrackingPlan; updatedAt: number } | null> {
    return this.deps.store.quality.trackingPlan(workspaceId);
  }

  /** Checks the plan (names once each; the schema was checked by the caller), then saves it whole. */
  async setTrackingPlan(workspaceId: string, plan: TrackingPlan): Promise<{ plan: TrackingPlan; updatedAt: number }> {
    const problems = checkTrackingPlan(plan);
    if (problems.length > 0) {
      const first = problems[0]!;
      throw new AttuneError('ATTUNE_TRACKING_PLAN_INVALID', {
        ...(first.field === undefined ? {} : { field: first.field }),
        detail: first.message,
        errors: problems.map((p) => ({ code: 'ATTUNE_TRACKING_PLAN_INVALID' as const, ...p })),
      });
    }
    const at = this.deps.clock.now();
    const before = await this.deps.store.quality.trackingPlan(workspaceId);
    await this.deps.store.quality.setTrackingPlan(workspaceId, plan, at);
    await this.audit.changed({ workspaceId, action: 'trackingPlan.updated', target: { kind: 'trackingPlan', id: workspaceId }, before: before?.plan, after: plan });
    return { plan, updatedAt: at };
  }

  /** Removes the plan; gives whether there was one. */
  async deleteTrackingPlan(workspaceId: string): Promise<boolean> {
    const before = await this.deps.store.quality.trackingPlan(workspaceId);
    if (before === null) return false;
    await this.deps.store.quality.setTrackingPlan(workspaceId, null, this.deps.clock.now());
    await this.audit.changed({ workspaceId, action: 'trackingPlan.deleted', target: { kind: 'trackingPlan', id: workspaceId }, before: before.plan });
    return true;
  }
}
