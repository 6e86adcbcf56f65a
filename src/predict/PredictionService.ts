import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import { closestName } from '../core/common/closestName.js';
import type { Clock } from '../core/common/ports.js';
import { seededRandom } from '../core/common/random.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { allowsPersonalization } from '../core/consent/ConsentState.js';
import { PointInTimeInputs } from '../core/predict/inputs/PointInTimeInputs.js';
import { hasInputs, type ChosenInputs } from '../core/predict/inputs/ProfileInputs.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { ClassificationMetrics } from '../core/predict/propensity/classificationMetrics.js';
import type { CalibrationMethod } from '../core/predict/propensity/calibrationMap.js';
import type { ModelCandidate, PropensityLearner } from '../core/predict/propensity/chooseModel.js';
import { parsePredictionModel, serializePredictionModel, type ClusterMethod, type ClusterPrediction, type PredictionModel } from '../core/predict/traits/PredictionModel.js';
import { predictionsOf, type ProfilePredictions } from '../core/predict/traits/predictionsOf.js';
import { propensityCutoff, trainPredictions, type TrainingProfile } from '../core/predict/traits/trainPredictions.js';
import { collectedEventFromLog } from '../profiles/collectedEventFromLog.js';
import { currentInputs } from './currentInputs.js';
import type { KnowledgeAdmin, SegmentChange } from '../knowledge/KnowledgeAdmin.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { submitPatiently } from '../knowledge/reevaluateProfiles.js';
import type { LiveStore } from '../profiles/LiveStore.js';

export interface PredictionServiceDeps {
  readonly store: Pick<LiveStore, 'committer' | 'profileIds' | 'knowledgeConfig' | 'profiles' | 'events'>;
  readonly models: KnowledgeModels;
  readonly clock: Clock;
  /** Cluster segments are ordinary segments: created and re-pointed through the segment service. */
  readonly segments: Pick<KnowledgeAdmin, 'createSegment' | 'updateSegment' | 'listSegments'>;
  /** Where each trained model and each read of a profile's predictions is recorded (the engine's audit trail); cluster segments are recorded by the segment service. */
  readonly audit?: AuditRecorder;
}

/** A segment on one cluster, re-pointed by a retraining to the cluster that continues it. */
export interface FollowedSegment {
  readonly segmentId: string;
  readonly previousCluster: number;
  readonly cluster: number;
}

export interface TrainPredictionsRequest {
  /** "Buys within N days" (1 to 365); default 90. */
  readonly horizonDays?: number;
  /** Seeds the held-out split and k-means; default the model's version. */
  readonly seed?: number;
  /** Customer segments to find (2 to 12); default 4. */
  readonly clusters?: number;
  /** Segments as a self-organizing map's units instead of k-means (each side 1 to 10, at least 2 units). */
  readonly som?: { readonly rows: number; readonly cols: number; readonly topology?: 'rectangular' | 'hexagonal' };
  /** The workspace's features to learn from beside the purchase history (at most 50 inputs in all). */
  readonly features?: readonly string[];
  /** Traits to learn from (numbers and booleans as numbers, text as categories). */
  readonly traits?: readonly string[];
  /** Called after each chunk of profiles read, with how many so far. */
  readonly onProgress?: (profilesRead: number) => void;
}

/** A model's figures as the admin API and the CLI show them (the model's parameters stay inside). */
export interface PredictionModelView {
  readonly version: number;
  readonly trainedAt: string;
  readonly customers: number;
  /** Profiles the training read (null for a stored model listed later). */
  readonly profilesRead: number | null;
  readonly propensity: {
    readonly horizonDays: number;
    readonly heldOutCustomers: number;
    readonly model: MetricsView;
    readonly rfmBaseline: MetricsView;
    /** The calibration map chosen and the held-out metrics without it; null for models trained before it. */
    readonly calibration: { readonly method: CalibrationMethod; readonly uncalibrated: MetricsView } | null;
    /** Logistic regression or boosted trees, with both candidates' out-of-fold figures; null for models trained before the choice. */
    readonly modelChoice: { readonly model: PropensityLearner; readonly rows: number; readonly candidates: readonly ModelCandidate[] } | null;
    readonly coefficients: Readonly<Record<string, number>>;
  } | null;
  /** The chosen profile inputs (point in time for propensity, as of now for clusters); null: purchase history only. */
  readonly inputs: ChosenInputs | null;
  readonly clusters: {
    readonly k: number;
    readonly features: readonly string[];
    readonly inertia: number;
    readonly segments: readonly { cluster: number; size: number; share: number; summary: string }[];
    readonly stability: ClusterPrediction['stability'];
    readonly population: 'customers' | 'profiles';
    readonly som: NonNullable<ClusterPrediction['som']> | null;
  } | null;
  readonly lifetimeValue: {
    readonly bgNbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean; customers: number };
    readonly gammaGamma: { p: number; q: number; v: number; customers: number } | null;
    readonly monthlyDiscountRate: number;
  } | null;
  readonly notes: readonly string[];
  /** After a training: the cluster segments it re-pointed (`predictions.cluster == n` rules). */
  readonly followedSegments?: readonly FollowedSegment[];
}

interface MetricsView { readonly auc: number | null; readonly brier: number; readonly logLoss: number; readonly ece: number }

const chunk = 1000;
const keepVersions = 5;

/**
 * Fits the workspace's prediction model from its profiles (the purchase summary each keeps),
 * stores it as a new version and puts it in force: saving bumps the knowledge configuration,
 * so `predictions.*` in segments, eligibility and scoring read it from the next event or
 * decision on. Profiles are read in chunks through the group committer, as a re-evaluation
 * reads them, so ingestion keeps flowing while a model trains.
 */
export class PredictionService {
  /** Workspaces with a training under way in this process: a second one would race it for the version number. */
  private readonly training = new Set<string>();

  constructor(private readonly deps: PredictionServiceDeps) {}

  async train(workspaceId: string, request: TrainPredictionsRequest = {}): Promise<PredictionModelView> {
    if (this.training.has(workspaceId)) {
      throw new AttuneError('ATTUNE_CONFLICT', { detail: 'a prediction model of this workspace is training now: wait for it, then train again' });
    }
    this.training.add(workspaceId);
    try {
      return await this.trainNow(workspaceId, request);
    } finally {
      this.training.delete(workspaceId);
    }
  }

  private async trainNow(workspaceId: string, request: TrainPredictionsRequest): Promise<PredictionModelView> {
    const horizonDays = request.horizonDays ?? 90;
    if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 365) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `horizonDays must be a whole number of days from 1 to 365, got ${horizonDays}`, field: '/horizonDays' });
    }
    const clusterMethod = clusterMethodOf(request);
    const knowledge = await this.deps.models.get(workspaceId);
    const chosen = chosenInputs(request, knowledge);
    const now = this.deps.clock.now();
    const { profiles, read, liveIds } = await this.readProfiles(workspaceId, knowledge, chosen, now, request.onProgress);
    const atCutoff = chosen === undefined ? undefined : await this.inputsAtCutoff(workspaceId, knowledge, chosen, propensityCutoff(now, horizonDays), liveIds);
    const previous = await this.deps.store.knowledgeConfig.predictionModel(workspaceId);
    const version = (previous?.version ?? 0) + 1;
    const model = trainPredictions(profiles, {
      version, now, horizonDays, clusterMethod, random: seededRandom(request.seed ?? version),
      previous: previous === undefined ? null : parsePredictionModel(previous.json),
      ...(chosen === undefined || atCutoff === undefined ? {} : { inputs: { chosen, atCutoff: (id: string) => atCutoff.valuesOf(id) } }),
    });
    await this.deps.store.knowledgeConfig.savePredictionModel(workspaceId, { version, createdAt: now, json: serializePredictionModel(model) }, keepVersions);
    await (this.deps.audit ?? unrecorded).changed({
      workspaceId, action: 'predictionModel.trained', target: { kind: 'predictionModel', id: String(version) },
      before: previous === undefined ? undefined : { version: previous.version }, after: { version, settings: settingsOf(model) },
    });
    // Segments are re-pointed first, then the cache is dropped, so that this process serves the
    // new numbering with the re-pointed rules (others reload within a second of the change).
    const notes: string[] = [];
    const followedSegments = await this.followClusterSegments(workspaceId, model, notes);
    this.deps.models.invalidate(workspaceId);
    const view = viewOf(model, read);
    return { ...view, notes: [...view.notes, ...notes], followedSegments };
  }

  /**
   * Publishes one cluster of the model in force as an ordinary segment (rule
   * `predictions.cluster == n`), described with the model version and the cluster's summary.
   * Its membership follows each profile in real time (nearest centre, or best-matching unit),
   * and retrainings keep it on the matching cluster (`followClusterSegments`).
   */
  async publishCluster(workspaceId: string, cluster: number, request: { readonly id: string; readonly name?: string }): Promise<SegmentChange> {
    const stored = await this.deps.store.knowledgeConfig.predictionModel(workspaceId);
    const clusters = stored === undefined ? undefined : parsePredictionModel(stored.json).clusters;
    if (stored === undefined || clusters === undefined) {
      throw new AttuneError('ATTUNE_CONFLICT', { detail: stored === undefined ? 'no prediction model has been trained: train one first' : 'the prediction model in force found no clusters (see its notes)' });
    }
    if (!Number.isInteger(cluster) || cluster < 0 || cluster >= clusters.k) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the model in force has clusters 0 to ${clusters.k - 1}, not ${cluster}`, field: 'params/cluster' });
    }
    return this.deps.segments.createSegment(workspaceId, {
      id: request.id,
      name: request.name ?? `Customer segment ${cluster}`,
      description: clusterDescription(stored.version, cluster, clusters),
      rule: `${clusterRulePrefix}${cluster}`,
    });
  }

  /**
   * After a retraining, every published cluster segment (rule `predictions.cluster == n`,
   * description naming the model version it follows) written for the previous version moves
   * to the cluster that continues n (the Hungarian pairing of the stability check), so it
   * keeps meaning the same customers although the clusters are numbered afresh. A segment
   * written for an older version, or by hand, is left as it is with a note: its number cannot
   * be paired safely.
   */
  private async followClusterSegments(workspaceId: string, model: PredictionModel, notes: string[]): Promise<FollowedSegment[]> {
    const followed: FollowedSegment[] = [];
    const clusters = model.clusters;
    const stability = clusters?.stability ?? null;
    for (const segment of await this.deps.segments.listSegments(workspaceId)) {
      const match = clusterRulePattern.exec(segment.rule.trim());
      if (match === null) continue;
      const previous = Number(match[1]);
      const follows = publishedVersionPattern.exec(segment.description ?? '');
      const version = follows === null ? null : Number(follows[1]);
      const pair = stability === null || version !== stability.previousVersion ? undefined : stability.pairs.find((p) => p.previous === previous);
      if (clusters === undefined || pair === undefined) {
        notes.push(`segment "${segment.id}" reads predictions.cluster == ${previous}${version === null ? ' (not published from a model)' : ` of version ${version}`}, which version ${model.version} cannot pair: check that it still means what it should`);
        continue;
      }
      await this.deps.segments.updateSegment(workspaceId, {
        id: segment.id, name: segment.name, rule: `${clusterRulePrefix}${pair.current}`, description: clusterDescription(model.version, pair.current, clusters),
      });
      followed.push({ segmentId: segment.id, previousCluster: previous, cluster: pair.current });
    }
    return followed;
  }

  /**
   * Trains again with what the model in force was trained with (horizon, segments, chosen
   * inputs), for a schedule; null when the workspace has never trained. A chosen feature
   * deleted since is refused like a typo, so the schedule reports it instead of dropping it.
   */
  async retrain(workspaceId: string): Promise<PredictionModelView | null> {
    const stored = await this.deps.store.knowledgeConfig.predictionModel(workspaceId);
    return stored === undefined ? null : this.train(workspaceId, settingsOf(parsePredictionModel(stored.json)));
  }

  /** The model in force, or null before the first training. */
  async current(workspaceId: string): Promise<PredictionModelView | null> {
    const stored = await this.deps.store.knowledgeConfig.predictionModel(workspaceId);
    return stored === undefined ? null : viewOf(parsePredictionModel(stored.json), null);
  }

  /** The stored versions, newest first. */
  async versions(workspaceId: string): Promise<{ version: number; trainedAt: string }[]> {
    return (await this.deps.store.knowledgeConfig.predictionModelVersions(workspaceId)).map((v) => ({ version: v.version, trainedAt: new Date(v.createdAt).toISOString() }));
  }

  /** One profile's predictions with their explanations, as of now, with the model in force. */
  async forProfile(workspaceId: string, profileId: string): Promise<ProfilePredictions> {
    const profile = await this.deps.store.profiles.findProfile(workspaceId, profileId, 0);
    if (profile === undefined) throw new AttuneError('ATTUNE_PROFILE_NOT_FOUND', { detail: `no profile has the id "${profileId}"` });
    profileId = profile.id;
    await (this.deps.audit ?? unrecorded).read({ workspaceId, action: 'profile.predictionsViewed', profileId });
    const knowledge = await this.deps.models.get(workspaceId);
    const now = this.deps.clock.now();
    const model = knowledge.predictions;
    const state = await submitPatiently(this.deps.store.committer, (tx) => ({ knowledge: tx.loadKnowledge(workspaceId, profileId), traits: tx.loadProfileState(workspaceId, profileId).traits.values }), { workspaceId, profileIds: [profileId] });
    const inputs = model?.inputs === undefined ? undefined : currentInputs(knowledge, model.inputs, state.knowledge.f, state.traits, now);
    const personalization = allowsPersonalization(state.knowledge.c, knowledge.consent);
    return predictionsOf(model, state.knowledge.o, now, inputs === undefined ? { personalization } : { inputs, personalization });
  }

  /**
   * Every live profile's purchase summary, and with chosen inputs its features (read now) and
   * traits. Without inputs only buyers matter (the models are of customers); with them every
   * profile is clustered.
   */
  private async readProfiles(workspaceId: string, knowledge: KnowledgeModel, chosen: ChosenInputs | undefined, now: number, onProgress?: (read: number) => void): Promise<{ profiles: TrainingProfile[]; read: number; liveIds: Set<string> }> {
    const profiles: TrainingProfile[] = [];
    const liveIds = new Set<string>();
    let read = 0;
    let after = '';
    for (;;) {
      const ids = await this.deps.store.profileIds(workspaceId, after, chunk);
      const rows = await submitPatiently(this.deps.store.committer, (tx) => ids.filter((id) => tx.hasProfile(workspaceId, id)).map((id): { id: string; profile: TrainingProfile | null } => {
        const state = tx.loadKnowledge(workspaceId, id);
        // A person who withheld personalization is no example to learn from (and holds no features or purchases).
        if (!allowsPersonalization(state.c, knowledge.consent)) return { id, profile: null };
        if (chosen === undefined) return { id, profile: { id, ...(state.o === undefined ? {} : { purchases: state.o }) } };
        const inputs = currentInputs(knowledge, chosen, state.f, tx.loadProfileState(workspaceId, id).traits.values, now);
        return { id, profile: { id, ...(state.o === undefined ? {} : { purchases: state.o }), inputs } };
      }), { workspaceId, profileIds: ids });
      for (const { id, profile } of rows) {
        liveIds.add(id);
        if (profile !== null && (profile.purchases !== undefined || chosen !== undefined)) profiles.push(profile);
      }
      read += ids.length;
      onProgress?.(read);
      if (ids.length < chunk) return { profiles, read, liveIds };
      after = ids[ids.length - 1]!;
    }
  }

  /**
   * The chosen inputs of every profile as they were at the cut-off, replayed from the event
   * log with the workspace's feature code (see PointInTimeInputs). An event is credited to
   * the profile that holds it now: a profile merged since is looked up once.
   */
  private async inputsAtCutoff(workspaceId: string, knowledge: KnowledgeModel, chosen: ChosenInputs, cutoff: number, liveIds: ReadonlySet<string>): Promise<PointInTimeInputs> {
    const pit = new PointInTimeInputs(knowledge.features, cutoff, chosen);
    const survivors = new Map<string, string | null>();
    for await (const stored of this.deps.store.events.read({ workspaceId, chunkSize: 2000 })) {
      if (stored.timestamp > cutoff) continue;
      let holder: string | null | undefined = liveIds.has(stored.profileId) ? stored.profileId : survivors.get(stored.profileId);
      if (holder === undefined) {
        holder = (await this.deps.store.profiles.findProfile(workspaceId, stored.profileId, 0))?.id ?? null;
        survivors.set(stored.profileId, holder);
      }
      if (holder !== null) pit.apply(holder, collectedEventFromLog(stored));
    }
    return pit;
  }
}

const clusterRulePrefix = 'predictions.cluster == ';
const clusterRulePattern = /^predictions\.cluster\s*==\s*(\d+)$/;
const publishedMarker = 'Found in the data:';
const publishedVersionPattern = /^Found in the data: cluster \d+ of prediction model version (\d+)\b/;

/** A published cluster segment's description: the model version it follows and what the cluster is. */
function clusterDescription(version: number, cluster: number, clusters: ClusterPrediction): string {
  const summary = clusters.descriptions.find((d) => d.cluster === cluster)?.summary ?? '';
  return `${publishedMarker} cluster ${cluster} of prediction model version ${version}${summary === '' ? '' : ` (${summary})`}. Retraining keeps this segment on the matching cluster.`.slice(0, 2000);
}

/** The request a model was trained with (models from before settings were kept: what they show). */
function settingsOf(model: PredictionModel): TrainPredictionsRequest {
  const method = model.settings?.clusterMethod ?? { kind: 'kmeans', k: model.clusters?.k ?? 4 };
  return {
    horizonDays: model.settings?.horizonDays ?? model.propensity?.horizonDays ?? 90,
    ...(method.kind === 'som' ? { som: { rows: method.rows, cols: method.cols, topology: method.topology } } : { clusters: method.k }),
    ...(model.inputs === undefined ? {} : { features: model.inputs.features, traits: model.inputs.traits }),
  };
}

const maxInputs = 50;

/** The request's features and traits, checked: features must be the workspace's (a typo names the nearest). */
function chosenInputs(request: TrainPredictionsRequest, knowledge: KnowledgeModel): ChosenInputs | undefined {
  const chosen = { features: [...(request.features ?? [])], traits: [...(request.traits ?? [])] };
  if (chosen.features.length + chosen.traits.length > maxInputs) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `at most ${maxInputs} features and traits in all, got ${chosen.features.length + chosen.traits.length}`, field: '/features' });
  }
  for (const [field, names] of [['features', chosen.features], ['traits', chosen.traits]] as const) {
    names.forEach((name, i) => {
      if (name.length === 0) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${field} ${i} is empty`, field: `/${field}/${i}` });
      if (names.indexOf(name) !== i) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `"${name}" is listed twice`, field: `/${field}/${i}` });
    });
  }
  chosen.traits.forEach((name, i) => {
    // `=` and `:` build the matrix's column names (`traits.plan=pro`, `x:missing`): a trait that holds them could collide.
    if (/[=:]/.test(name)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `trait "${name}" has "=" or ":", which column names use; rename the trait to learn from it`, field: `/traits/${i}` });
  });
  chosen.features.forEach((name, i) => {
    if (knowledge.features.names.includes(name)) return;
    const nearest = closestName(name, knowledge.features.names);
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the workspace has no feature "${name}"${nearest === null ? '' : `; did you mean "${nearest}"?`}`, field: `/features/${i}` });
  });
  return hasInputs(chosen) ? chosen : undefined;
}

function clusterMethodOf(request: TrainPredictionsRequest): ClusterMethod {
  const som = request.som;
  if (som !== undefined && request.clusters !== undefined) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'give clusters (k-means) or som (a self-organizing map), not both', field: '/som' });
  }
  if (som !== undefined) {
    for (const side of ['rows', 'cols'] as const) {
      const value = som[side];
      if (!Number.isInteger(value) || value < 1 || value > 10) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `som.${side} must be a whole number from 1 to 10, got ${value}`, field: `/som/${side}` });
    }
    if (som.rows * som.cols < 2) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'a map of one unit finds no segments; give it at least 2 units', field: '/som' });
    return { kind: 'som', rows: som.rows, cols: som.cols, topology: som.topology ?? 'rectangular' };
  }
  const k = request.clusters ?? 4;
  if (!Number.isInteger(k) || k < 2 || k > 12) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `clusters must be a whole number from 2 to 12, got ${k}`, field: '/clusters' });
  }
  return { kind: 'kmeans', k };
}

function metricsOf(m: ClassificationMetrics): MetricsView {
  return { auc: m.auc, brier: m.brier, logLoss: m.logLoss, ece: m.ece };
}

function viewOf(model: PredictionModel, profilesRead: number | null): PredictionModelView {
  const p = model.propensity;
  return {
    version: model.version,
    trainedAt: new Date(model.trainedAt).toISOString(),
    customers: model.customers,
    profilesRead,
    propensity: p === undefined ? null : {
      horizonDays: p.horizonDays,
      heldOutCustomers: p.heldOut.customers,
      model: metricsOf(p.heldOut.logistic),
      rfmBaseline: metricsOf(p.heldOut.rfm),
      calibration: p.heldOut.calibration === undefined ? null : { method: p.heldOut.calibration.choice.method, uncalibrated: metricsOf(p.heldOut.calibration.uncalibrated) },
      modelChoice: p.heldOut.modelChoice === undefined ? null : { model: p.heldOut.modelChoice.model, rows: p.heldOut.modelChoice.rows, candidates: p.heldOut.modelChoice.candidates },
      coefficients: Object.fromEntries(p.model.logistic.columns.map((c, i) => [c, p.model.logistic.coefficients[i]!])),
    },
    inputs: model.inputs ?? null,
    lifetimeValue: lifetimeValueView(model),
    clusters: model.clusters === undefined ? null : {
      k: model.clusters.k,
      features: model.clusters.features,
      inertia: model.clusters.inertia,
      segments: model.clusters.descriptions.map((d) => ({ cluster: d.cluster, size: d.size, share: d.share, summary: d.summary })),
      stability: model.clusters.stability,
      population: model.clusters.population ?? 'customers',
      som: model.clusters.som ?? null,
    },
    notes: model.notes,
  };
}

function lifetimeValueView(model: PredictionModel): PredictionModelView['lifetimeValue'] {
  const l = model.lifetimeValue;
  if (l === undefined) return null;
  const { r, alpha, a, b, logLikelihood, converged, customers } = l.bgNbd;
  const g = l.gammaGamma;
  return {
    bgNbd: { r, alpha, a, b, logLikelihood, converged, customers },
    gammaGamma: g === undefined ? null : { p: g.p, q: g.q, v: g.v, customers: g.customers },
    monthlyDiscountRate: l.monthlyDiscountRate,
  };
}
