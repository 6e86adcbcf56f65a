import type { Interaction } from './interactions.js';

/** One action's outcome counters on one placement: what interaction events add up to. */
export interface OutcomeCounts {
  readonly actionId: string;
  readonly placementId: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly dismisses: number;
  readonly conversions: number;
  /** Σ value over the conversions. */
  readonly conversionValue: number;
  /**
   * Σ (value − mean value)² over the conversions (M2, Welford): with the count and the sum, the
   * spread of conversion values that revenue bandits need, kept without the cancellation of a
   * plain sum of squares. Increments merge by Chan's formula, not by addition.
   */
  readonly conversionValueM2: number;
}

export type MutableOutcomeCounts = { -readonly [K in keyof OutcomeCounts]: OutcomeCounts[K] };

/** Empty counters of an action on a placement. */
export function emptyOutcomeCounts(actionId: string, placementId: string): MutableOutcomeCounts {
  return { actionId, placementId, impressions: 0, clicks: 0, dismisses: 0, conversions: 0, conversionValue: 0, conversionValueM2: 0 };
}

/**
 * Counts one interaction, in place (the collect commit's counters, an erasure's contributions).
 *
 * @example countInteraction(emptyOutcomeCounts('a', 'hero'), conversionOf12) // conversions 1, conversionValue 12
 */
export function countInteraction(counts: MutableOutcomeCounts, interaction: Interaction): void {
  if (interaction.kind === 'impression') counts.impressions++;
  else if (interaction.kind === 'click') counts.clicks++;
  else if (interaction.kind === 'dismiss') counts.dismisses++;
  else {
    // Welford's update of M2 with the means before and after this value.
    const before = counts.conversions === 0 ? 0 : counts.conversionValue / counts.conversions;
    counts.conversions++;
    counts.conversionValue += interaction.value;
    counts.conversionValueM2 += (interaction.value - before) * (interaction.value - counts.conversionValue / counts.conversions);
  }
}
