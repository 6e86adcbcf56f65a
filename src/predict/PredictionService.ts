import type { Clock } from '../core/common/ports.js';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { ClassificationMetrics } from '../core/predict/propensity/classificationMetrics.js';
import { parsePredictionModel, serializePredictionModel, type PredictionModel } from '../core/predict/traits/PredictionModel.js';
import { predictionsOf, type ProfilePredictions } from '../core/predict/traits/predictionsOf.js';
import { trainPredictions, type TrainingProfile } from '../core/predict/traits/trainPredictions.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { submitPatiently } from '../knowledge/reevaluateProfiles.js';
import type { LiveStore } from '../profiles/LiveStore.js';

export interface PredictionServiceDeps {
  readonly store: Pick<LiveStore, 'committer' | 'profileIds' | 'knowledgeConfig' | 'profiles'>;
  readonly models: KnowledgeModels;
  readonly clock: Clock;
}

export interface TrainPredictionsRequest {
  /** "Buys within N days" (1 to 365); default 90. */
  readonly horizonDays?: number;
  /** Seeds the held-out split; default the model's version. */
  readonly seed?: number;
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
    readonly coefficients: Readonly<Record<string, number>>;
  } | null;
  readonly lifetimeValue: {
    readonly bgNbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean; customers: number };
    readonly gammaGamma: { p: number; q: number; v: number; customers: number } | null;
    readonly monthlyDiscountRate: number;
  } | null;
  readonly notes: readonly string[];
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
  constructor(private readonly deps: PredictionServiceDeps) {}

  async train(workspaceId: string, request: TrainPredictionsRequest = {}): Promise<PredictionModelView> {
    const horizonDays = request.horizonDays ?? 90;
    if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 365) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `horizonDays must be a whole number of days from 1 to 365, got ${horizonDays}`, field: '/horizonDays' });
    }
    const { profiles, read } = await this.readProfiles(workspaceId, request.onProgress);
    const previous = await this.deps.store.knowledgeConfig.predictionModel(workspaceId);
    const version = (previous?.version ?? 0) + 1;
    const now = this.deps.clock.now();
    const model = trainPredictions(profiles, { version, now, horizonDays, random: seededRandom(request.seed ?? version) });
    await this.deps.store.knowledgeConfig.savePredictionModel(workspaceId, { version, createdAt: now, json: serializePredictionModel(model) }, keepVersions);
    this.deps.models.invalidate(workspaceId);
    return viewOf(model, read);
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
    const model = (await this.deps.models.get(workspaceId)).predictions;
    const purchases = await submitPatiently(this.deps.store.committer, (tx) => tx.loadKnowledge(workspaceId, profileId).o, { workspaceId, profileIds: [profileId] });
    return predictionsOf(model, purchases, this.deps.clock.now());
  }

  private async readProfiles(workspaceId: string, onProgress?: (read: number) => void): Promise<{ profiles: TrainingProfile[]; read: number }> {
    const profiles: TrainingProfile[] = [];
    let read = 0;
    let after = '';
    for (;;) {
      const ids = await this.deps.store.profileIds(workspaceId, after, chunk);
      const summaries = await submitPatiently(this.deps.store.committer, (tx) => ids.map((id) => tx.loadKnowledge(workspaceId, id).o), { workspaceId, profileIds: ids });
      ids.forEach((id, i) => {
        const purchases = summaries[i];
        if (purchases !== undefined) profiles.push({ id, purchases });
      });
      read += ids.length;
      onProgress?.(read);
      if (ids.length < chunk) return { profiles, read };
      after = ids[ids.length - 1]!;
    }
  }
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
      coefficients: Object.fromEntries(p.model.logistic.columns.map((c, i) => [c, p.model.logistic.coefficients[i]!])),
    },
    lifetimeValue: lifetimeValueView(model),
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
