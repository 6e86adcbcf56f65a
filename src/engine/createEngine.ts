import { AuditTrail } from '../audit/AuditTrail.js';
import { CatalogService } from '../catalog/CatalogService.js';
import { Collector, type CollectObserver } from '../collect/Collector.js';
import type { Clock, IdGenerator } from '../core/common/ports.js';
import type { Random } from '../core/common/random.js';
import { DecisionAdmin } from '../decide/DecisionAdmin.js';
import { DecisionModels } from '../decide/DecisionModels.js';
import { BanditAllocations } from '../decide/BanditAllocations.js';
import { ExperimentBandits } from '../experiments/ExperimentBandits.js';
import { ContextualBandits } from '../decide/ContextualBandits.js';
import { DecisionService, type DecisionObserver } from '../decide/DecisionService.js';
import { KnowledgeAdmin } from '../knowledge/KnowledgeAdmin.js';
import { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { WorkspaceService } from '../workspaces/WorkspaceService.js';
import { AccessService, defaultAccessSettings, type AccessSettings } from '../access/AccessService.js';
import { ExperimentService } from '../experiments/ExperimentService.js';
import { RecommendService } from '../recommend/RecommendService.js';
import { PredictionService } from '../predict/PredictionService.js';
import { SegmentValueService } from '../predict/SegmentValueService.js';
import { RecommenderModels } from '../recommend/RecommenderModels.js';
import { OrderRulesService } from '../recommend/OrderRules.js';
import { ContentModels } from '../recommend/ContentModels.js';
import { LiveSessions } from '../recommend/LiveSessions.js';
import type { LiveStore } from '../profiles/LiveStore.js';
import { PersonalizerService, type PersonalizerSettings } from '../learn/PersonalizerService.js';
import { PrivacyService } from '../privacy/PrivacyService.js';
import { SuppressionList } from '../privacy/SuppressionList.js';
import { QualityCounters } from '../quality/QualityCounters.js';
import { QualityService } from '../quality/QualityService.js';
import { RetentionService } from '../retention/RetentionService.js';
import { FairnessService } from '../fairness/FairnessService.js';
import { ReviewGate } from '../review/ReviewGate.js';
import { ReviewService } from '../review/ReviewService.js';
import { VersionedAudit } from '../review/VersionedAudit.js';

export interface EngineOptions {
  readonly store: LiveStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: Random;
  /** Share of decisions recorded (0 to 1). */
  readonly decisionSampleRate: number;
  readonly collectObserver?: CollectObserver;
  readonly decisionObserver?: DecisionObserver;
  /** The Personalizer-compatible loop's settings (exploration share, model size, reward wait); defaults as Personalizer's. */
  readonly personalizer?: Partial<PersonalizerSettings>;
  /** Password work factor, invitation and session lifetimes; default OWASP's scrypt, 72 h, 12 h. */
  readonly access?: Partial<AccessSettings>;
  /** Where a failed write of the data-quality counters is reported (default: ignored; the counts are lost). */
  readonly onQualityWriteError?: (error: unknown) => void;
}

/**
 * Attune without HTTP: what the server wraps in routes, and what the CLI, the demo, the
 * example shop and the Node SDK's in-process mode call. Every configuration change goes
 * through one of its services (features and segments: `knowledgeAdmin`; actions and placements:
 * `decisionAdmin`; experiments, metrics and measurement settings: `experiments`;
 * workspaces, keys and identity settings: `workspaces`; catalog items: `catalog`), which check it, save it, drop
 * the compiled models it changes and record it in the audit trail; nothing else writes definitions to the store.
 */
export interface Engine {
  readonly store: LiveStore;
  /** The audit trail every service records its changes in (with the caller of `runAs`); query, export, verify. */
  readonly audit: AuditTrail;
  readonly workspaces: WorkspaceService;
  /** Users, roles, personal tokens and sessions (src/access). */
  readonly access: AccessService;
  readonly models: KnowledgeModels;
  readonly decisionModels: DecisionModels;
  readonly knowledgeAdmin: KnowledgeAdmin;
  readonly decisionAdmin: DecisionAdmin;
  readonly collector: Collector;
  readonly decisions: DecisionService;
  readonly experiments: ExperimentService;
  /** The catalog: items change only through it; `getItems` reads them by id in bulk. */
  readonly catalog: CatalogService;
  /** Recommendations from the online item models, the trained model and the catalog (POST /v1/recommend). */
  readonly recommendations: RecommendService;
  /** Trained recommender models: the training job, versions, activation, the active model as served. */
  readonly recommenders: RecommenderModels;
  /** Association rules of a workspace's orders, mined on request from the log. */
  readonly orderRules: OrderRulesService;
  /** Content similarity per workspace, built from the catalog and kept current by its changes. */
  readonly contentModels: ContentModels;
  /** Session kNN and sequential rules over the live sessions, fed by every view the write model applies. */
  readonly sessions: LiveSessions;
  /** Prediction models (`predictions.*`): the training job, the model in force, a profile's scores. */
  readonly predictions: PredictionService;
  /** A segment's predicted value, and whether an experiment planned on it reaches its effect. */
  readonly segmentValues: SegmentValueService;
  /** Microsoft Personalizer's rank-and-reward loop: a shared linear model per workspace, learned from its logged rank events. */
  readonly personalizer: PersonalizerService;
  /** The Thompson-sampling allocations of bandit placements, in force per workspace (the arms report shows them). */
  readonly bandits: BanditAllocations;
  /** The learned models of contextual placements, fed by every decision interaction the write model counts. */
  readonly contextual: ContextualBandits;
  /** The collect path's data-quality counters, written behind; `flush()` before the store closes. */
  readonly qualityCounters: QualityCounters;
  /** The data-quality report and the tracking plan (which changes only through it). */
  readonly quality: QualityService;
  /** The fairness report and the fairness settings (which change only through it). */
  readonly fairness: FairnessService;
  /** Data-subject rights: export, erasure with a receipt, suppression (docs/privacy.md). */
  readonly privacy: PrivacyService;
  /** Draft, review, publish: drafts, approvals, scheduled publishing, versions, diffs, reverts (docs/review.md). */
  readonly review: ReviewService;
  /** Retention: each workspace's policy and the purge it drives (docs/retention.md). */
  readonly retention: RetentionService;
}

/** Wires the services over a store; the one place that knows how they fit together. */
export function createEngine(options: EngineOptions): Engine {
  const { store, clock, ids } = options;
  const audit = new AuditTrail({ store: store.audit, clock });
  // The reviewable kinds' services ask the gate before a change and record it through
  // VersionedAudit, which keeps every published version beside the audit entry.
  const gate = new ReviewGate({ store: store.review, clock });
  const versioned = new VersionedAudit({ audit, store: store.review, clock });
  const workspaces = new WorkspaceService(store.workspaces, clock, audit);
  const access = new AccessService(store.users, workspaces, clock, { ...defaultAccessSettings, ...options.access }, audit);
  const models = new KnowledgeModels(store.knowledgeConfig, clock, { experiments: store.experiments });
  const decisionModels = new DecisionModels(models, store.decisionConfig);
  // One of each per engine: KnowledgeAdmin runs a workspace's changes one at a time, which
  // holds only if every caller goes through the same instance.
  const knowledgeAdmin = new KnowledgeAdmin({ store, models, clock, audit: versioned, gate });
  const decisionAdmin = new DecisionAdmin({ store: store.decisionConfig, models: decisionModels, clock, audit: versioned, gate });
  const qualityCounters = new QualityCounters(store.quality, { onError: options.onQualityWriteError ?? (() => undefined) });
  // Collection drops the events of suppressed people before they reach the log.
  const suppression = new SuppressionList({ store: store.privacy, clock });
  const collector = new Collector({
    committer: store.committer, clock, ids, models, tally: qualityCounters, suppression, ...(options.collectObserver === undefined ? {} : { observer: options.collectObserver }),
  });
  const quality = new QualityService({ store, counters: qualityCounters, clock, audit });
  const fairness = new FairnessService({ store, clock, audit });
  const catalog = new CatalogService({ store: store.catalog, clock, audit });
  // One per engine: it runs one training at a time per workspace and caches the active models.
  const recommenders = new RecommenderModels({ store: store.recommenderModels, events: store.events, settle: () => store.committer.flush(), clock, audit });
  const orderRules = new OrderRulesService({ events: store.events, clock });
  const contentModels = new ContentModels({ items: store.catalog });
  catalog.onChange(contentModels.apply);
  const sessions = new LiveSessions({ events: store.events, clock });
  store.live.onItemEvent(sessions.record);
  const recommendations = new RecommendService({
    reader: store.decisions, itemModels: (ws) => store.itemModels(ws), trainedModel: (ws) => recommenders.served(ws), catalog, knowledge: models, clock,
    contentModels, sessions,
  });
  const bandits = new BanditAllocations({
    outcomes: (ws) => store.decisions.outcomes(ws), clock, random: options.random,
    onError: (error) => options.decisionObserver?.recordFailed(error),
  });
  const contextual = new ContextualBandits({
    reader: store.decisions, models: decisionModels, clock, onError: (error) => options.decisionObserver?.recordFailed(error),
  });
  store.live.onInteraction(contextual.record);
  const experimentBandits = new ExperimentBandits({
    store: store.experiments, clock, random: options.random, onError: (error) => options.decisionObserver?.recordFailed(error),
  });
  const decisions = new DecisionService({
    models: decisionModels, reader: store.decisions, committer: store.committer, collector, clock, ids, random: options.random,
    sampleRate: options.decisionSampleRate, recommender: recommendations, bandits, contextual, experimentWeights: experimentBandits,
    ...(options.decisionObserver === undefined ? {} : { observer: options.decisionObserver }),
  });
  const experiments = new ExperimentService({ store: store.experiments, models: decisionModels, clock, audit: versioned, gate, bandits: experimentBandits });
  const review = new ReviewService({ store: store.review, gate, services: { knowledgeAdmin, decisionAdmin, experiments }, clock, ids, audit });
  const predictions = new PredictionService({ store, models, clock, segments: knowledgeAdmin, audit });
  const segmentValues = new SegmentValueService({ store, models, clock });
  const personalizer = new PersonalizerService({
    store: store.rankEvents, clock, ids, random: options.random, ...(options.personalizer === undefined ? {} : { settings: options.personalizer }),
    onRecordError: (error) => options.decisionObserver?.recordFailed(error),
  });
  // Decision records and rank events are both written behind: an export or an erasure writes
  // what waits first, so that it sees (and deletes) them.
  const flushDecisionRecords = async () => {
    await decisions.flushRecords();
    await personalizer.flushEvents();
  };
  const privacy = new PrivacyService({
    store, models, predictions, sessions, suppression, flushDecisionRecords, clock, ids, audit,
  });
  const retention = new RetentionService({ store, models, audit, flushDecisionRecords: () => decisions.flushRecords(), clock });
  return {
    store, audit, workspaces, access, models, decisionModels, knowledgeAdmin, decisionAdmin, collector, decisions, experiments, catalog, recommendations, recommenders, orderRules,
    contentModels, sessions, predictions, segmentValues, personalizer, bandits, contextual, qualityCounters, quality, fairness, privacy,
    review, retention,
  };
}
