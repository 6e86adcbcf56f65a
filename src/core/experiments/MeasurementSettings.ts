import { Type, type Static } from 'typebox';
import { MetricId } from './ExperimentDefinition.js';
import type { MetricDefinition } from './MetricDefinition.js';
import { DEFAULT_HOLDOUT_SHARE } from './assignArm.js';
import { orderEvent, pricedOrderWhere } from '../features/builtinFeatures.js';

/** The four figures the ROI report gives an uplift for, each read from a metric. */
export const roiRoles = ['conversionRate', 'revenuePerVisitor', 'averageOrderValue', 'clickThroughRate'] as const;
export type RoiRole = (typeof roiRoles)[number];

/**
 * A workspace's measurement settings: the holdout's share, the program's monthly cost (for
 * ROI) and which metric gives each figure of the ROI report.
 *
 * @example { "holdoutShare": 0.05, "monthlyCost": 2000, "currency": "EUR", "roiMetrics": { "revenuePerVisitor": "revenue" } }
 */
export const MeasurementSettings = Type.Object(
  {
    holdoutShare: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, default: 0.05, description: 'Share of profiles that always get the default content (the program\'s control); sticky; 0 turns the holdout off' })),
    monthlyCost: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'What personalization costs per month, in `currency`: the ROI report\'s denominator' })),
    currency: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{3}$' }), Type.Null()], { description: 'ISO 4217 code of revenue and cost' })),
    roiMetrics: Type.Optional(Type.Object(
      {
        conversionRate: Type.Optional(MetricId),
        revenuePerVisitor: Type.Optional(MetricId),
        averageOrderValue: Type.Optional(MetricId),
        clickThroughRate: Type.Optional(MetricId),
      },
      { additionalProperties: false, description: 'The metric behind each figure of the ROI report (default the built-in conversion, revenue, aov and ctr)' },
    )),
  },
  { additionalProperties: false, title: 'MeasurementSettings' },
);
export type MeasurementSettings = Static<typeof MeasurementSettings>;

/** Settings with every default filled in. */
export interface ResolvedMeasurement {
  readonly holdoutShare: number;
  readonly monthlyCost: number | null;
  readonly currency: string | null;
  readonly roiMetrics: Readonly<Record<RoiRole, string>>;
}

/**
 * The metrics every workspace has, after the Segment e-commerce spec (`Order Completed` with
 * `revenue`) and Attune's own interaction events. A definition of the same id replaces one.
 */
export const builtinMetrics: readonly MetricDefinition[] = [
  { id: 'conversion', name: 'Ordered within 30 days', kind: 'conversion', event: 'Order Completed', window: '30d' },
  { id: 'revenue', name: 'Revenue per visitor', kind: 'mean', event: 'Order Completed', property: 'revenue' },
  // Over the priced orders only, as the average_order_value feature: an order without a revenue is no order worth 0.
  { id: 'aov', name: 'Average order value', kind: 'ratio', numerator: { event: orderEvent, property: 'revenue' }, denominator: { event: orderEvent, where: pricedOrderWhere } },
  { id: 'ctr', name: 'Click-through rate', kind: 'ratio', numerator: { event: 'Decision Clicked' }, denominator: { event: 'Decision Viewed' } },
];

const defaultRoiMetrics: Readonly<Record<RoiRole, string>> = {
  conversionRate: 'conversion', revenuePerVisitor: 'revenue', averageOrderValue: 'aov', clickThroughRate: 'ctr',
};

export function resolveMeasurement(settings: MeasurementSettings | null | undefined): ResolvedMeasurement {
  const s = settings ?? {};
  return {
    holdoutShare: s.holdoutShare ?? DEFAULT_HOLDOUT_SHARE,
    monthlyCost: s.monthlyCost ?? null,
    currency: s.currency ?? null,
    roiMetrics: { ...defaultRoiMetrics, ...(s.roiMetrics ?? {}) },
  };
}
