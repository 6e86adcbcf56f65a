import { nelderMead, type NelderMeadOptions } from '../../numeric/nelderMead.js';

/**
 * The minimiser's settings for the CLV fits, on log-parameters and the mean negative
 * log-likelihood: 1e-6 in a log-parameter is a relative change of 1e-6, well below the four
 * significant digits the parameters are quoted to, and a quarter fewer evaluations than 1e-8.
 */
const FIT_OPTIONS: NelderMeadOptions = { xTolerance: 1e-6, fTolerance: 1e-9, maxEvaluations: 20_000 };

/**
 * Maximum likelihood over positive parameters, as lifetimes fits its models: Nelder–Mead on
 * the parameters' logarithms (so they stay positive without bounds), minimising the negative
 * log-likelihood per customer (so the tolerances mean the same for any number of customers).
 *
 * @example maximizeLikelihood((p) => logLikelihood(p, data), ([a, b]) => ({ a: Math.exp(a!), b: Math.exp(b!) }), [0, 0], data.length)
 */
export function maximizeLikelihood<P>(
  logLikelihood: (params: P) => number,
  fromLogs: (logs: readonly number[]) => P,
  startLogs: readonly number[],
  customers: number,
): { params: P; converged: boolean } {
  const result = nelderMead((logs) => -logLikelihood(fromLogs(logs)) / customers, startLogs, FIT_OPTIONS);
  return { params: fromLogs(result.x), converged: result.converged };
}

/** ln(e^u + e^v) without overflow; -Infinity terms drop out. */
export function logSumExp(u: number, v: number): number {
  const top = Math.max(u, v);
  return top === -Infinity ? -Infinity : top + Math.log1p(Math.exp(-Math.abs(u - v)));
}
