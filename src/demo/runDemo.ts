/**
 * `attune demo`'s engine room: a fresh embedded store, the simulated shop installed in a
 * workspace, a personalized-against-generic experiment and the holdout running, and every
 * scheduled visit driven through the Node SDK with a clock that follows simulated time.
 * The report it returns comes from the stored events only; the true uplift beside it comes
 * from the simulation (the customers' hidden tastes), computed separately.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { seededRandom } from '../core/common/random.js';
import type { ExperimentDefinition } from '../core/experiments/ExperimentDefinition.js';
import type { Interval, RoiReport } from '../core/report/roiReport.js';
import type { PredictionModelView } from '../predict/PredictionService.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import type { ExperimentReadout, WorkspaceReport } from '../experiments/ExperimentService.js';
import { AttuneClient } from '../sdk/node/AttuneClient.js';
import { inProcessTransport } from '../sdk/node/inProcessTransport.js';
import { openStore, type EmbeddedStore } from '../engine/openStore.js';
import type { CreatedWorkspace } from '../workspaces/WorkspaceService.js';
import { createShopWorld, DAY_MS, visitFeatures, type ShopWorld } from './simulation/ShopWorld.js';
import { simulateVisit, visitRandom, type Shown } from './simulation/simulateVisit.js';
import { computeTrueUplift, rulePolicy, scheduleVisits, type TrueUplift } from './simulation/trueUplift.js';

export const DEMO_EXPERIMENT_ID = 'hero-personalization';

export interface DemoOptions {
  /** An empty (or new) folder for the store. */
  readonly dataDir: string;
  readonly seed: number;
  readonly days: number;
  readonly customers: number;
  /** What personalization costs per month in the demo (for ROI). */
  readonly monthlyCost: number;
  /** Share of profiles in the holdout. */
  readonly holdoutShare: number;
  /** Midnight UTC of simulated day 0 (default: `days` days before today's midnight UTC). */
  readonly startsAt?: number;
  readonly onDay?: (day: number, days: number) => void;
}

export interface UpliftCheck {
  readonly metric: 'revenuePerVisitor' | 'conversionRate';
  readonly estimate: Interval | null;
  readonly truth: number;
  readonly covered: boolean | null;
}

export interface DemoResult {
  readonly store: EmbeddedStore;
  readonly engine: Engine;
  readonly workspace: CreatedWorkspace;
  readonly world: ShopWorld;
  readonly visits: number;
  readonly readout: ExperimentReadout;
  readonly report: WorkspaceReport;
  readonly trueUplift: TrueUplift;
  /** Whether the experiment's intervals (absolute uplift) cover the simulation's true uplift. */
  readonly checks: readonly UpliftCheck[];
  /**
   * The shop's prediction model, trained at the end of the simulation (purchase within the last
   * quarter of the simulated days, held out against the RFM baseline), so `predictions.*` work
   * in the served store at once.
   */
  readonly predictions: PredictionModelView;
}

/** The experiment the demo runs on the shop's hero banner. */
export function demoExperiment(world: ShopWorld): ExperimentDefinition {
  return {
    id: DEMO_EXPERIMENT_ID,
    name: 'Personalized hero against generic content',
    placement: world.placement.id,
    arms: [
      { id: 'generic', name: 'Generic content (no personalization)', weight: 0.5, serve: { kind: 'generic' } },
      { id: 'personalized', name: 'Personalized by category affinity', weight: 0.5, serve: { kind: 'personalized' } },
    ],
    primaryMetric: 'revenue',
    guardrailMetrics: ['conversion', 'aov', 'ctr'],
    plan: { minimumDetectableEffect: 0.15, days: 28 },
  };
}

/** What the simulated customer saw: the chosen action, or the default content (which the simulation treats as the generic banner). */
function shownFrom(world: ShopWorld, decision: { readonly decisionId: string; readonly actionId: string | null } | undefined): Shown {
  if (decision === undefined || decision.actionId === null) {
    return { actionId: world.genericActionId, category: null, ...(decision === undefined ? {} : { decisionId: decision.decisionId }) };
  }
  const category = Object.hasOwn(world.categoryOfAction, decision.actionId) ? world.categoryOfAction[decision.actionId]! : null;
  return { actionId: decision.actionId, category, decisionId: decision.decisionId };
}

function check(report: RoiReport | undefined, metric: UpliftCheck['metric'], truth: number): UpliftCheck {
  const estimate = report?.metrics[metric].absolute ?? null;
  return { metric, estimate, truth, covered: estimate === null ? null : estimate.lower <= truth && truth <= estimate.upper };
}

/** Runs the demo; the caller closes `store` (or serves it). */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startsAt = options.startsAt ?? Math.floor(Date.now() / DAY_MS) * DAY_MS - options.days * DAY_MS;
  const world = createShopWorld({ seed: options.seed, customers: options.customers, startsAt });
  let now = startsAt;
  const clock = { now: () => now };
  const store = openStore({ path: join(options.dataDir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 1_000_000, clock });
  const engine = createEngine({ store, clock, ids: { next: () => randomUUID() }, random: seededRandom(options.seed), decisionSampleRate: 1 });
  try {
    // A fixed id: the holdout is drawn from it, so the same seed gives the same report.
    const workspace = await engine.workspaces.create('Demo shop', {}, `ws_demo_${options.seed}`);
    const ws = workspace.id;
    // Through the engine's services, as the admin API would: checked, saved, models dropped.
    for (const feature of world.features) await engine.knowledgeAdmin.putFeature(ws, feature);
    await engine.decisionAdmin.putPlacement(ws, world.placement);
    for (const action of world.actions) await engine.decisionAdmin.putAction(ws, action);
    await engine.experiments.setMeasurement(ws, { holdoutShare: options.holdoutShare, monthlyCost: options.monthlyCost, currency: 'USD' });
    await engine.experiments.putExperiment(ws, demoExperiment(world));
    // The shop's products as its catalog, through the service behind the admin API and `attune import items`.
    const items = world.products.map((p) => ({ id: p.id, title: p.name, category: [p.category], price: p.price, currency: 'USD' }));
    for (let i = 0; i < items.length; i += 1000) await engine.catalog.putItems(ws, items.slice(i, i + 1000));

    const client = new AttuneClient({
      transport: inProcessTransport(engine, await engine.workspaces.get(ws)),
      now: () => now, flushAt: 500, flushIntervalMs: 3_600_000,
      // The loop flushes at each simulated day; a big shop's day (20,000 customers: some 25,000
      // events) is more than the SDK's default queue of 10,000, which would drop the rest.
      maxQueueEvents: 10_000_000,
      onError: (error) => { throw error instanceof Error ? error : new Error(String(error)); },
    });
    const visits = scheduleVisits(world, options.days);
    let day = -1;
    for (const visit of visits) {
      if (visit.day !== day) {
        // A customer visits at most once a day: their earlier visits are stored before the next decision.
        await client.flush();
        await engine.decisions.flushRecords();
        day = visit.day;
        options.onDay?.(day, options.days);
      }
      now = visit.startsAt;
      const { customer } = visit;
      const answer = await client.decide({
        userId: customer.id, placements: [world.placement.id],
        context: { locale: customer.locale, timezone: customer.timeZone },
      });
      const shown = shownFrom(world, answer.placements[0]?.decisions[0]);
      const simulated = simulateVisit(world, customer, visit.day, shown, visitRandom(world, customer, visit.day));
      for (const event of simulated.events) {
        if (event.type === 'track') client.track(event);
        else client.page(event);
      }
    }
    await client.flush();
    await engine.decisions.flushRecords();
    await client.close();
    await store.committer.flush();
    now = startsAt + options.days * DAY_MS;

    const readout = await engine.experiments.analyze(ws, DEMO_EXPERIMENT_ID, { sequential: true, bayesian: true });
    const report = await engine.experiments.report(ws);
    const trueUplift = computeTrueUplift(world, { days: options.days, policy: rulePolicy(world) });
    const experimentReport = report.reports.find((r) => r.scope === DEMO_EXPERIMENT_ID);
    const checks = [
      check(experimentReport, 'revenuePerVisitor', trueUplift.revenuePerVisitor.absolute),
      check(experimentReport, 'conversionRate', trueUplift.conversionRate.absolute),
    ];
    const predictions = await engine.predictions.train(ws, { horizonDays: Math.max(1, Math.floor(options.days / 4)), seed: options.seed, features: [...visitFeatures] });
    return { store, engine, workspace, world, visits: visits.length, readout, report, trueUplift, checks, predictions };
  } catch (error) {
    await store.close();
    throw error;
  }
}
