import { Type, type Static } from 'typebox';

/**
 * A workspace's fairness settings: the disparity ratio below which the fairness report warns
 * (0.8 is the four-fifths rule of the US EEOC's Uniform Guidelines), the intervals' alpha and
 * the fewest units a group needs to be compared.
 *
 * @example { "threshold": 0.8, "alpha": 0.05, "minUnits": 30 }
 */
export const FairnessSettings = Type.Object(
  {
    threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.8, description: 'Warn when a group\'s rate is below this share of the reference group\'s' })),
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.5, default: 0.05, description: 'The intervals cover 1 − alpha' })),
    minUnits: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 30, description: 'Groups with fewer units are shown but not compared' })),
  },
  { additionalProperties: false, title: 'FairnessSettings' },
);
export type FairnessSettings = Static<typeof FairnessSettings>;

export interface ResolvedFairnessSettings {
  readonly threshold: number;
  readonly alpha: number;
  readonly minUnits: number;
}

export const defaultFairnessSettings: ResolvedFairnessSettings = { threshold: 0.8, alpha: 0.05, minUnits: 30 };

export function resolveFairnessSettings(settings: FairnessSettings | null): ResolvedFairnessSettings {
  return { ...defaultFairnessSettings, ...(settings ?? {}) };
}
