/**
 * ∫ f over [a, b] by adaptive Simpson to an absolute tolerance, halving a piece until its
 * Richardson error estimate is within tolerance or `maxDepth` halvings are spent.
 *
 * @example adaptiveSimpson((x) => x * x, 0, 1, 1e-12) // 0.3333333333333333
 */
export function adaptiveSimpson(f: (x: number) => number, a: number, b: number, tol: number, maxDepth = 40): number {
  const fa = f(a);
  const fb = f(b);
  const m = (a + b) / 2;
  const fm = f(m);
  const recurse = (a0: number, b0: number, fa0: number, fm0: number, fb0: number, whole: number, eps: number, depth: number): number => {
    const m0 = (a0 + b0) / 2;
    const l = (a0 + m0) / 2;
    const r = (m0 + b0) / 2;
    const fl = f(l);
    const fr = f(r);
    const left = ((m0 - a0) / 6) * (fa0 + 4 * fl + fm0);
    const right = ((b0 - m0) / 6) * (fm0 + 4 * fr + fb0);
    const delta = left + right - whole;
    if (depth <= 0 || Math.abs(delta) <= 15 * eps) return left + right + delta / 15;
    return recurse(a0, m0, fa0, fl, fm0, left, eps / 2, depth - 1) + recurse(m0, b0, fm0, fr, fb0, right, eps / 2, depth - 1);
  };
  return recurse(a, b, fa, fm, fb, ((b - a) / 6) * (fa + 4 * fm + fb), tol, maxDepth);
}
