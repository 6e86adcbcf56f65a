import { ungated, type ChangeGate } from '../core/review/ChangeGate.js';
import { canonicalJson } from '../core/audit/canonicalJson.js';
import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { Clock } from '../core/common/ports.js';
import { resolveConsentSettings, sameConsentSettings, type ConsentSettingsChange } from '../core/consent/ConsentSettingsChange.js';
import { defaultConsentSettings, type ConsentSettings } from '../core/consent/ConsentState.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { builtinFeatures } from '../core/features/builtinFeatures.js';
import type { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { historyStart, segmentHistory, type SegmentDay } from '../core/segments/segmentHistory.js';
import type { SegmentDefinition } from '../core/segments/SegmentDefinition.js';
import { segmentOverlap, type SegmentPairOverlap } from '../core/segments/segmentOverlap.js';
import type { SizeEstimate } from '../core/segments/sizeEstimate.js';
import type { DefinitionChange, DefinitionChangeResult, DefinitionChanges, SegmentMember } from '../store/ports.js';
import { checkKnowledgeConfig, type ChangeTarget } from './checkKnowledgeConfig.js';
import { planDefinitionsLoad, type DefinitionsFile } from './definitionsFile.js';
import { estimateSampleLimit, estimateSegment } from './estimateSegment.js';
import type { KnowledgeModels } from './KnowledgeModels.js';
import {
  dependentsOf, featureView, featureViews, segmentAnalysis,
  type FeatureView, type SegmentAnalysis, type SegmentView,
} from './knowledgeViews.js';
import { reevaluateProfiles, reevaluationChunk, type Reevaluation, type ReevaluationReport } from './reevaluateProfiles.js';
import type { LiveStore } from '../profiles/LiveStore.js';

export interface KnowledgeAdminDeps {
  readonly store: Pick<LiveStore, 'committer' | 'profileIds' | 'flushState' | 'knowledgeConfig' | 'knowledge'>;
  readonly models: KnowledgeModels;
  readonly clock: Clock;
  /** Where each change is recorded with its diff (the engine's audit trail). */
  readonly audit?: AuditRecorder;
  /** Asked before each change is saved: the review policy and the change limits (src/review). */
  readonly gate?: ChangeGate;
  /** Profiles per re-evaluation job (default 500). */
  readonly chunk?: number;
  /** Profiles an unsaved rule's estimate reads at most (default `estimateSampleLimit`). */
  readonly estimateSample?: number;
}

export interface SegmentEstimateView {
  readonly exists: boolean;
  readonly analysis: SegmentAnalysis;
  /** Null for a segment evaluated at decision time only (it reads the context): it has no stored size. */
  readonly estimate: SizeEstimate | null;
  /** Matching profile ids (null when not asked for, or no estimate). */
  readonly preview: string[] | null;
}

export interface SegmentOverlapView {
  readonly segments: { readonly id: string; readonly size: number }[];
  readonly pairs: SegmentPairOverlap[];
}

export interface FeatureChange {
  /** The name was not known before (neither declared nor built in). */
  readonly created: boolean;
  readonly feature: FeatureView;
  /** The feature's state was cleared on every profile (its definition changed); null when nothing had to be. */
  readonly reset: ReevaluationReport | null;
}

export interface FeatureDeletion {
  /** The built-in definition back in force after a redefinition is deleted; null otherwise. */
  readonly restored: FeatureView | null;
  readonly reset: ReevaluationReport | null;
}

export interface SegmentChange {
  readonly segment: SegmentView;
  /** Every profile evaluated against the new rule; null when the rule did not change. */
  readonly evaluation: ReevaluationReport | null;
}

export interface DefinitionsLoad {
  /** What became of each definition the file named (and each one `replace` deleted). */
  readonly result: DefinitionChangeResult;
  /** Features whose state was cleared on every profile (their behaviour changed, or they went away). */
  readonly resetFeatures: readonly string[];
  /** Every profile evaluated again; null when nothing needed it. */
  readonly evaluation: ReevaluationReport | null;
}

export interface MemberPage {
  readonly members: SegmentMember[];
  /** The cursor (`after`) of the next page; null on the last page. */
  readonly next: string | null;
}

interface Config {
  readonly features: FeatureDefinition[];
  readonly segments: SegmentDefinition[];
  /** Absent: the built-in settings (the models re-evaluation uses must read consent as the engine does). */
  readonly consent?: ConsentSettings;
}

export interface ConsentSettingsView {
  /** As saved; null: never set. */
  readonly settings: ConsentSettings | null;
  /** In force: the saved settings, or the built-in opt-out ones. */
  readonly resolved: ConsentSettings;
}

export interface ConsentSettingsUpdate extends ConsentSettingsView {
  /** Every profile evaluated under the new settings; null when they read consent as before. */
  readonly evaluation: ReevaluationReport | null;
}

const builtinByName = new Map(builtinFeatures.map((f) => [f.name, f]));

/** The definition as it behaves: its description changes nothing, and key order does not matter. */
function behaviour(definition: FeatureDefinition): string {
  return JSON.stringify(Object.entries(definition).filter(([key]) => key !== 'description').sort(([a], [b]) => a.localeCompare(b)));
}

function replaced<T>(list: readonly T[], matches: (item: T) => boolean, item: T): T[] {
  return list.some(matches) ? list.map((x) => (matches(x) ? item : x)) : [...list, item];
}

const unchanged: ChangeTarget = { kind: 'none' };

/**
 * Administration of a workspace's features and segments. Every change is checked against
 * the whole configuration it would produce before it is saved; then the cached model is
 * dropped, and the profiles are brought in line at once (a new or changed segment is
 * evaluated for every profile; a changed or deleted feature restarts from now on every
 * profile; `attune rebuild` replays history into it). Changes to one workspace run one at a
 * time, so two of them never check against the same old configuration.
 */
export class KnowledgeAdmin {
  private readonly queues = new Map<string, Promise<void>>();

  private readonly audit: AuditRecorder;

  private readonly gate: ChangeGate;

  constructor(private readonly deps: KnowledgeAdminDeps) {
    this.audit = deps.audit ?? unrecorded;
    this.gate = deps.gate ?? ungated;
  }

  async listFeatures(workspaceId: string): Promise<FeatureView[]> {
    const config = await this.load(workspaceId);
    return featureViews(config.features, checkKnowledgeConfig(config, unchanged));
  }

  /** Compiles a definition in its workspace without saving it. */
  async validateFeature(workspaceId: string, definition: FeatureDefinition): Promise<{ exists: boolean; feature: FeatureView }> {
    const config = await this.load(workspaceId);
    const model = this.withFeature(config, definition);
    return { exists: this.definedFeature(config, definition.name) !== undefined, feature: featureView(definition, model, true) };
  }

  /** Creates or replaces a feature; a built-in may be redefined. */
  putFeature(workspaceId: string, definition: FeatureDefinition): Promise<FeatureChange> {
    return this.exclusive(workspaceId, async () => {
      const config = await this.load(workspaceId);
      const before = this.definedFeature(config, definition.name);
      const model = this.withFeature(config, definition);
      await this.gate.admit({ workspaceId, kind: 'feature', id: definition.name, before, after: definition });
      const now = this.deps.clock.now();
      await this.deps.store.knowledgeConfig.putFeature(workspaceId, definition, now);
      this.deps.models.invalidate(workspaceId);
      await this.audit.changed({ workspaceId, action: before === undefined ? 'feature.created' : 'feature.updated', target: { kind: 'feature', id: definition.name }, before, after: definition });
      const reset = before !== undefined && behaviour(before) !== behaviour(definition)
        ? await this.reevaluate(workspaceId, { model, now, resetFeatures: [definition.name] })
        : null;
      return { created: before === undefined, feature: featureView(definition, model, true), reset };
    });
  }

  /** Deletes a declared feature; deleting a redefinition brings the built-in back. */
  deleteFeature(workspaceId: string, name: string): Promise<FeatureDeletion> {
    return this.exclusive(workspaceId, async () => {
      const config = await this.load(workspaceId);
      const declared = config.features.find((f) => f.name === name);
      const builtin = builtinByName.get(name);
      if (declared === undefined && builtin !== undefined) {
        throw new AttuneError('ATTUNE_CONFLICT', { detail: `"${name}" is a built-in feature: it can be redefined (PUT), not deleted` });
      }
      if (declared === undefined) throw new AttuneError('ATTUNE_FEATURE_NOT_FOUND', { detail: `no feature is named "${name}"` });
      if (builtin === undefined) {
        const readers = checkKnowledgeConfig(config, unchanged).segments.ordered.filter((s) => s.inputs.features.has(name)).map((s) => s.id);
        if (readers.length > 0) {
          throw new AttuneError('ATTUNE_CONFLICT', { detail: `feature "${name}" is read by the segments ${readers.join(', ')}: change or delete them first`, extensions: { segments: readers } });
        }
      }
      const model = checkKnowledgeConfig({ ...config, features: config.features.filter((f) => f !== declared) }, unchanged);
      await this.gate.admit({ workspaceId, kind: 'feature', id: name, before: declared, after: builtin });
      const now = this.deps.clock.now();
      await this.deps.store.knowledgeConfig.deleteFeature(workspaceId, name);
      this.deps.models.invalidate(workspaceId);
      await this.audit.changed({ workspaceId, action: 'feature.deleted', target: { kind: 'feature', id: name }, before: declared, after: builtin });
      const reset = builtin !== undefined && behaviour(builtin) === behaviour(declared)
        ? null
        : await this.reevaluate(workspaceId, { model, now, resetFeatures: [name] });
      return { restored: builtin === undefined ? null : featureView(builtin, model, false), reset };
    });
  }

  async listSegments(workspaceId: string): Promise<SegmentView[]> {
    const config = await this.load(workspaceId);
    const model = checkKnowledgeConfig(config, unchanged);
    return Promise.all(config.segments.map((s) => this.segmentView(workspaceId, s, model)));
  }

  async getSegment(workspaceId: string, id: string): Promise<SegmentView> {
    const config = await this.load(workspaceId);
    return this.segmentView(workspaceId, this.existingSegment(config, id), checkKnowledgeConfig(config, unchanged));
  }

  /**
   * A segment's size at the end of each of the last `days` UTC days (today last) with its entries
   * and exits per day, from its size now and its membership changes. A segment evaluated at
   * decision time only (it reads the request context) stores no members: its history is null.
   */
  async segmentHistory(workspaceId: string, id: string, days: number): Promise<{ readonly segmentId: string; readonly days: SegmentDay[] | null }> {
    const config = await this.load(workspaceId);
    const definition = this.existingSegment(config, id);
    if (!segmentAnalysis(checkKnowledgeConfig(config, unchanged), definition.id).stored) return { segmentId: id, days: null };
    const now = this.deps.clock.now();
    const [size, changes] = await Promise.all([
      this.deps.store.knowledge.segmentSize(workspaceId, id),
      this.deps.store.knowledge.segmentChangesByDay(workspaceId, id, historyStart(now, days)),
    ]);
    return { segmentId: id, days: segmentHistory(changes, size, now, days) };
  }

  /** Compiles a segment in its workspace (replacing the segment of the same id, if any) without saving it. */
  async validateSegment(workspaceId: string, definition: SegmentDefinition): Promise<{ exists: boolean; analysis: SegmentAnalysis }> {
    const config = await this.load(workspaceId);
    const model = this.withSegment(config, definition);
    return { exists: config.segments.some((s) => s.id === definition.id), analysis: segmentAnalysis(model, definition.id) };
  }

  /**
   * How many profiles a segment would hold if saved now, compiled as `validateSegment` compiles
   * it and judged as the re-evaluation after a save judges each profile (`estimateSegment`),
   * with the first `preview` matching profile ids (a read of personal data, recorded).
   */
  async estimateSegment(workspaceId: string, definition: SegmentDefinition, preview: number): Promise<SegmentEstimateView> {
    const config = await this.load(workspaceId);
    const model = this.withSegment(config, definition);
    const analysis = segmentAnalysis(model, definition.id);
    const exists = config.segments.some((s) => s.id === definition.id);
    if (!analysis.stored) return { exists, analysis, estimate: null, preview: null };
    const options = { now: this.deps.clock.now(), sampleLimit: this.deps.estimateSample ?? estimateSampleLimit, preview };
    const result = await estimateSegment(this.deps.store.knowledge, workspaceId, model, definition.id, options);
    if (result.preview.length > 0) await this.audit.read({ workspaceId, action: 'segment.previewViewed', target: { kind: 'segment', id: definition.id } });
    return { exists, analysis, estimate: result.estimate, preview: preview > 0 ? result.preview : null };
  }

  /** Members each pair of stored segments shares now, with the Jaccard index, in the order of `ids`. */
  async segmentOverlap(workspaceId: string, ids: readonly string[]): Promise<SegmentOverlapView> {
    const config = await this.load(workspaceId);
    const model = checkKnowledgeConfig(config, unchanged);
    for (const id of ids) {
      if (!segmentAnalysis(model, this.existingSegment(config, id).id).stored) {
        throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `segment "${id}" reads the request context: it exists at decision time only and has no stored members`, field: 'querystring/ids' });
      }
    }
    const knowledge = this.deps.store.knowledge;
    const sizes = await Promise.all(ids.map(async (id) => ({ id, size: await knowledge.segmentSize(workspaceId, id) })));
    const both = await knowledge.segmentPairCounts(workspaceId, ids);
    return { segments: sizes, pairs: segmentOverlap(ids, Object.fromEntries(sizes.map((s) => [s.id, s.size])), both) };
  }

  createSegment(workspaceId: string, definition: SegmentDefinition): Promise<SegmentChange> {
    return this.exclusive(workspaceId, async () => {
      const config = await this.load(workspaceId);
      if (config.segments.some((s) => s.id === definition.id)) {
        throw new AttuneError('ATTUNE_CONFLICT', { detail: `a segment "${definition.id}" exists already; change it with PUT`, field: '/id' });
      }
      return this.saveSegment(workspaceId, config, definition, undefined, true);
    });
  }

  updateSegment(workspaceId: string, definition: SegmentDefinition): Promise<SegmentChange> {
    return this.exclusive(workspaceId, async () => {
      const config = await this.load(workspaceId);
      const before = this.existingSegment(config, definition.id);
      return this.saveSegment(workspaceId, config, definition, before, before.rule !== definition.rule);
    });
  }

  deleteSegment(workspaceId: string, id: string): Promise<void> {
    return this.exclusive(workspaceId, async () => {
      const config = await this.load(workspaceId);
      const before = this.existingSegment(config, id);
      const dependents = dependentsOf(checkKnowledgeConfig(config, unchanged), id);
      if (dependents.length > 0) {
        throw new AttuneError('ATTUNE_CONFLICT', { detail: `segment "${id}" is read by the segments ${dependents.join(', ')}: change or delete them first`, extensions: { segments: dependents } });
      }
      checkKnowledgeConfig({ ...config, segments: config.segments.filter((s) => s.id !== id) }, unchanged);
      await this.gate.admit({ workspaceId, kind: 'segment', id, before, after: undefined });
      // The store drops the member rows; stale memberships in profiles' states are ignored,
      // and forgotten if a segment of the same id is created again.
      await this.deps.store.knowledgeConfig.deleteSegment(workspaceId, id);
      this.deps.models.invalidate(workspaceId);
      await this.audit.changed({ workspaceId, action: 'segment.deleted', target: { kind: 'segment', id }, before });
    });
  }

  /**
   * Loads a definitions file (`attune features load`, `attune segments load`): the whole
   * resulting configuration is checked first (a fault throws a DefinitionsFileError naming
   * the item, and nothing is saved), then saved in one commit, then the profiles are brought
   * in line as after a single change. With `replace`, stored definitions of the file's kind
   * that it does not hold are deleted.
   */
  loadDefinitions(workspaceId: string, loaded: DefinitionsFile<FeatureDefinition> | DefinitionsFile<SegmentDefinition>, replace: boolean): Promise<DefinitionsLoad> {
    return this.exclusive(workspaceId, async () => {
      const stored = await this.load(workspaceId);
      const plan = planDefinitionsLoad(loaded, stored, replace);
      await this.admitLoad(workspaceId, stored, plan.changes);
      const now = this.deps.clock.now();
      const result = await this.deps.store.knowledgeConfig.saveDefinitions(workspaceId, plan.changes, now);
      const changed = [...Object.values(result.features), ...Object.values(result.segments)].some((change) => change !== 'unchanged');
      if (changed) this.deps.models.invalidate(workspaceId);
      await this.recordLoad(workspaceId, stored, plan.changes, result);
      const evaluation = changed && plan.reevaluate
        ? await this.reevaluate(workspaceId, { model: plan.model, now, resetFeatures: plan.resetFeatures, newSegments: plan.newSegments })
        : null;
      return { result, resetFeatures: plan.resetFeatures, evaluation };
    });
  }

  /** Members in profile id order, after the cursor `after`. */
  async members(workspaceId: string, id: string, after: string, limit: number): Promise<MemberPage> {
    this.existingSegment(await this.load(workspaceId), id);
    await this.audit.read({ workspaceId, action: 'segment.membersViewed', target: { kind: 'segment', id } });
    const members = await this.deps.store.knowledge.segmentMembers(workspaceId, id, after, limit + 1);
    const page = members.slice(0, limit);
    return { members: page, next: members.length > limit ? page[page.length - 1]!.profileId : null };
  }

  /** Asks the gate about each definition a file load would change (one that it leaves as it is, it does not ask about). */
  private async admitLoad(workspaceId: string, stored: Config, changes: DefinitionChanges): Promise<void> {
    const admit = async (kind: 'feature' | 'segment', id: string, before: unknown, after: unknown) => {
      if (before !== undefined && after !== undefined && canonicalJson(before) === canonicalJson(after)) return;
      if (before === undefined && after === undefined) return;
      await this.gate.admit({ workspaceId, kind, id, before, after });
    };
    for (const f of changes.putFeatures ?? []) await admit('feature', f.name, stored.features.find((x) => x.name === f.name), f);
    for (const name of changes.deleteFeatures ?? []) await admit('feature', name, stored.features.find((x) => x.name === name), undefined);
    for (const d of changes.putSegments ?? []) await admit('segment', d.id, stored.segments.find((x) => x.id === d.id), d);
    for (const id of changes.deleteSegments ?? []) await admit('segment', id, stored.segments.find((x) => x.id === id), undefined);
  }

  /** One entry per definition a file load created, changed or deleted, each with its own diff. */
  private async recordLoad(workspaceId: string, stored: Config, changes: DefinitionChanges, result: DefinitionChangeResult): Promise<void> {
    const record = async (kind: 'feature' | 'segment', id: string, change: DefinitionChange | undefined, before: unknown, after: unknown) => {
      if (change === undefined || change === 'unchanged') return;
      await this.audit.changed({ workspaceId, action: `${kind}.${change}`, target: { kind, id }, before, after: change === 'deleted' ? undefined : after });
    };
    for (const f of changes.putFeatures ?? []) await record('feature', f.name, result.features[f.name], stored.features.find((x) => x.name === f.name), f);
    for (const name of changes.deleteFeatures ?? []) await record('feature', name, result.features[name], stored.features.find((x) => x.name === name), undefined);
    for (const d of changes.putSegments ?? []) await record('segment', d.id, result.segments[d.id], stored.segments.find((x) => x.id === d.id), d);
    for (const id of changes.deleteSegments ?? []) await record('segment', id, result.segments[id], stored.segments.find((x) => x.id === id), undefined);
  }

  private async saveSegment(workspaceId: string, config: Config, definition: SegmentDefinition, before: SegmentDefinition | undefined, evaluate: boolean): Promise<SegmentChange> {
    const model = this.withSegment(config, definition);
    await this.gate.admit({ workspaceId, kind: 'segment', id: definition.id, before, after: definition });
    const now = this.deps.clock.now();
    const created = await this.deps.store.knowledgeConfig.putSegment(workspaceId, definition, now) === 'created';
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: created ? 'segment.created' : 'segment.updated', target: { kind: 'segment', id: definition.id }, before, after: definition });
    const evaluation = evaluate ? await this.reevaluate(workspaceId, { model, now, newSegments: created ? [definition.id] : [] }) : null;
    return { segment: await this.segmentView(workspaceId, definition, model), evaluation };
  }

  private async segmentView(workspaceId: string, definition: SegmentDefinition, model: KnowledgeModel): Promise<SegmentView> {
    const analysis = segmentAnalysis(model, definition.id);
    const size = analysis.stored ? await this.deps.store.knowledge.segmentSize(workspaceId, definition.id) : null;
    return { ...definition, size, analysis };
  }

  private withFeature(config: Config, definition: FeatureDefinition): KnowledgeModel {
    const features = replaced(config.features, (f) => f.name === definition.name, definition);
    return checkKnowledgeConfig({ ...config, features }, { kind: 'feature', name: definition.name });
  }

  private withSegment(config: Config, definition: SegmentDefinition): KnowledgeModel {
    const segments = replaced(config.segments, (s) => s.id === definition.id, definition);
    return checkKnowledgeConfig({ ...config, segments }, { kind: 'segment', id: definition.id });
  }

  /** The definition in force under this name: declared, or built in. */
  private definedFeature(config: Config, name: string): FeatureDefinition | undefined {
    return config.features.find((f) => f.name === name) ?? builtinByName.get(name);
  }

  private existingSegment(config: Config, id: string): SegmentDefinition {
    const found = config.segments.find((s) => s.id === id);
    if (found === undefined) throw new AttuneError('ATTUNE_SEGMENT_NOT_FOUND', { detail: `no segment has the id "${id}"` });
    return found;
  }

  async consentSettings(workspaceId: string): Promise<ConsentSettingsView> {
    const settings = await this.deps.store.knowledgeConfig.consentSettings(workspaceId);
    return { settings, resolved: settings ?? defaultConsentSettings };
  }

  /**
   * Replaces the consent settings. Defaults are configuration, like segment rules: when they
   * change, every profile is evaluated at once under them (a person who no longer consents
   * loses features and segments, exits recorded with reason `consent`; one who now consents
   * is evaluated against every segment, features counting from now), and `attune rebuild`
   * reads the whole log with the settings in force.
   */
  /** Checks consent settings against the workspace's segments without saving them (a draft's check). */
  async validateConsentSettings(workspaceId: string, change: ConsentSettingsChange): Promise<void> {
    checkKnowledgeConfig({ ...await this.load(workspaceId), consent: resolveConsentSettings(change) }, unchanged);
  }

  setConsentSettings(workspaceId: string, change: ConsentSettingsChange): Promise<ConsentSettingsUpdate> {
    return this.exclusive(workspaceId, async () => {
      const resolved = resolveConsentSettings(change);
      const config = await this.load(workspaceId);
      const before = config.consent ?? defaultConsentSettings;
      const model = checkKnowledgeConfig({ ...config, consent: resolved }, unchanged);
      const now = this.deps.clock.now();
      const stored = await this.deps.store.knowledgeConfig.consentSettings(workspaceId);
      await this.gate.admit({ workspaceId, kind: 'consent', id: workspaceId, before: stored ?? undefined, after: resolved });
      await this.deps.store.knowledgeConfig.setConsentSettings(workspaceId, resolved);
      this.deps.models.invalidate(workspaceId);
      await this.audit.changed({ workspaceId, action: 'consent.updated', target: { kind: 'consent', id: workspaceId }, before: stored ?? undefined, after: resolved });
      const evaluation = sameConsentSettings(before, resolved) ? null : await this.reevaluate(workspaceId, { model, now });
      return { settings: resolved, resolved, evaluation };
    });
  }

  private reevaluate(workspaceId: string, change: Reevaluation): Promise<ReevaluationReport> {
    return reevaluateProfiles(this.deps.store, workspaceId, change, this.deps.chunk ?? reevaluationChunk);
  }

  private async load(workspaceId: string): Promise<Config> {
    const config = this.deps.store.knowledgeConfig;
    const [features, segments, consent] = await Promise.all([config.listFeatures(workspaceId), config.listSegments(workspaceId), config.consentSettings(workspaceId)]);
    return consent === null ? { features, segments } : { features, segments, consent };
  }

  /** Runs `change` after the workspace's earlier changes have settled. */
  private exclusive<T>(workspaceId: string, change: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(workspaceId) ?? Promise.resolve();
    const result = previous.then(change);
    const settled = result.then(() => undefined, () => undefined);
    this.queues.set(workspaceId, settled);
    void settled.then(() => {
      if (this.queues.get(workspaceId) === settled) this.queues.delete(workspaceId);
    });
    return result;
  }
}
