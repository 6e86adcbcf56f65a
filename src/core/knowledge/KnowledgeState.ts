import { applyConsent, consentChanges, hasConsent, mergeConsent, type ConsentChange, type ConsentState } from '../consent/ConsentState.js';
import { derivedFeatures, orderEvent } from '../features/builtinFeatures.js';
import type { FeatureEvent, FeatureStates } from '../features/compileFeatures.js';
import type { RuleInput } from '../rules/compileRule.js';
import type { RuleValue } from '../rules/values.js';
import type { Memberships, MembershipChange } from '../segments/compileSegments.js';
import { mergeSessions, readSession, updateSession, type SessionState } from '../session/SessionState.js';
import type { KnowledgeModel } from './KnowledgeModel.js';
import { emptyCapState, mergeCapStates, type CapState } from '../decide/caps.js';
import { timeZoneOf } from '../decide/timeZoneOf.js';
import { emptyActivityHours, mergeActivityHours, recordActivity, type ActivityHours } from '../sendTime/ActivityHours.js';
import { applyInteraction, readInteraction, type Interaction } from '../decide/interactions.js';
import type { UnreadableNumber, UnreadableSink } from '../common/readNumber.js';
import { countUnreadable, distinctUnreadable, mergeDataQuality, type DataQuality } from './dataQuality.js';
import { emptyItemHistory, itemsSince, mergeItemHistories, readItemEvent, recordItemEvent, type ItemEvent, type ItemHistory } from '../recommend/history/itemHistory.js';
import { mergePurchaseSummaries, orderValue, recordPurchase, type PurchaseSummary } from '../predict/purchases/PurchaseSummary.js';
import type { ProfileInputValues } from '../predict/inputs/ProfileInputs.js';
import type { PredictionModel } from '../predict/traits/PredictionModel.js';
import { lazyPredictions, noPredictions, predictionsOf, type ProfilePredictions } from '../predict/traits/predictionsOf.js';
import { applyExperimentEvent, covariateValue, EXPOSURE_EVENT, mergeExperimentUnits, type ArmStatChange, type ExperimentUnits } from '../experiments/experimentUnits.js';

/**
 * Everything Attune keeps hot about one profile, besides identities and traits: feature
 * states, the live session, consent decisions and stored segment memberships. Plain JSON.
 */
export interface KnowledgeState {
  f: FeatureStates;
  s: SessionState | null;
  c: ConsentState;
  m: Memberships;
  /** Frequency-cap state (impressions, dismisses, clicks of decisions); absent until the first interaction. */
  k?: CapState;
  /** Engagement per channel and UTC hour, decayed (best send time); absent until the first engagement. */
  h?: ActivityHours;
  /** Experiments the profile was exposed to (arm, first exposure, metric values); absent until the first exposure. */
  x?: ExperimentUnits;
  /** Numeric values that were present but could not be read, by property path; absent while there is none. */
  q?: DataQuality;
  /** Recent items viewed, added and bought (e-commerce events); absent until the first. */
  r?: ItemHistory;
  /** Purchase days and spend (lifetime-value models); absent until the first order. */
  o?: PurchaseSummary;
}

export function emptyKnowledge(): KnowledgeState {
  return { f: {}, s: null, c: {}, m: {} };
}

/** The profile facts rules read under `profile`, and that derived features need. */
export interface ProfileFacts {
  readonly id: string;
  readonly traits: Readonly<Record<string, unknown>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

export interface KnowledgeEvent extends FeatureEvent {
  /** Whether this event changed the profile's traits (an identify call). */
  readonly traitsChanged: boolean;
}

export interface KnowledgeUpdate {
  readonly features: readonly string[];
  readonly consent: readonly ConsentChange[];
  readonly segments: readonly MembershipChange[];
  /** The decision interaction the event reported (impression, click, ...), for outcome counters. */
  readonly interaction: Interaction | null;
  /** Changes to experiment arms' statistics (an exposure, or a metric value that moved). */
  readonly experiments: readonly ArmStatChange[];
  /** Numeric values of the event that features or metrics could not read, one per property path. */
  readonly unreadable: readonly UnreadableNumber[];
  /** The items the event was about (an e-commerce event), and the session's items before it. */
  readonly items: { readonly event: ItemEvent; readonly sessionBefore: readonly string[] } | null;
}

const noChanges: readonly ArmStatChange[] = [];

/** What rules see of a profile at `now`: profile, features (with derived values) and session. */
export function ruleInputFor(state: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, now: number): RuleInput {
  const values: Record<string, RuleValue> = model.features.read(state.f, now);
  const derived = derivedFeatures(values, profile, now);
  Object.assign(values, derived);
  const scorer = model.predictions === null ? null : predictionScorer(model.predictions, state.o, now, { features: values, traits: profile.traits });
  return {
    now,
    // The same ISO times as features.first_seen and last_seen: formatted once, on every event.
    profile: { id: profile.id, traits: profile.traits, first_seen: derived['first_seen'], last_seen: derived['last_seen'] },
    features: values,
    session: readSession(state.s, now),
    predictions: scorer?.values ?? noPredictions,
    explainPredictions: scorer?.explain ?? noExplanations,
    hasConsent: (purpose) => hasConsent(state.c, purpose, model.consent),
  };
}

const noExplanations = (): Readonly<Record<string, never>> => ({});

/**
 * One scoring of a profile, on first use, for both the `predictions` rules read and the
 * explanations decisions show. Only built when the workspace has a model: most events and
 * decisions pay nothing for predictions.
 */
function predictionScorer(model: PredictionModel, purchases: PurchaseSummary | undefined, now: number, inputs: ProfileInputValues): { values: Readonly<Record<string, number | null>>; explain: () => ProfilePredictions['explanations'] } {
  let scored: ProfilePredictions | undefined;
  const score = (): ProfilePredictions => (scored ??= predictionsOf(model, purchases, now, { inputs }));
  return { values: lazyPredictions(() => score().values), explain: () => score().explanations };
}

/**
 * Applies one event, in place: features, session, consent, then the segments whose inputs
 * changed, evaluated at the event's time (so a replay of the log gives the same result).
 */
export function applyEventKnowledge(state: KnowledgeState, event: KnowledgeEvent, profile: ProfileFacts, model: KnowledgeModel): KnowledgeUpdate {
  const sink: UnreadableSink = [];
  const features = model.features.update(state.f, event, sink);
  // A profile's first event evaluates every segment: none has been evaluated for it yet.
  const first = state.s === null;
  state.s = updateSession(state.s, event);
  const items = recordItems(state, event);
  if (event.type === 'track' && event.name === orderEvent) state.o = recordPurchase(state.o, event.timestamp, orderValue(objectAt(event.body, 'properties')));
  const consent = applyConsent(state.c, consentChanges(event.body, event.timestamp, model.consent));
  const input = ruleInputFor(state, profile, model, event.timestamp);
  const changed = { features: new Set(features), profile: event.traitsChanged, session: true, consent: consent.length > 0 };
  const { memberships, changes } = model.segments.update(state.m, input, first ? 'all' : changed, event.timestamp);
  state.m = memberships;
  const activity = state.h ?? emptyActivityHours();
  if (recordActivity(activity, { type: event.type, name: event.name, timestamp: event.timestamp, context: objectAt(event.body, 'context') })) state.h = activity;
  const read = readInteraction({ type: event.type, name: event.name, timestamp: event.timestamp, properties: objectAt(event.body, 'properties'), context: objectAt(event.body, 'context') }, sink);
  const interaction = read === null ? null : { ...read, timeZone: timeZoneOf(objectAt(event.body, 'context'), profile.traits) };
  if (interaction !== null) state.k = applyInteraction(state.k ?? emptyCapState(), interaction);
  let experiments: readonly ArmStatChange[] = noChanges;
  // Most events of most profiles: no experiment, no exposure.
  if (state.x !== undefined || event.name === EXPOSURE_EVENT) {
    const properties = objectAt(event.body, 'properties') ?? {};
    const applied = applyExperimentEvent(
      state.x, { type: event.type, name: event.name, timestamp: event.timestamp, properties }, model.experiments,
      (feature) => covariateValue(model.features.read(state.f, event.timestamp)[feature]),
      sink,
    );
    if (applied.units !== undefined) state.x = applied.units;
    experiments = applied.changes;
  }
  const unreadable = distinctUnreadable(sink);
  const quality = countUnreadable(state.q, unreadable);
  if (quality !== undefined) state.q = quality;
  return { features, consent, segments: changes, interaction, experiments, unreadable, items };
}

/** The event's items into the profile's history; the session's earlier items come back with them, for co-occurrence. */
function recordItems(state: KnowledgeState, event: KnowledgeEvent): KnowledgeUpdate['items'] {
  if (event.type !== 'track') return null;
  const read = readItemEvent({ type: event.type, name: event.name, timestamp: event.timestamp, properties: objectAt(event.body, 'properties') });
  if (read === null) return null;
  const history = state.r ?? emptyItemHistory();
  // After updateSession: an event that starts a session pairs with nothing of the last one.
  const sessionBefore = state.s === null ? [] : itemsSince(history, state.s.start);
  recordItemEvent(history, read);
  state.r = history;
  return { event: read, sessionBefore };
}

/**
 * The knowledge of a profile that absorbs another: features and sessions merged as if one
 * profile had seen both streams, the latest consent per purpose, and segments re-evaluated.
 */
export function mergeKnowledge(survivor: KnowledgeState, absorbed: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, at: number): { state: KnowledgeState; segments: readonly MembershipChange[] } {
  const state: KnowledgeState = {
    f: model.features.merge(survivor.f, absorbed.f),
    s: mergeSessions(survivor.s, absorbed.s),
    c: mergeConsent(survivor.c, absorbed.c),
    m: survivor.m,
  };
  if (survivor.k !== undefined || absorbed.k !== undefined) state.k = mergeCapStates(survivor.k, absorbed.k);
  const units = mergeExperimentUnits(survivor.x, absorbed.x);
  if (units !== undefined) state.x = units;
  const quality = mergeDataQuality(survivor.q, absorbed.q);
  if (quality !== undefined) state.q = quality;
  const purchases = mergePurchaseSummaries(survivor.o, absorbed.o);
  if (purchases !== undefined) state.o = purchases;
  const items = mergeItemHistories(survivor.r, absorbed.r);
  if (items !== undefined) state.r = items;
  if (survivor.h !== undefined || absorbed.h !== undefined) state.h = mergeActivityHours(survivor.h ?? emptyActivityHours(), absorbed.h ?? emptyActivityHours());
  const { memberships, changes } = model.segments.update(state.m, ruleInputFor(state, profile, model, at), 'all', at);
  state.m = memberships;
  return { state, segments: changes };
}

/** Segment memberships as of now (stored, plus those that depend on time or context), with entry times. */
export function currentSegments(state: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, now: number, context?: unknown): { id: string; enteredAt: number | null }[] {
  const input = { ...ruleInputFor(state, profile, model, now), context };
  return model.segments.current(state.m, input).map((id) => ({ id, enteredAt: Object.hasOwn(state.m, id) ? state.m[id]! : null }));
}

function objectAt(body: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> | null {
  const value = Object.hasOwn(body, key) ? body[key] : undefined;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
