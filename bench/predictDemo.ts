import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePredictionModel } from '../src/core/predict/traits/PredictionModel.js';
import { runDemo } from '../src/demo/runDemo.js';
import { DAY_MS, visitFeatures } from '../src/demo/simulation/ShopWorld.js';
import { count, fixed, round, type Check } from './support/report.js';

/**
 * Propensity on the `attune demo` shop, big enough to judge: the demo itself (its simulated
 * customers, every visit decided and collected through the Node SDK into a fresh store, and
 * the prediction model trained at the end by PredictionService with the demo's visit
 * features), with enough customers that the held-out half can show calibration. A perfectly
 * calibrated model scored on 430 customers has a median ECE of 0.044 (10 equal-frequency
 * bins); it takes about 2,500 held-out customers for the median to fall below 0.02
 * (docs/predict-propensity.md). At 20,000 simulated customers (about 3,800 held out) that noise
 * is still nearly the size of the goal, hence the default of 40,000 (about 7,600 held out); runs
 * of at least 20,000 are written.
 */

/** The goals of issue 15 on the demo shop: AUC above the RFM baseline's, ECE at most 0.02. */
export const demoShopGoals = { demoShopEce: 0.02 } as const;

/** Fewer held-out customers and the ECE says more about noise than about the model. */
const minHeldOut = 2_500;
const days = 28;
const seed = 7;
/** A fixed start, so that a seed gives the same shop on any day (the cohort month is a feature). */
const startsAt = Date.UTC(2026, 0, 5);

export interface DemoShopFigures {
  readonly summary: {
    readonly demoShopAuc: number;
    readonly demoShopRfmAuc: number;
    readonly demoShopBrier: number;
    readonly demoShopRfmBrier: number;
    readonly demoShopEce: number;
    readonly demoShopRfmEce: number;
    /** The model's ECE without its calibration map (the same as demoShopEce when it has none). */
    readonly demoShopUncalibratedEce: number;
    readonly demoShopCustomers: number;
    readonly demoShopSeconds: number;
  };
  readonly met: { readonly demoShopBeatsRfm: boolean; readonly demoShopEce: boolean };
  readonly detail: Record<string, unknown>;
  readonly checks: Check[];
}

export async function demoShopPropensity(customers: number, minimumHeldOut = minHeldOut): Promise<DemoShopFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-predict-demo-'));
  const started = process.hrtime.bigint();
  try {
    const result = await runDemo({ dataDir, seed, days, customers, monthlyCost: 1000, holdoutShare: 0.1, startsAt });
    const secondsTaken = Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const view = result.predictions;
      const p = view.propensity;
      // The calibration table behind the ECE, from the stored model (the view keeps only the figures).
      const stored = await result.store.knowledgeConfig.predictionModel(result.workspace.id);
      const heldOut = stored === undefined ? undefined : parsePredictionModel(stored.json).propensity?.heldOut;
      const calibration = heldOut?.calibration;
      const visitColumns = visitFeatures.map((name) => `features.${name}`);
      const coefficients = p?.coefficients ?? {};
      // The propensity's own notes (and its inputs'); the lifetime-value fit's are its business.
      const propensityNotes = view.notes.filter((note) => note.startsWith('propensity') || note.startsWith('inputs'));
      const checks: Check[] = [
        { name: 'demo shop: simulated', ok: result.visits > customers, detail: `${count(result.visits)} visits of ${count(customers)} customers over ${days} days (seed ${seed}) through the Node SDK` },
        { name: 'demo shop: propensity trained', ok: p !== null && propensityNotes.length === 0, detail: `propensity ${p === null ? 'missing' : 'fitted'}; its notes: ${propensityNotes.join('; ') || 'none'}` },
        { name: 'demo shop: held-out size', ok: p !== null && p.heldOutCustomers >= minimumHeldOut, detail: `${count(p?.heldOutCustomers ?? 0)} held-out customers (at least ${count(minimumHeldOut)} for an ECE that is not mostly noise)` },
        { name: 'demo shop: visit inputs', ok: visitColumns.every((c) => Object.hasOwn(coefficients, c)), detail: `the model learned from ${visitColumns.join(', ')} beside the purchases (columns: ${Object.keys(coefficients).join(', ')})` },
        {
          name: 'demo shop: metrics', ok: p !== null && [p.model.auc, p.rfmBaseline.auc].every((a) => a !== null && a > 0.5 && a < 1) && p.model.ece >= 0 && p.model.brier > 0 && p.model.brier < 0.25,
          detail: `model AUC ${fixed(p?.model.auc ?? Number.NaN, 4)} and RFM ${fixed(p?.rfmBaseline.auc ?? Number.NaN, 4)} in (0.5, 1); model Brier ${fixed(p?.model.brier ?? Number.NaN, 4)} below a constant guess's 0.25`,
        },
      ];
      const summary = {
        demoShopAuc: round(p?.model.auc ?? Number.NaN, 4),
        demoShopRfmAuc: round(p?.rfmBaseline.auc ?? Number.NaN, 4),
        demoShopBrier: round(p?.model.brier ?? Number.NaN, 4),
        demoShopRfmBrier: round(p?.rfmBaseline.brier ?? Number.NaN, 4),
        demoShopEce: round(p?.model.ece ?? Number.NaN, 4),
        demoShopRfmEce: round(p?.rfmBaseline.ece ?? Number.NaN, 4),
        demoShopUncalibratedEce: round(calibration?.uncalibrated.ece ?? p?.model.ece ?? Number.NaN, 4),
        demoShopCustomers: p?.heldOutCustomers ?? 0,
        demoShopSeconds: round(secondsTaken, 1),
      };
      console.log(`  demo shop: ${count(customers)} customers, ${count(result.visits)} visits in ${fixed(secondsTaken, 0)} s; ${count(view.customers)} buyers, ${count(summary.demoShopCustomers)} held out; AUC ${fixed(summary.demoShopAuc, 4)} (RFM ${fixed(summary.demoShopRfmAuc, 4)}), Brier ${fixed(summary.demoShopBrier, 4)} (RFM ${fixed(summary.demoShopRfmBrier, 4)}), ECE ${fixed(summary.demoShopEce, 4)} (RFM ${fixed(summary.demoShopRfmEce, 4)})`);
      const deciles = (bins: readonly { meanPredicted: number; observedRate: number }[]): string => bins.map((b) => `${fixed(b.meanPredicted, 3)}/${fixed(b.observedRate, 3)}`).join(' ');
      if (heldOut !== undefined) console.log(`  demo shop calibration (mean predicted / observed, deciles): ${deciles(heldOut.logistic.calibration)}`);
      const choice = heldOut?.modelChoice;
      if (choice !== undefined) console.log(`  demo shop model: ${choice.model}, chosen by ${choice.chosenBy} on ${count(choice.rows)} training rows (${choice.candidates.map((c) => `${c.model}: log loss ${fixed(c.logLoss, 4)}, ECE ${fixed(c.ece, 4)}, AUC ${fixed(c.auc ?? Number.NaN, 4)}`).join('; ')})`);
      if (calibration !== undefined) {
        console.log(`  demo shop calibration map: ${calibration.choice.method}, chosen by ${calibration.choice.chosenBy} on ${count(calibration.choice.rows)} training rows (${calibration.choice.candidates.map((c) => `${c.method}: log loss ${fixed(c.logLoss, 4)}, ECE ${fixed(c.ece, 4)}`).join('; ')})`);
        console.log(`  demo shop before calibration: AUC ${fixed(calibration.uncalibrated.auc ?? Number.NaN, 4)}, Brier ${fixed(calibration.uncalibrated.brier, 4)}, ECE ${fixed(calibration.uncalibrated.ece, 4)}; deciles ${deciles(calibration.uncalibrated.calibration)}`);
      }
      return {
        summary,
        met: { demoShopBeatsRfm: summary.demoShopAuc > summary.demoShopRfmAuc, demoShopEce: summary.demoShopEce <= demoShopGoals.demoShopEce },
        detail: {
          seed, days, customers, startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + days * DAY_MS).toISOString(), visits: result.visits,
          buyers: view.customers, horizonDays: p?.horizonDays ?? null, inputs: view.inputs, coefficients,
          model: p?.model ?? null, rfmBaseline: p?.rfmBaseline ?? null, notes: view.notes,
          calibration: heldOut?.logistic.calibration ?? null, calibrationStep: heldOut?.calibration ?? null, modelChoice: heldOut?.modelChoice ?? null, rfmCalibration: heldOut?.rfm.calibration ?? null,
        },
        checks,
      };
    } finally {
      await result.store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
