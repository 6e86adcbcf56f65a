/** What each statistic of the experiment pages means, in a sentence a marketer can act on. */
export const statisticTexts = {
  effect: 'How much the treatment changes the metric against the control: relative (+5% means 5% more than the control) unless the metric is read in its own unit.',
  interval: 'The range of effects the data are consistent with (95% unless another alpha is set). An interval that does not cross 0 is a significant effect.',
  sequential: 'An always-valid interval: it stays correct however often you look, so you may stop as soon as it excludes 0. It is wider than the fixed one early on.',
  pValue: 'How surprising the data would be if the treatment had no effect. Below 0.05 is conventionally called significant; it is not the chance that the treatment works.',
  chanceToWin: 'The probability, after the data (flat prior), that the treatment is better than the control on this metric.',
  cumulative: 'The effect of all units measured so far, as it stood at the end of each day (UTC), with its interval as a band. Early days swing widely and the band narrows as units come in; the last day is the effect in the table above. Stop when the planned units are reached or the always-valid interval excludes 0, not when the line first crosses 0.',
  srm: 'Sample-ratio mismatch: whether the arms got the share of units their weights promise (a chi-square test). A mismatch means assignment or logging is broken: do not trust the results until it is fixed.',
  plan: 'Whether the audience gives each arm the units needed to detect the planned effect with the planned power before the planned days are over.',
  holdout: 'The share of profiles kept out of all personalization: the program\'s baseline, against which everyone personalized is compared.',
  incrementalRevenue: 'Revenue the treated units brought beyond what the baseline\'s revenue per visitor predicts for them, over the period and per 30-day month, with its interval.',
  roi: 'Return on investment: (incremental revenue per month − monthly cost) / monthly cost, with its interval. Above 0 means the treatment pays for itself.',
} as const;
