import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { checkSegmentPlan, segmentPlanProblems, type SegmentPlanCheck } from '../core/experiments/checkSegmentPlan.js';
import type { ProfileInputValues } from '../core/predict/inputs/ProfileInputs.js';
import type { PurchaseSummary } from '../core/predict/purchases/PurchaseSummary.js';
import type { PredictionModel } from '../core/predict/traits/PredictionModel.js';
import { predictionsOf, type PredictionsOfOptions } from '../core/predict/traits/predictionsOf.js';
import { allowsPersonalization } from '../core/consent/ConsentState.js';
import { addToTally, emptyValueTally, segmentValue, type SegmentValue, type ValueTally } from '../core/predict/traits/segmentValue.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { submitPatiently } from '../knowledge/reevaluateProfiles.js';
import type { LiveStore } from '../profiles/LiveStore.js';
import { currentInputs } from './currentInputs.js';

export interface SegmentValueServiceDeps {
  readonly store: Pick<LiveStore, 'committer' | 'profileIds' | 'knowledge'>;
  readonly models: KnowledgeModels;
  readonly clock: Clock;
  /** Profiles per group-commit job (default 1,000). */
  readonly chunk?: number;
}

export interface SegmentValueView extends SegmentValue {
  readonly segmentId: string;
}

export interface SegmentPlanRequest {
  readonly minimumDetectableEffect: number;
  readonly days: number;
  readonly power?: number;
  readonly arms?: number;
  /** The control's conversion rate; default the members' mean purchase_propensity. */
  readonly baselineRate?: number;
  readonly trafficShare?: number;
}

export interface SegmentPlanView extends SegmentPlanCheck {
  readonly segmentId: string;
  /** Where the baseline came from: the request, or the members' mean purchase_propensity (over its horizon). */
  readonly baselineSource: 'request' | 'purchase_propensity';
  readonly propensityHorizonDays: number | null;
  /** The entries the rate was measured from: profiles that entered in the window, and the window's days; null with less than a day of it. */
  readonly entryHistory: { readonly entries: number; readonly days: number } | null;
  readonly notes: readonly string[];
}

const dayMs = 86_400_000;
/** The entry rate is measured over the last four weeks (a whole number of weeks: weekdays weigh alike). */
const entryWindowDays = 28;

/**
 * A segment's predicted value and whether an experiment planned on it can reach its effect.
 * The members' knowledge is read in chunks through the group committer (as a training reads
 * it), so ingestion keeps flowing during a scan; the predictions are scored outside the jobs.
 */
export class SegmentValueService {
  constructor(private readonly deps: SegmentValueServiceDeps) {}

  /** The segment's size, customers and 12-month value against the workspace's: a scan of every profile. */
  async value(workspaceId: string, segmentId: string): Promise<SegmentValueView> {
    const model = await this.storedSegmentModel(workspaceId, segmentId);
    const now = this.deps.clock.now();
    const segment = emptyValueTally();
    const workspace = emptyValueTally();
    let after = '';
    for (;;) {
      const ids = await this.deps.store.profileIds(workspaceId, after, this.chunk);
      const rows = await this.read(workspaceId, ids, segmentId, now, model);
      for (const row of rows) {
        const values = predictionsOf(model, row.purchases, now, optionsOf(row)).values;
        addToTally(workspace, values, row.purchases !== undefined);
        if (row.member) addToTally(segment, values, row.purchases !== undefined);
      }
      if (ids.length < this.chunk) break;
      after = ids[ids.length - 1]!;
    }
    return { segmentId, ...segmentValue(segment, workspace, model) };
  }

  /** Can the segment give the plan its units per arm in its days? Bad input is a 400 naming the body's member. */
  async plan(workspaceId: string, segmentId: string, request: SegmentPlanRequest): Promise<SegmentPlanView> {
    const model = await this.storedSegmentModel(workspaceId, segmentId);
    const now = this.deps.clock.now();
    const notes: string[] = [];
    const members = await this.deps.store.knowledge.segmentSize(workspaceId, segmentId);
    const baseline = request.baselineRate !== undefined ? { rate: request.baselineRate, horizon: null } : await this.propensityBaseline(workspaceId, segmentId, model, now);
    if (request.baselineRate === undefined && baseline.horizon !== null) {
      notes.push(`the baseline is the members' mean chance of buying within ${baseline.horizon} days (purchase_propensity, customers only); give baselineRate for the experiment's own metric and window`);
    }
    const history = await this.deps.store.knowledge.segmentEntries(workspaceId, segmentId, now - entryWindowDays * dayMs);
    const days = history === undefined ? 0 : (now - history.from) / dayMs;
    const entryHistory = history !== undefined && days >= 1 ? { entries: history.entries, days: Number(days.toFixed(3)) } : null;
    if (entryHistory === null) notes.push('less than a day since the segment was created or changed: no entry rate yet, only today\'s members count');
    const input = { ...request, members, baselineRate: baseline.rate, entriesPerDay: entryHistory === null ? null : history!.entries / days };
    const problem = segmentPlanProblems(input)[0];
    if (problem !== undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: problem.message, field: `body/${problem.member}` });
    return {
      segmentId,
      ...checkSegmentPlan(input),
      baselineSource: request.baselineRate !== undefined ? 'request' : 'purchase_propensity',
      propensityHorizonDays: baseline.horizon,
      entryHistory,
      notes,
    };
  }

  private get chunk(): number {
    return this.deps.chunk ?? 1000;
  }

  /** The members' mean purchase propensity: a scan of the members only. */
  private async propensityBaseline(workspaceId: string, segmentId: string, model: PredictionModel | null, now: number): Promise<{ rate: number; horizon: number | null }> {
    const horizon = model?.propensity?.horizonDays ?? null;
    const missing = (why: string) => new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${why}: give baselineRate, the control's conversion rate`, field: 'body/baselineRate' });
    if (horizon === null) throw missing(model === null ? 'no prediction model has been trained' : 'the prediction model has no propensity part');
    const tally: ValueTally = emptyValueTally();
    let after = '';
    for (;;) {
      const page = await this.deps.store.knowledge.segmentMembers(workspaceId, segmentId, after, this.chunk);
      const ids = page.map((m) => m.profileId);
      for (const row of await this.read(workspaceId, ids, segmentId, now, model)) addToTally(tally, predictionsOf(model, row.purchases, now, optionsOf(row)).values, row.purchases !== undefined);
      if (ids.length < this.chunk) break;
      after = ids[ids.length - 1]!;
    }
    if (tally.scored === 0) throw missing('no member has a purchase_propensity (none has bought)');
    return { rate: tally.propensity / tally.scored, horizon };
  }

  /**
   * One group-commit job: each profile's purchase summary, whether it is in the segment, and
   * the inputs the model in force reads besides purchases (none for most models).
   */
  private async read(workspaceId: string, ids: readonly string[], segmentId: string, now: number, model: PredictionModel | null): Promise<{ purchases: PurchaseSummary | undefined; member: boolean; personalization: boolean; inputs?: ProfileInputValues }[]> {
    if (ids.length === 0) return [];
    // The inputs of the model the scan scores with, even if a retraining lands meanwhile; the
    // feature set to read them with only when there are some.
    const chosen = model?.inputs;
    const knowledge = await this.deps.models.get(workspaceId);
    const consent = knowledge.consent;
    return submitPatiently(this.deps.store.committer, (tx) => ids.filter((id) => tx.hasProfile(workspaceId, id)).map((id) => {
      const state = tx.loadKnowledge(workspaceId, id);
      // Without consent to personalise nothing is predicted for the person (predictionsOf answers nulls).
      const row = { purchases: state.o, member: Object.hasOwn(state.m, segmentId), personalization: allowsPersonalization(state.c, consent) };
      return chosen === undefined ? row : { ...row, inputs: currentInputs(knowledge, chosen, state.f, tx.loadProfileState(workspaceId, id).traits.values, now) };
    }), { workspaceId, profileIds: [...ids] });
  }

  /** The prediction model in force, once the segment is known to exist with stored members. */
  private async storedSegmentModel(workspaceId: string, segmentId: string): Promise<PredictionModel | null> {
    const model = await this.deps.models.get(workspaceId);
    if (model.segments.get(segmentId) === undefined) throw new AttuneError('ATTUNE_SEGMENT_NOT_FOUND', { detail: `no segment has the id "${segmentId}"` });
    if (model.segments.contextual.has(segmentId)) {
      throw new AttuneError('ATTUNE_CONFLICT', { detail: `segment "${segmentId}" reads the request context: it exists at decision time only, with no stored members to size or value` });
    }
    return model.predictions;
  }
}

/** Values only (`top: 0`): a segment's tally reads no explanations, and the tree model's attributions are the costly part. */
function optionsOf(row: { personalization: boolean; inputs?: ProfileInputValues }): PredictionsOfOptions {
  return row.inputs === undefined ? { personalization: row.personalization, top: 0 } : { inputs: row.inputs, personalization: row.personalization, top: 0 };
}
