/**
 * Child process of the `know` benchmark: what evaluating knowledge costs in the pure core.
 * - one compiled rule's `matches` (the headline `ruleEvalNanos`) and a heavier rule's;
 * - all 50 segments re-evaluated with SegmentSet.update(..., 'all'), and with the change
 *   flags of an ordinary page view (what each event pays);
 * - building the RuleInput of a profile (ruleInputFor: every feature read at `now`);
 * - applyEventKnowledge per event over whole histories.
 * Inputs come from 64 profiles built from realistic histories, cycled so that the rule
 * sees different data each time, as it does across profiles.
 *
 *   node --import tsx --expose-gc bench/support/knowRules.ts [evaluations=5000000]
 */
import { compileKnowledgeModel } from '../../src/core/knowledge/KnowledgeModel.js';
import { ruleInputFor, type ProfileFacts } from '../../src/core/knowledge/KnowledgeState.js';
import { compileRule, type CompiledRule, type RuleInput } from '../../src/core/rules/compileRule.js';
import type { ChangedInputs, Memberships } from '../../src/core/segments/compileSegments.js';
import { childMain, collectGarbage } from './knowChild.js';
import { buildProfile, profileHistory, type ProfileHistory } from './knowHistory.js';
import { heavyRule, knowFeatures, knowSegments, simpleRule } from './knowWorkspace.js';
import { seededRandom } from './random.js';

export interface Timing {
  /** Median over the rounds, ns per operation. */
  readonly nanos: number;
  readonly minNanos: number;
  readonly maxNanos: number;
  readonly operations: number;
}

export interface RuleTimings {
  readonly evaluations: number;
  readonly simpleRule: { readonly source: string; readonly cost: number; readonly matchShare: number; readonly timing: Timing };
  readonly heavyRule: { readonly source: string; readonly cost: number; readonly matchShare: number; readonly timing: Timing };
  readonly segmentsAll: { readonly segments: number; readonly stored: number; readonly timing: Timing; readonly nanosPerSegment: number };
  readonly segmentsOnPageView: { readonly evaluatedPerCall: number; readonly timing: Timing };
  readonly ruleInput: { readonly features: number; readonly timing: Timing };
  readonly applyEvent: { readonly profiles: number; readonly events: number; readonly timing: Timing };
}

const inputCount = 64; // a power of two: i & (inputCount - 1) picks the input

/** Runs `round` (which performs `perRound` operations) after a warm-up; ns per operation, median of `rounds`. */
function measure(perRound: number, rounds: number, warmupRounds: number, round: () => number): Timing {
  let sink = 0;
  for (let i = 0; i < warmupRounds; i++) sink += round();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    collectGarbage();
    const started = process.hrtime.bigint();
    sink += round();
    samples.push(Number(process.hrtime.bigint() - started) / perRound);
  }
  if (sink === -1) console.log(sink); // keeps the results alive
  samples.sort((a, b) => a - b);
  return { nanos: samples[Math.floor(samples.length / 2)]!, minNanos: samples[0]!, maxNanos: samples[samples.length - 1]!, operations: perRound * rounds };
}

function timeRule(rule: CompiledRule, inputs: readonly RuleInput[], evaluations: number): { timing: Timing; matchShare: number } {
  const mask = inputs.length - 1;
  const rounds = 5;
  const perRound = Math.max(1, Math.round(evaluations / rounds));
  const round = () => {
    let hits = 0;
    for (let i = 0; i < perRound; i++) if (rule.matches(inputs[i & mask]!)) hits++;
    return hits;
  };
  const matchShare = inputs.filter((input) => rule.matches(input)).length / inputs.length;
  return { timing: measure(perRound, rounds, 1, round), matchShare };
}

export function measureRules(evaluations: number): RuleTimings {
  const model = compileKnowledgeModel({ features: knowFeatures, segments: knowSegments });
  const end = Date.parse('2026-03-02T09:00:00.000Z');
  const random = seededRandom(20260302);
  const histories: ProfileHistory[] = Array.from({ length: 2000 }, (_, i) => profileHistory(random, i, end));
  const built = histories.slice(0, inputCount).map((h) => buildProfile(model, h));
  // Evaluated a minute after each profile's last event, as the decision after a page view would be: the session is live.
  const nows = built.map((p) => p.lastSeen + 60_000);
  const facts = built.map((p): ProfileFacts => ({ id: p.id, traits: p.traits.values, firstSeen: p.firstSeen, lastSeen: p.lastSeen }));
  const inputs: RuleInput[] = built.map((p, i) => {
    const input = ruleInputFor(p.knowledge, facts[i]!, model, nows[i]!);
    const m: Memberships = p.knowledge.m;
    return { ...input, inSegment: (id: string) => Object.hasOwn(m, id) };
  });
  const schema = { ...model.schema, segments: knowSegments.map((s) => s.id) };
  const simple = compileRule(simpleRule, schema);
  const heavy = compileRule(heavyRule, schema);

  const simpleTiming = timeRule(simple, inputs, evaluations);
  const heavyTiming = timeRule(heavy, inputs, Math.round(evaluations / 5));

  const mask = inputCount - 1;
  const segmentCalls = 200_000;
  const segmentsAll = measure(segmentCalls / 5, 5, 1, () => {
    let changes = 0;
    for (let i = 0; i < segmentCalls / 5; i++) changes += model.segments.update(built[i & mask]!.knowledge.m, inputs[i & mask]!, 'all', nows[i & mask]!).changes.length;
    return changes;
  });
  // What a page view flags: the session, and the page-view features.
  const pageView: ChangedInputs = { features: new Set(['page_views_1h', 'page_views_24h', 'articles_read_90d']), profile: false, session: true, consent: false };
  const segmentsOnPageView = measure(segmentCalls / 5, 5, 1, () => {
    let changes = 0;
    for (let i = 0; i < segmentCalls / 5; i++) changes += model.segments.update(built[i & mask]!.knowledge.m, inputs[i & mask]!, pageView, nows[i & mask]!).changes.length;
    return changes;
  });
  const stored = model.segments.ordered.filter((s) => !model.segments.contextual.has(s.id));
  const evaluatedOnPageView = stored.filter((s) => s.inputs.clock || s.inputs.session || [...s.inputs.features].some((f) => pageView.features.has(f))).length;

  const inputCalls = 200_000;
  const ruleInput = measure(inputCalls / 5, 5, 1, () => {
    let n = 0;
    for (let i = 0; i < inputCalls / 5; i++) n += ruleInputFor(built[i & mask]!.knowledge, facts[i & mask]!, model, nows[i & mask]!).now > 0 ? 1 : 0;
    return n;
  });

  const events = histories.reduce((sum, h) => sum + h.events.length, 0);
  const applyEvent = measure(events, 5, 1, () => {
    let n = 0;
    for (const h of histories) n += Object.keys(buildProfile(model, h).knowledge.m).length;
    return n;
  });

  return {
    evaluations,
    simpleRule: { source: simpleRule, cost: simple.cost, matchShare: simpleTiming.matchShare, timing: simpleTiming.timing },
    heavyRule: { source: heavyRule, cost: heavy.cost, matchShare: heavyTiming.matchShare, timing: heavyTiming.timing },
    segmentsAll: { segments: model.segments.ordered.length, stored: stored.length, timing: segmentsAll, nanosPerSegment: segmentsAll.nanos / stored.length },
    segmentsOnPageView: { evaluatedPerCall: evaluatedOnPageView, timing: segmentsOnPageView },
    ruleInput: { features: model.features.names.length, timing: ruleInput },
    applyEvent: { profiles: histories.length, events, timing: applyEvent },
  };
}

if (process.argv[1]?.endsWith('knowRules.ts') === true) {
  const evaluations = Number(process.argv[2] ?? 5_000_000);
  childMain(() => measureRules(evaluations));
}
