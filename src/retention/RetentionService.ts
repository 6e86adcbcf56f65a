import type { AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { ChainHead } from '../core/audit/AuditEntry.js';
import type { Clock } from '../core/common/ports.js';
import { hasConsent } from '../core/consent/ConsentState.js';
import { purgesEvents, retentionCutOffs, type RetentionCutOffs, type RetentionPolicy } from '../core/retention/RetentionPolicy.js';
import type { AuditTrail } from '../audit/AuditTrail.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import type { AuditPurge, PrivacyStore, RetentionStore } from '../store/ports.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const isoAll = (cutOffs: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(cutOffs).map(([k, v]) => [k, iso(v)!]));

/** Events read per part of a purge (each part is one short transaction between commit cycles). */
const purgePart = 5000;

/** What a purge removed (a dry run: would remove), per kind, and what it keeps. */
export interface RetentionReport {
  readonly workspaceId: string;
  readonly at: string;
  readonly dryRun: boolean;
  readonly policy: RetentionPolicy;
  readonly cutOffs: {
    readonly events: string | null;
    readonly byEvent: Readonly<Record<string, string>>;
    readonly byType: Readonly<Record<string, string>>;
    readonly withoutAnalytics: string | null;
    readonly decisions: string | null;
    readonly audit: string | null;
  };
  readonly events: {
    readonly removed: number;
    readonly byEvent: Readonly<Record<string, number>>;
    readonly byType: Readonly<Record<string, number>>;
    readonly withoutAnalytics: number;
    readonly oldestKept: string | null;
  };
  readonly decisions: { readonly removed: number; readonly oldestKept: string | null };
  readonly audit: { readonly removed: number; readonly anchor: ChainHead | null; readonly oldestKept: string | null };
  /**
   * Derived state keeps what it derived from the events removed (retained aggregates):
   * profiles, knowledge, segment history, outcome counters and models. `attune rebuild`
   * derives it again from the events kept only. docs/retention.md.
   */
  readonly derivedState: 'retained';
}

export interface RetentionServiceDeps {
  readonly store: { readonly retention: RetentionStore; readonly privacy: Pick<PrivacyStore, 'compact'> };
  readonly models: Pick<KnowledgeModels, 'get'>;
  readonly audit: AuditRecorder & Pick<AuditTrail, 'purge'>;
  /** Writes the decision records waiting for their batch, so a purge sees every one made. */
  readonly flushDecisionRecords: () => Promise<void>;
  readonly clock: Clock;
}

/**
 * Retention, the one path for it (the admin API, the CLI, the schedule in `attune serve`): a
 * workspace's policy (audited) and the purge it drives over the event log, the decision
 * records and the audit trail, with a report of what went. See docs/retention.md.
 */
export class RetentionService {
  /** Purges run one at a time: the schedule and a request never interleave their parts. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RetentionServiceDeps) {}

  /** The workspace's policy (an empty one keeps everything) and when it was last changed (null: never). */
  async policy(workspaceId: string): Promise<{ policy: RetentionPolicy; updatedAt: string | null }> {
    const stored = await this.deps.store.retention.policy(workspaceId);
    return { policy: stored?.policy ?? {}, updatedAt: iso(stored?.updatedAt ?? null) };
  }

  /** Replaces the policy whole (its shape checked by the caller's schema), recorded with its diff. */
  async setPolicy(workspaceId: string, policy: RetentionPolicy): Promise<{ policy: RetentionPolicy; updatedAt: string | null }> {
    const at = this.deps.clock.now();
    const before = await this.deps.store.retention.policy(workspaceId);
    await this.deps.store.retention.setPolicy(workspaceId, policy, at);
    await this.deps.audit.changed({ workspaceId, action: 'retention.updated', target: { kind: 'retention', id: workspaceId }, before: before?.policy, after: policy });
    return { policy, updatedAt: iso(at) };
  }

  /**
   * Applies the workspace's policy now: events, then decision records, then the audit trail
   * (whose purge appends the `retention.purged` entry with this report), then the freed bytes
   * made unrecoverable. `dryRun` reports what would go and changes nothing.
   */
  purge(workspaceId: string, options: { readonly dryRun?: boolean } = {}): Promise<RetentionReport> {
    const run = this.running.then(() => this.purgeNow(workspaceId, options.dryRun === true));
    this.running = run.catch(() => undefined);
    return run;
  }

  private async purgeNow(workspaceId: string, dryRun: boolean): Promise<RetentionReport> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const { policy } = await this.policy(workspaceId);
    const cutOffs = retentionCutOffs(policy, now);
    const events = await this.purgeEvents(workspaceId, cutOffs, dryRun);
    await this.deps.flushDecisionRecords();
    const decisions = cutOffs.decisions === null ? 0 : await store.retention.purgeDecisions(workspaceId, cutOffs.decisions, dryRun);
    const oldest = await store.retention.oldest(workspaceId);
    const partial = {
      workspaceId, at: iso(now)!, dryRun, policy,
      cutOffs: {
        events: iso(cutOffs.events.before), byEvent: isoAll(cutOffs.events.byEvent), byType: isoAll(cutOffs.events.byType),
        withoutAnalytics: iso(cutOffs.withoutAnalytics), decisions: iso(cutOffs.decisions), audit: iso(cutOffs.audit),
      },
      events: { ...events, oldestKept: iso(oldest.event) },
      decisions: { removed: decisions, oldestKept: iso(oldest.decision) },
      derivedState: 'retained' as const,
    };
    const auditPart = (purged: AuditPurge) => ({ removed: purged.removed, anchor: purged.anchor, oldestKept: iso(purged.oldestKept) });
    // The trail records the counts only (event names are the workspace's, never a person's),
    // and only when something went: the anchor then stays the one the last record holds.
    const purged = await this.deps.audit.purge(workspaceId, cutOffs.audit, dryRun, (p) => (events.removed + decisions + p.removed === 0 ? null : {
      events: { removed: events.removed, byEvent: events.byEvent, byType: events.byType, withoutAnalytics: events.withoutAnalytics },
      decisions: { removed: decisions }, audit: { removed: p.removed },
    }));
    if (!dryRun) await store.privacy.compact();
    return { ...partial, audit: auditPart(purged) };
  }

  private async purgeEvents(workspaceId: string, cutOffs: RetentionCutOffs, dryRun: boolean) {
    const byEvent = new Map<string, number>();
    const byType = new Map<string, number>();
    let removed = 0;
    let withoutAnalytics = 0;
    if (purgesEvents(cutOffs)) {
      const analyticsDefault = hasConsent({}, 'analytics', (await this.deps.models.get(workspaceId)).consent);
      for (let afterSeq: number | null = 0; afterSeq !== null;) {
        const part = await this.deps.store.retention.purgeEvents(workspaceId, cutOffs, { analyticsDefault, dryRun, afterSeq, limit: purgePart });
        removed += part.removed;
        withoutAnalytics += part.withoutAnalytics;
        for (const [name, n] of Object.entries(part.byEvent)) byEvent.set(name, (byEvent.get(name) ?? 0) + n);
        for (const [type, n] of Object.entries(part.byType)) byType.set(type, (byType.get(type) ?? 0) + n);
        afterSeq = part.lastSeq;
      }
    }
    return { removed, byEvent: Object.fromEntries(byEvent), byType: Object.fromEntries(byType), withoutAnalytics };
  }
}
