import { allowsPersonalization, applyConsent, consentChanges, hasConsent, mergeConsent, type ConsentChange, type ConsentState } from '../consent/ConsentState.js';
import { derivedFeatures, orderEvent } from '../features/builtinFeatures.js';
import type { FeatureEvent, FeatureStates } from '../features/compileFeatures.js';
import type { RuleInput } from '../rules/compileRule.js';
import type { RuleValue } from '../rules/values.js';
import type { ChangedInputs, Memberships, MembershipChange } from '../segments/compileSegments.js';
import type { ChangedValues } from '../segments/segmentWatch.js';
import { mergeSessions, readSession, updateSession, type SessionState } from '../session/SessionState.js';
import type { KnowledgeModel } from './KnowledgeModel.js';
import { changedValues, coarseChanges } from './changedValues.js';
import { memoisedReader, noExplanations, partialRuleInput } from './partialRuleInput.js';
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
  /**
   * When the memberships `m` were last evaluated (ms, the time the rules ran at); absent
   * before the first evaluation and in states stored before it was kept. With it an event
   * re-evaluates only the segments whose values moved since then (`changedValues`); without
   * it, every segment reading the clock.
   */
  e?: number;
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

/**
 * Whether personal features, segments and predictions exist for this profile: its consent to
 * `personalization`, or the workspace's default for it.
 */
export function personalizes(state: KnowledgeState, model: KnowledgeModel): boolean {
  return allowsPersonalization(state.c, model.consent);
}

/**
 * What rules see of a profile at `now`: profile, features (with derived values), session and
 * predictions. Without consent to personalise: no features, no predictions, and the session
 * of a visitor never seen (what the person does stays unread), whatever the state holds.
 */
export function ruleInputFor(state: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, now: number): RuleInput {
  return ruleInputWith(personalizes(state, model), state, profile, model, now);
}

/** `ruleInputFor` for a caller that has judged consent already (once per event, once per decision). */
export function ruleInputWith(personal: boolean, state: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, now: number): RuleInput {
  if (!personal) return impersonalInput(state, profile, model, now);
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

function impersonalInput(state: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, now: number): RuleInput {
  return {
    now,
    profile: { id: profile.id, traits: profile.traits, first_seen: new Date(profile.firstSeen).toISOString(), last_seen: new Date(profile.lastSeen).toISOString() },
    features: {},
    session: readSession(null, now),
    predictions: noPredictions,
    explainPredictions: noExplanations,
    hasConsent: (purpose) => hasConsent(state.c, purpose, model.consent),
  };
}

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
 * Applies one event, in place: consent, then (with consent to personalise) features, session,
 * then the segments whose inputs changed, evaluated at the event's time (so a replay of the
 * log gives the same result). Consent comes first so that an event that withdraws
 * personalization takes effect with itself: the person's personal state is cleared and every
 * segment left (reason `consent`), and none is computed until a later grant, which starts
 * from that event and evaluates every segment. The session, caps, experiments and data
 * quality are kept either way (see src/core/consent/README.md).
 */
export function applyEventKnowledge(state: KnowledgeState, event: KnowledgeEvent, profile: ProfileFacts, model: KnowledgeModel): KnowledgeUpdate {
  const sink: UnreadableSink = [];
  const before = personalizes(state, model);
  const consent = applyConsent(state.c, consentChanges(event.body, event.timestamp, model.consent));
  const personal = personalizes(state, model);
  const features = personal ? model.features.update(state.f, event, sink) : noFeatures;
  // A profile's first event evaluates every segment: none has been evaluated for it yet; nor for a grant.
  const all = state.s === null || !before;
  const since = personal && !all ? state.e : undefined;
  // The last evaluation's time and the session as it read it, before this event moves it.
  const last = since === undefined ? null : { since, session: readSession(state.s, since) };
  state.s = updateSession(state.s, event);
  const items = recordItems(state, event, personal);
  let segments: readonly MembershipChange[];
  if (personal) {
    if (event.type === 'track' && event.name === orderEvent) state.o = recordPurchase(state.o, event.timestamp, orderValue(objectAt(event.body, 'properties')));
    const updated = new Set(features);
    const consentChanged = consent.length > 0;
    let input: RuleInput;
    let changed: ChangedInputs | ChangedValues | 'all';
    if (last === null) {
      input = ruleInputWith(true, state, profile, model, event.timestamp);
      changed = all ? 'all' : coarseChanges(updated, consentChanged);
    } else {
      const readNow = memoisedReader(model, state.f, event.timestamp);
      const session = readSession(state.s, event.timestamp);
      changed = changedValues(model.valueWatch, model.features, {
        since: last.since, now: event.timestamp, states: state.f, updated, readNow, sessionBefore: last.session, sessionNow: session, traitsChanged: event.traitsChanged, consentChanged,
      });
      // Only what the segments to evaluate read (a prediction model reads every feature).
      const read = model.predictions === null ? model.segments.featuresRead(changed) : null;
      input = read === null ? ruleInputWith(true, state, profile, model, event.timestamp) : partialRuleInput(state, profile, model, event.timestamp, { read, readNow, session });
    }
    const { memberships, changes } = model.segments.update(state.m, input, changed, event.timestamp);
    state.m = memberships;
    state.e = event.timestamp;
    segments = changes;
    const activity = state.h ?? emptyActivityHours();
    if (recordActivity(activity, { type: event.type, name: event.name, timestamp: event.timestamp, context: objectAt(event.body, 'context') })) state.h = activity;
  } else {
    segments = forgetPersonalState(state, model, event.timestamp);
  }
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
  return { features, consent, segments, interaction, experiments, unreadable, items };
}

const noFeatures: readonly string[] = [];

/**
 * Clears, in place, what is personal in a profile's knowledge (features, segment memberships,
 * purchase summary, item history, engagement hours) and returns the segment exits, reason
 * `consent`. Nothing to clear, nothing returned: the same on every event of a person who
 * refuses, so a replay of the log gives the same state and history.
 */
export function forgetPersonalState(state: KnowledgeState, model: KnowledgeModel, at: number): MembershipChange[] {
  // Every later event of a person who refused: nothing left to clear, nothing to allocate.
  if (state.o === undefined && state.r === undefined && state.h === undefined && isEmpty(state.f) && isEmpty(state.m)) return [];
  const leaves: MembershipChange[] = [];
  for (const id of Object.keys(state.m)) if (model.segments.get(id) !== undefined) leaves.push({ segment: id, kind: 'leave', at, reason: 'consent' });
  state.f = {};
  state.m = {};
  delete state.e;
  delete state.o;
  delete state.r;
  delete state.h;
  return leaves;
}

function isEmpty(record: Readonly<Record<string, unknown>>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return false;
  return true;
}

/** The event's items into the profile's history; the session's earlier items come back with them, for co-occurrence. */
function recordItems(state: KnowledgeState, event: KnowledgeEvent, personal: boolean): KnowledgeUpdate['items'] {
  if (event.type !== 'track') return null;
  const read = readItemEvent({ type: event.type, name: event.name, timestamp: event.timestamp, properties: objectAt(event.body, 'properties') });
  if (read === null) return null;
  // Without consent the item counts once, alone: no history of the person pairs it with others.
  if (!personal) return { event: read, sessionBefore: [] };
  const history = state.r ?? emptyItemHistory();
  // After updateSession: an event that starts a session pairs with nothing of the last one.
  const sessionBefore = state.s === null ? [] : itemsSince(history, state.s.start);
  recordItemEvent(history, read);
  state.r = history;
  return { event: read, sessionBefore };
}

/**
 * The knowledge of a profile that absorbs another: features and sessions merged as if one
 * profile had seen both streams, the latest consent per purpose, and segments re-evaluated;
 * when the merged consent refuses personalization, no personal state and no segment.
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
  if (!personalizes(state, model)) return { state, segments: forgetPersonalState(state, model, at) };
  const { memberships, changes } = model.segments.update(state.m, ruleInputFor(state, profile, model, at), 'all', at);
  state.m = memberships;
  state.e = at;
  return { state, segments: changes };
}

/** Segment memberships as of now (stored, plus those that depend on time or context), with entry times; none without consent. */
export function currentSegments(state: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, now: number, context?: unknown): { id: string; enteredAt: number | null }[] {
  if (!personalizes(state, model)) return [];
  const input = { ...ruleInputFor(state, profile, model, now), context };
  return model.segments.current(state.m, input).map((id) => ({ id, enteredAt: Object.hasOwn(state.m, id) ? state.m[id]! : null }));
}

function objectAt(body: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> | null {
  const value = Object.hasOwn(body, key) ? body[key] : undefined;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
