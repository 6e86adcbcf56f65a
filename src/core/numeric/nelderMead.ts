/** What the minimiser is told; every field has a default that suits a handful of smooth parameters. */
export interface NelderMeadOptions {
  /** The initial simplex steps from x0 (one number for all coordinates). Default 0.1. */
  readonly initialStep?: number | readonly number[];
  /** Stop when every vertex is within this of the best, coordinate by coordinate. Default 1e-8. */
  readonly xTolerance?: number;
  /** ... and every vertex's value within this of the best value. Default 1e-10. */
  readonly fTolerance?: number;
  /** Most function evaluations over all restarts. Default 200 per dimension per run. */
  readonly maxEvaluations?: number;
  /**
   * Runs after the first converged one, each from a fresh simplex around the best point so far;
   * they stop early when a run improves the value by less than fTolerance. A collapsed simplex
   * can stall short of a minimum (McKinnon 1998); a restart is the usual remedy. Default 2.
   */
  readonly restarts?: number;
}

export interface MinimizeResult {
  readonly x: readonly number[];
  readonly value: number;
  readonly evaluations: number;
  /** False when the evaluation budget ran out before the tolerances were met. */
  readonly converged: boolean;
}

interface Vertex {
  x: number[];
  f: number;
}

/**
 * Minimises `f` without derivatives by the Nelder–Mead simplex method with the adaptive
 * coefficients of Gao and Han (2012), which keep it working as the dimension grows; the same
 * method as scipy's `minimize(method='Nelder-Mead', options={'adaptive': True})`. Unbounded:
 * a parameter that must stay positive is fitted as its logarithm by the caller. A value that is
 * not a finite number counts as +Infinity, so the search walks away from where `f` is undefined.
 *
 * @example nelderMead(([x, y]) => (x! - 1) ** 2 + (y! + 2) ** 2, [0, 0]).x // ≈ [1, -2]
 */
export function nelderMead(f: (x: readonly number[]) => number, x0: readonly number[], options: NelderMeadOptions = {}): MinimizeResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('nelderMead needs at least one parameter');
  const budget = options.maxEvaluations ?? 200 * n * (1 + (options.restarts ?? 2));
  let evaluations = 0;
  const evaluate = (x: number[]): Vertex => {
    evaluations++;
    const value = f(x);
    return { x, f: Number.isFinite(value) ? value : Infinity };
  };
  let best = evaluate([...x0]);
  let converged = false;
  for (let run = 0; run <= (options.restarts ?? 2); run++) {
    const result = simplexRun(evaluate, best.x, options, () => evaluations < budget);
    const improvement = best.f - result.best.f;
    if (result.best.f <= best.f) best = result.best;
    converged = result.converged;
    if (!converged || (run > 0 && improvement < (options.fTolerance ?? 1e-10))) break;
  }
  return { x: best.x, value: best.f, evaluations, converged };
}

/** One Nelder–Mead run from a fresh simplex around `start`. */
function simplexRun(
  evaluate: (x: number[]) => Vertex,
  start: readonly number[],
  options: NelderMeadOptions,
  withinBudget: () => boolean,
): { best: Vertex; converged: boolean } {
  const n = start.length;
  const reflection = 1;
  const expansion = 1 + 2 / n;
  const contraction = 0.75 - 1 / (2 * n);
  const shrink = 1 - 1 / n;
  const xTolerance = options.xTolerance ?? 1e-8;
  const fTolerance = options.fTolerance ?? 1e-10;
  const step = (i: number): number => {
    const given = options.initialStep ?? 0.1;
    return typeof given === 'number' ? given : given[i] ?? 0.1;
  };
  const simplex: Vertex[] = [evaluate([...start])];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i] = x[i]! + step(i);
    simplex.push(evaluate(x));
  }
  // A point along the line from the centroid through the worst vertex: t = -1 reflects.
  const along = (centroid: readonly number[], worst: readonly number[], t: number): number[] =>
    centroid.map((c, i) => c + t * (worst[i]! - c));
  while (withinBudget()) {
    simplex.sort((p, q) => p.f - q.f);
    const bestVertex = simplex[0]!;
    if (isConverged(simplex, xTolerance, fTolerance)) return { best: bestVertex, converged: true };
    const worst = simplex[n]!;
    const centroid = new Array<number>(n).fill(0);
    for (let v = 0; v < n; v++) for (let i = 0; i < n; i++) centroid[i]! += simplex[v]!.x[i]! / n;
    const reflected = evaluate(along(centroid, worst.x, -reflection));
    if (reflected.f < bestVertex.f) {
      const expanded = evaluate(along(centroid, worst.x, -reflection * expansion));
      simplex[n] = expanded.f < reflected.f ? expanded : reflected;
    } else if (reflected.f < simplex[n - 1]!.f) {
      simplex[n] = reflected;
    } else {
      // Contract towards the better of the worst vertex and its reflection.
      const outside = reflected.f < worst.f;
      const contracted = evaluate(along(centroid, worst.x, outside ? -reflection * contraction : contraction));
      if (contracted.f <= (outside ? reflected.f : worst.f)) simplex[n] = contracted;
      else for (let v = 1; v <= n; v++) simplex[v] = evaluate(bestVertex.x.map((b, i) => b + shrink * (simplex[v]!.x[i]! - b)));
    }
  }
  simplex.sort((p, q) => p.f - q.f);
  return { best: simplex[0]!, converged: isConverged(simplex, xTolerance, fTolerance) };
}

/** scipy's test: every vertex close to the best one in position and in value. */
function isConverged(sorted: readonly Vertex[], xTolerance: number, fTolerance: number): boolean {
  const best = sorted[0]!;
  return sorted.every((v) => Math.abs(v.f - best.f) <= fTolerance && v.x.every((xi, i) => Math.abs(xi - best.x[i]!) <= xTolerance));
}
