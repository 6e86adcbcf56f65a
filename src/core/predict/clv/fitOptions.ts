import type { NelderMeadOptions } from '../../numeric/nelderMead.js';

/**
 * The minimiser's settings for the CLV fits, on log-parameters and the mean negative
 * log-likelihood: 1e-6 in a log-parameter is a relative change of 1e-6, well below the four
 * significant digits the parameters are quoted to, and a quarter fewer evaluations than 1e-8.
 */
export const FIT_OPTIONS: NelderMeadOptions = { xTolerance: 1e-6, fTolerance: 1e-9, maxEvaluations: 20_000 };
