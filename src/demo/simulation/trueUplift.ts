import { seededRandom } from '../../core/common/random.js';
import { compileDecisionModel, type CompiledAction } from '../../core/decide/compileDecisionModel.js';
import type { FeatureStates } from '../../core/features/compileFeatures.js';
import { compileKnowledgeModel } from '../../core/knowledge/KnowledgeModel.js';
import { topCategory, type Customer, type ShopWorld } from './ShopWorld.js';
import { mixSeed, simulateVisit, visitRandom, visitStartsAt, type Shown, type SimEvent } from './simulateVisit.js';

/**
 * What a policy shows a customer at `at` (ms) on `day`, knowing only the customer's own
 * earlier events in this arm (`history`, oldest first). A policy may also read the hidden
 * tastes (the oracle does), which no real policy can.
 */
export type Policy = (customer: Customer, history: readonly SimEvent[], at: number, day: number) => Shown;

/** Always the generic banner: the experiment's control. */
export function genericPolicy(world: ShopWorld): Policy {
  return () => ({ actionId: world.genericActionId, category: null });
}

/** Perfect information: the promo of the customer's favourite category, by the hidden tastes. */
export function oraclePolicy(world: ShopWorld): Policy {
  const actionOf = Object.fromEntries(Object.entries(world.categoryOfAction).map(([action, category]) => [category, action]));
  return (customer) => {
    const category = topCategory(customer);
    return { actionId: actionOf[category] ?? null, category };
  };
}

/** A promo for a category drawn at random on each visit, blind to the customer (seeded per customer and day). */
export function randomCategoryPolicy(world: ShopWorld, seed: number): Policy {
  const promos = Object.entries(world.categoryOfAction);
  return (customer, _history, _at, day) => {
    const [actionId, category] = promos[Math.floor(seededRandom(mixSeed(seed, customer.index, day)).next() * promos.length)]!;
    return { actionId, category };
  };
}

/**
 * The configured rules on the customer's observable history, as the engine decides under the
 * placement's priority strategy with no caps: the world's features and actions are compiled
 * by Attune's own core (compileKnowledgeModel, compileDecisionModel), the history is folded
 * into feature states, and the eligible action of highest priority is shown (ties: the
 * lower id, as the engine sorts). Throws if an action does not compile.
 */
export function rulePolicy(world: ShopWorld): Policy {
  const knowledge = compileKnowledgeModel({ features: world.features, segments: [] });
  const model = compileDecisionModel({ actions: world.actions, placements: [world.placement] }, knowledge);
  const placement = model.placements.get(world.placement.id);
  if (placement === undefined) throw new Error(`placement ${world.placement.id} did not compile`);
  const broken = [...placement.problems, ...placement.actions.flatMap((a) => a.problems.map((p) => `${a.id}: ${p}`))];
  if (broken.length > 0) throw new Error(`the demo's decision model has problems: ${broken.join('; ')}`);
  const ranked: readonly CompiledAction[] = [...placement.actions].sort((x, y) => y.definition.priority - x.definition.priority || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  // Histories grow by appending; each one's feature states are kept and advanced.
  const folded = new WeakMap<readonly SimEvent[], { states: FeatureStates; seen: number }>();
  return (_customer, history, at) => {
    const entry = folded.get(history) ?? { states: {}, seen: 0 };
    for (; entry.seen < history.length; entry.seen++) {
      const event = history[entry.seen]!;
      knowledge.features.update(entry.states, {
        type: event.type,
        name: event.type === 'track' ? event.event : null,
        timestamp: Date.parse(event.timestamp),
        body: event,
      });
    }
    folded.set(history, entry);
    const features = knowledge.features.read(entry.states, at);
    const chosen = ranked.find((a) => a.enabled && (a.rule === null || a.rule.matches({ now: at, features })));
    if (chosen === undefined) return { actionId: null, category: null };
    return { actionId: chosen.id, category: world.categoryOfAction[chosen.id] ?? null };
  };
}

export interface ScheduledVisit {
  readonly day: number;
  readonly customer: Customer;
  readonly startsAt: number;
}

const SCHEDULE_STREAM = 0x5c4e;
const DROPOUT_STREAM = 0xd209;

/** The days a customer visits in the first `days`, and the day of the visit after which they left (null: still active). */
export interface CustomerVisitDays {
  readonly days: readonly number[];
  readonly droppedOutAfter: number | null;
}

/**
 * A customer's visit days: on each day while active, a visit with probability `visitRate`;
 * after each visit, the customer leaves for good with probability `dropoutProbability`.
 * Both draws are keyed by (seed, customer, day) and neither reads what was shown or bought,
 * so every policy sees the same visits (common random numbers).
 */
export function customerVisitDays(world: ShopWorld, customer: Customer, days: number): CustomerVisitDays {
  const visited: number[] = [];
  for (let day = 0; day < days; day++) {
    if (seededRandom(mixSeed(world.seed, customer.index, day, SCHEDULE_STREAM)).next() >= customer.visitRate) continue;
    visited.push(day);
    if (seededRandom(mixSeed(world.seed, customer.index, day, DROPOUT_STREAM)).next() < customer.dropoutProbability) {
      return { days: visited, droppedOutAfter: day };
    }
  }
  return { days: visited, droppedOutAfter: null };
}

/**
 * Who visits on which day, in time order (`customerVisitDays` for each customer): at most
 * once a day, never after leaving, independently of what was ever shown (so both arms of a
 * comparison, and the demo's experiment, see the same visits).
 */
export function scheduleVisits(world: ShopWorld, days: number): ScheduledVisit[] {
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a positive integer');
  const visits: ScheduledVisit[] = [];
  for (const customer of world.customers) {
    for (const day of customerVisitDays(world, customer, days).days) visits.push({ day, customer, startsAt: visitStartsAt(world, customer, day) });
  }
  return visits.sort((a, b) => a.startsAt - b.startsAt || a.customer.index - b.customer.index);
}

/** One customer's outcome over the period under one policy. */
export interface VisitorOutcome {
  readonly customerId: string;
  readonly visits: number;
  readonly orders: number;
  readonly revenue: number;
}

export interface ArmSummary {
  readonly visitors: number;
  readonly visits: number;
  /** Visitors with at least one order. */
  readonly converters: number;
  readonly orders: number;
  readonly revenue: number;
  /** converters / visitors. */
  readonly conversionRate: number;
  /** revenue / visitors. */
  readonly revenuePerVisitor: number;
}

/** Runs every scheduled visit under a policy, each customer's history growing with its own visits; per visitor, in customer order. */
export function runArm(world: ShopWorld, visits: readonly ScheduledVisit[], policy: Policy): VisitorOutcome[] {
  const histories = new Map<string, SimEvent[]>();
  const outcomes = new Map<string, { visits: number; orders: number; revenue: number; index: number }>();
  for (const { day, customer, startsAt } of visits) {
    const history = histories.get(customer.id) ?? [];
    histories.set(customer.id, history);
    const shown = policy(customer, history, startsAt, day);
    const visit = simulateVisit(world, customer, day, shown, visitRandom(world, customer, day));
    history.push(...visit.events);
    const outcome = outcomes.get(customer.id) ?? { visits: 0, orders: 0, revenue: 0, index: customer.index };
    outcome.visits += 1;
    if (visit.ordered) outcome.orders += 1;
    outcome.revenue += visit.revenue;
    outcomes.set(customer.id, outcome);
  }
  return [...outcomes.entries()]
    .sort((a, b) => a[1].index - b[1].index)
    .map(([customerId, o]) => ({ customerId, visits: o.visits, orders: o.orders, revenue: Math.round(o.revenue * 100) / 100 }));
}

export function summarize(outcomes: readonly VisitorOutcome[]): ArmSummary {
  const visitors = outcomes.length;
  const revenue = outcomes.reduce((s, o) => s + o.revenue, 0);
  const converters = outcomes.filter((o) => o.orders > 0).length;
  return {
    visitors,
    visits: outcomes.reduce((s, o) => s + o.visits, 0),
    converters,
    orders: outcomes.reduce((s, o) => s + o.orders, 0),
    revenue: Math.round(revenue * 100) / 100,
    conversionRate: visitors === 0 ? 0 : converters / visitors,
    revenuePerVisitor: visitors === 0 ? 0 : revenue / visitors,
  };
}

export interface UpliftMeasure {
  /** Personalized minus generic. */
  readonly absolute: number;
  /** absolute / generic; null when the generic value is 0. */
  readonly relative: number | null;
  /** Standard error of the mean per-visitor difference: how far this sample's truth is from the population's. */
  readonly standardError: number;
}

export interface TrueUplift {
  readonly seed: number;
  readonly days: number;
  readonly generic: ArmSummary;
  readonly personalized: ArmSummary;
  /** Difference of the share of visitors who ordered at least once. */
  readonly conversionRate: UpliftMeasure;
  /** Difference of revenue per visitor. */
  readonly revenuePerVisitor: UpliftMeasure;
}

function measure(differences: readonly number[], baseline: number, treated: number): UpliftMeasure {
  const n = differences.length;
  const mean = n === 0 ? 0 : differences.reduce((a, b) => a + b, 0) / n;
  const variance = n < 2 ? 0 : differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1);
  const absolute = treated - baseline;
  return { absolute, relative: baseline === 0 ? null : absolute / baseline, standardError: n === 0 ? 0 : Math.sqrt(variance / n) };
}

/**
 * The true uplift of `policy` over `baseline` (default: always the generic banner) for this
 * world: every scheduled visit of every customer is run under both, with the same random
 * numbers (`visitRandom`), so each visitor's two outcomes differ only by what was shown.
 * The mean per-visitor difference is the average treatment effect over this world's
 * visitors, which is what a randomized experiment on them (personalized against generic,
 * split by customer) estimates: its interval should cover these numbers.
 */
export function computeTrueUplift(world: ShopWorld, options: { readonly days: number; readonly policy: Policy; readonly baseline?: Policy }): TrueUplift {
  const visits = scheduleVisits(world, options.days);
  const generic = runArm(world, visits, options.baseline ?? genericPolicy(world));
  const personalized = runArm(world, visits, options.policy);
  const g = summarize(generic);
  const p = summarize(personalized);
  const revenueDiffs = personalized.map((o, i) => o.revenue - (generic[i]?.revenue ?? 0));
  const conversionDiffs = personalized.map((o, i) => (o.orders > 0 ? 1 : 0) - ((generic[i]?.orders ?? 0) > 0 ? 1 : 0));
  return {
    seed: world.seed,
    days: options.days,
    generic: g,
    personalized: p,
    conversionRate: measure(conversionDiffs, g.conversionRate, p.conversionRate),
    revenuePerVisitor: measure(revenueDiffs, g.revenuePerVisitor, p.revenuePerVisitor),
  };
}
