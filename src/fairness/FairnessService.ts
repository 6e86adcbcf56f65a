import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { controlArmOf } from '../core/experiments/ExperimentDefinition.js';
import { disparityReport, type DisparityReport, type GroupCounts } from '../core/fairness/disparityReport.js';
import { resolveFairnessSettings, type FairnessSettings, type ResolvedFairnessSettings } from '../core/fairness/FairnessSettings.js';
import { parseGroupBy } from '../core/fairness/groupBy.js';
import { dayPeriod, type DayPeriodInput } from '../core/quality/dayPeriod.js';
import type { DecisionConfigStore, ExperimentGroupRow, ExperimentStore, FairnessStore, KnowledgeConfigStore, PlacementGroupRow } from '../store/ports.js';

export interface FairnessQuery extends DayPeriodInput {
  /** A placement's id, or... */
  readonly placement?: string;
  /** ...an experiment's id: exactly one of the two. */
  readonly experiment?: string;
  /** A placement's report counts exposure to this action only (default: any action, not the default content). */
  readonly action?: string;
  /** An experiment's outcome metric (default its primary metric). */
  readonly metric?: string;
  /** `traits.<name>` or `segment:<id>`. */
  readonly by: string;
  /** The reference group (default the best group of each measure). */
  readonly reference?: string;
}

/** At most this many groups are compared (the largest); the others are counted as omitted. */
const MAX_GROUPS = 50;

export interface FairnessReport extends DisparityReport {
  readonly subject: { readonly kind: 'placement'; readonly id: string; readonly action: string | null } | { readonly kind: 'experiment'; readonly id: string; readonly metric: string; readonly arms: readonly string[]; readonly control: string };
  readonly by: string;
  readonly from: string;
  readonly to: string;
  readonly reference: string;
  readonly minUnits: number;
  readonly groupsOmitted: number;
}

/**
 * Fairness per workspace: for a placement or an experiment, rates per group of a trait or a
 * segment and their disparity ratios (core/fairness), and the settings that set the warning
 * threshold, which change only here.
 */
export class FairnessService {
  private readonly audit: AuditRecorder;

  /** `audit`: where each change of the settings is recorded with its diff (the engine's audit trail). */
  constructor(private readonly deps: {
    store: { fairness: FairnessStore; decisionConfig: Pick<DecisionConfigStore, 'listPlacements'>; experiments: Pick<ExperimentStore, 'listExperiments'>; knowledgeConfig: Pick<KnowledgeConfigStore, 'listSegments'> };
    clock: Clock;
    audit?: AuditRecorder;
  }) {
    this.audit = deps.audit ?? unrecorded;
  }

  async settings(workspaceId: string): Promise<{ settings: FairnessSettings | null; resolved: ResolvedFairnessSettings }> {
    const settings = await this.deps.store.fairness.settings(workspaceId);
    return { settings, resolved: resolveFairnessSettings(settings) };
  }

  async setSettings(workspaceId: string, settings: FairnessSettings): Promise<ResolvedFairnessSettings> {
    const before = await this.deps.store.fairness.settings(workspaceId);
    await this.deps.store.fairness.setSettings(workspaceId, settings, this.deps.clock.now());
    await this.audit.changed({ workspaceId, action: 'fairnessSettings.updated', target: { kind: 'fairnessSettings', id: workspaceId }, before: before ?? undefined, after: settings });
    return resolveFairnessSettings(settings);
  }

  async report(workspaceId: string, query: FairnessQuery): Promise<FairnessReport> {
    if ((query.placement === undefined) === (query.experiment === undefined)) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { field: '/placement', detail: 'name exactly one of placement and experiment' });
    }
    const parsed = parseGroupBy(query.by);
    if (!parsed.ok) throw new AttuneError('ATTUNE_INVALID_REQUEST', { ...parsed.fault, detail: parsed.fault.message });
    const by = parsed.value;
    if (by.kind === 'segment' && !(await this.deps.store.knowledgeConfig.listSegments(workspaceId)).some((s) => s.id === by.id)) {
      throw new AttuneError('ATTUNE_SEGMENT_NOT_FOUND', { field: '/by', detail: `no segment "${by.id}"` });
    }
    const period = dayPeriod(query, this.deps.clock.now(), 30, 366);
    const settings = resolveFairnessSettings(await this.deps.store.fairness.settings(workspaceId));
    const base = {
      by: query.by, from: new Date(period.since).toISOString().slice(0, 10), to: new Date(period.until - 1).toISOString().slice(0, 10),
      reference: query.reference ?? 'best', minUnits: settings.minUnits,
    };
    const disparitySettings = { ...settings, reference: query.reference === undefined ? 'best' as const : { group: query.reference } };
    if (query.placement !== undefined) {
      const id = query.placement;
      if (!(await this.deps.store.decisionConfig.listPlacements(workspaceId)).some((p) => p.id === id)) {
        throw new AttuneError('ATTUNE_PLACEMENT_NOT_FOUND', { field: '/placement', detail: `no placement "${id}"` });
      }
      const rows = await this.deps.store.fairness.placementGroups(workspaceId, { placementId: id, actionId: query.action ?? null, by, since: period.since, until: period.until });
      const { groups, omitted } = placementCounts(rows);
      return {
        ...disparityReport(['exposure', 'click', 'conversion'], groups, disparitySettings),
        subject: { kind: 'placement', id, action: query.action ?? null }, ...base, groupsOmitted: omitted,
      };
    }
    const id = query.experiment!;
    const experiment = (await this.deps.store.experiments.listExperiments(workspaceId)).find((e) => e.id === id);
    if (experiment === undefined) throw new AttuneError('ATTUNE_EXPERIMENT_NOT_FOUND', { field: '/experiment', detail: `no experiment "${id}"` });
    const metric = query.metric ?? experiment.primaryMetric;
    const arms = experiment.arms.map((a) => a.id);
    const rows = await this.deps.store.fairness.experimentGroups(workspaceId, { experimentId: id, metricId: metric, by, since: period.since, until: period.until });
    const { groups, omitted } = experimentCounts(rows, arms);
    const measures = arms.flatMap((arm) => [`exposure:${arm}`, `outcome:${arm}`]);
    return {
      ...disparityReport(measures, groups, disparitySettings),
      subject: { kind: 'experiment', id, metric, arms, control: controlArmOf(experiment) }, ...base, groupsOmitted: omitted,
    };
  }
}

/** The largest groups first, at most MAX_GROUPS, then in name order. */
function keepLargest<T extends { readonly group: string; readonly units: number }>(groups: T[]): { kept: T[]; omitted: number } {
  const kept = [...groups].sort((a, b) => b.units - a.units || a.group.localeCompare(b.group)).slice(0, MAX_GROUPS);
  return { kept: kept.sort((a, b) => a.group.localeCompare(b.group)), omitted: Math.max(0, groups.length - MAX_GROUPS) };
}

/** Exposure over the decided profiles; clicks and conversions over the exposed ones. */
export function placementCounts(rows: readonly PlacementGroupRow[]): { groups: GroupCounts[]; omitted: number } {
  const { kept, omitted } = keepLargest([...rows]);
  return {
    groups: kept.map((r) => ({
      group: r.group,
      measures: {
        exposure: { successes: r.exposed, units: r.units },
        click: { successes: r.clicked, units: r.exposed },
        conversion: { successes: r.converted, units: r.exposed },
      },
    })),
    omitted,
  };
}

/** Per arm: the share of the group's units in it, and the outcome rate of the group's units in it. */
export function experimentCounts(rows: readonly ExperimentGroupRow[], arms: readonly string[]): { groups: GroupCounts[]; omitted: number } {
  const byGroup = new Map<string, { group: string; units: number; arms: Map<string, ExperimentGroupRow> }>();
  for (const r of rows) {
    const g = byGroup.get(r.group) ?? { group: r.group, units: 0, arms: new Map<string, ExperimentGroupRow>() };
    byGroup.set(r.group, g);
    g.units += r.units;
    g.arms.set(r.arm, r);
  }
  const { kept, omitted } = keepLargest([...byGroup.values()]);
  return {
    groups: kept.map((g) => {
      const measures: Record<string, { successes: number; units: number }> = {};
      for (const arm of arms) {
        const r = g.arms.get(arm);
        measures[`exposure:${arm}`] = { successes: r?.units ?? 0, units: g.units };
        measures[`outcome:${arm}`] = { successes: r?.converted ?? 0, units: r?.units ?? 0 };
      }
      return { group: g.group, measures };
    }),
    omitted,
  };
}

