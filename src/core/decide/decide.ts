import { allowsPersonalization, applyConsent, consentChanges, type ConsentState } from '../consent/ConsentState.js';
import type { KnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge, ruleInputWith, type KnowledgeState, type ProfileFacts } from '../knowledge/KnowledgeState.js';
import type { RuleInput } from '../rules/compileRule.js';
import { sessionTimeoutMs } from '../session/SessionState.js';
import { emptyCapState } from './caps.js';
import type { DecisionModel } from './compileDecisionModel.js';
import { decisionSteps, runPlacement, type Decision, type DecisionEnvironment, type DecisionFrame, type DecisionRequest, type DecisionStep, type FallbackReason } from './decisionSteps.js';
import { localeChain } from './renderTemplate.js';
import { timeZoneOf } from './timeZoneOf.js';
import { withField } from '../common/withField.js';
import { inHoldout } from '../experiments/assignArm.js';
import { HOLDOUT_ARM, PERSONALIZED_ARM } from '../experiments/ExperimentModel.js';
import type { Exposure } from '../experiments/experimentUnits.js';

/** The profile a decision is for, as the shell loaded it; null facts for a visitor Attune has not seen. */
export interface DecisionProfile {
  readonly facts: ProfileFacts | null;
  readonly knowledge: KnowledgeState;
}

export interface PlacementError {
  readonly code: 'ATTUNE_PLACEMENT_NOT_FOUND';
  readonly message: string;
  /** JSON pointer into the request. */
  readonly field: string;
}

export interface PlacementDecision {
  readonly placement: string;
  readonly channel: string | null;
  readonly fallback: FallbackReason | null;
  readonly decisions: readonly Decision[];
  readonly error?: PlacementError;
}

export interface DecideResult {
  readonly placements: readonly PlacementDecision[];
  /** The segments the profile is in at decision time, for the record: computed when called (records are sampled). */
  readonly segments: () => string[];
  /** First exposures to experiments and to the program (holdout or personalized): the shell logs them as events. */
  readonly exposures: readonly Exposure[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The profile's consent as this request sees it: consent given in the request's own context
 * (a visitor who just refused) counts at once, before any event is stored.
 */
function requestConsent(stored: ConsentState, context: Readonly<Record<string, unknown>>, now: number, knowledge: KnowledgeModel): ConsentState {
  if (!isObject(context['consent'])) return stored;
  // A deep copy: applyConsent updates entries in place, and the caller's profile must not change.
  const copy: ConsentState = {};
  for (const [purpose, entry] of Object.entries(stored)) copy[purpose] = [...entry];
  applyConsent(copy, consentChanges({ context }, now, knowledge.consent));
  return copy;
}

/**
 * Whether a request may personalise, as `decide` will judge it: for the shell, which must ask
 * for recommendations without the visitor's history when not (before the pure pipeline runs).
 */
export function personalizationAllowed(knowledge: KnowledgeModel, state: KnowledgeState | null, context: Readonly<Record<string, unknown>>, now: number): boolean {
  return allowsPersonalization(requestConsent((state ?? emptyKnowledge()).c, context, now, knowledge), knowledge.consent);
}

/**
 * The load step's pure half: what all placements of a request share. Consent given in the
 * request's own context (a visitor who just refused) counts at once, before any event is stored.
 */
export function decisionFrame(model: DecisionModel, profile: DecisionProfile, request: DecisionRequest, env: DecisionEnvironment): DecisionFrame {
  const knowledge = model.knowledge;
  const now = env.now;
  const state = profile.knowledge;
  const facts: ProfileFacts = profile.facts ?? { id: '', traits: {}, firstSeen: now, lastSeen: now };
  const context = request.context;
  const consentState = requestConsent(state.c, context, now, knowledge);
  const personalization = allowsPersonalization(consentState, knowledge.consent);
  // withField, not `{ ...object, field }`, which is slow in Node 20 (core/common/withField.ts): every decision builds these.
  const base: RuleInput = withField(ruleInputWith(personalization, withField(state, 'c', consentState), facts, knowledge, now), 'context', context);
  // Lazily: the rules of a placement ask about a few segments; the full list is for the record.
  // Without consent the person is in no segment, stored or of the moment (a refusal in this request included).
  const inSegment = personalization ? knowledge.segments.membership(state.m, base) : inNoSegment;
  const input: RuleInput = withField(base, 'inSegment', inSegment);
  const session = state.s;
  const given = profile.facts?.id ?? env.unitId ?? null;
  const unitId = given === '' ? null : given;
  const experiments = knowledge.experiments;
  const program = state.x !== undefined && Object.hasOwn(state.x, experiments.program.id) ? state.x[experiments.program.id]! : undefined;
  // Stored first: a merge or a change of the share does not move a profile in or out; a share of 0 ends the holdout for everyone.
  const share = experiments.measurement.holdoutShare;
  const heldOut = unitId !== null && personalization && share > 0
    && (program !== undefined ? program.a === HOLDOUT_ARM : inHoldout(experiments.holdoutSeed, unitId, share));
  return {
    model,
    request,
    env,
    profileId: profile.facts?.id ?? null,
    input,
    inSegment,
    segmentSnapshot: personalization ? () => knowledge.segments.current(state.m, base) : noSegments,
    personalization,
    caps: state.k ?? emptyCapState(),
    timeZone: timeZoneOf(context, facts.traits),
    locales: localeChain(typeof context['locale'] === 'string' ? context['locale'] : null),
    sessionStart: session !== null && now - session.last <= sessionTimeoutMs ? session.start : undefined,
    templateData: { profile: { id: facts.id, traits: facts.traits }, features: input.features, session: input.session, predictions: input.predictions, context },
    chosen: new Set(),
    unitId,
    units: state.x,
    heldOut,
    exposures: [],
  };
}

const inNoSegment = (): boolean => false;
const noSegments = (): string[] => [];

/**
 * The program's exposure: the first call that decides a placement for a consenting profile
 * puts it on the holdout's side or the personalized side for good (while a holdout runs).
 */
function exposeToProgram(frame: DecisionFrame, placements: readonly PlacementDecision[]): void {
  const experiments = frame.model.knowledge.experiments;
  if (frame.unitId === null || !frame.personalization || experiments.measurement.holdoutShare <= 0) return;
  if (frame.units !== undefined && Object.hasOwn(frame.units, experiments.program.id)) return;
  if (!placements.some((p) => p.error === undefined && p.fallback !== 'placement_invalid')) return;
  frame.exposures.push({ experimentId: experiments.program.id, armId: frame.heldOut ? HOLDOUT_ARM : PERSONALIZED_ARM });
}

/**
 * Decides every placement of a request, in the order asked: eligibility, consent, caps,
 * score, arbitrate, choose variant, render (decisionSteps). Pure: the shell loads the
 * profile before and records the result after. An unknown placement is an error of that
 * placement alone; the others are decided.
 */
export function decide(model: DecisionModel, profile: DecisionProfile | null, request: DecisionRequest, env: DecisionEnvironment, steps: readonly DecisionStep[] = decisionSteps): DecideResult {
  const frame = decisionFrame(model, profile ?? { facts: null, knowledge: emptyKnowledge() }, request, env);
  const placements = request.placements.map((ask, index): PlacementDecision => {
    const placement = model.placements.get(ask.id);
    if (placement === undefined) {
      return {
        placement: ask.id, channel: null, fallback: null, decisions: [],
        error: { code: 'ATTUNE_PLACEMENT_NOT_FOUND', message: `no placement has the id "${ask.id}"`, field: `/placements/${index}` },
      };
    }
    const count = Math.min(ask.count ?? placement.definition.count, placement.definition.count);
    const run = runPlacement(placement, count, frame, steps);
    return { placement: placement.id, channel: placement.definition.channel, fallback: run.fallback, decisions: run.decisions };
  });
  exposeToProgram(frame, placements);
  return { placements, segments: frame.segmentSnapshot, exposures: frame.exposures };
}
