/**
 * Nelder-Mead simplex minimisation (standard coefficients: reflection 1, expansion 2, contraction 1/2, shrink 1/2).
 * Derivative-free, so the fit needs only the likelihood; the fit runs it from several starts and keeps the best,
 * which guards against the flat ridges a beta-binomial likelihood has when a or b runs to a boundary.
 */
/** Stops when the simplex's values agree to `tolerance` (relative) and its points to `xTolerance`. */
export type MinimizeOptions = { maxIterations?: number; tolerance?: number; xTolerance?: number; step?: number };
const DEFAULTS = { maxIterations: 4000, tolerance: 1e-10, xTolerance: 1e-7, step: 0.5 } satisfies Required<MinimizeOptions>;

export type Minimum = { x: number[]; value: number; iterations: number };

export function nelderMead(f: (x: number[]) => number, start: readonly number[], options: MinimizeOptions = {}): Minimum {
  const { maxIterations, tolerance, xTolerance, step } = { ...DEFAULTS, ...options };
  const d = start.length;
  const safe = (x: number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let simplex: number[][] = [start.slice()];
  for (let i = 0; i < d; i++) {
    const p = start.slice();
    p[i]! += step;
    simplex.push(p);
  }
  let values = simplex.map(safe);
  let it = 0;
  for (; it < maxIterations; it++) {
    const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    const best = values[0]!;
    const worst = values[d]!;
    if (Math.abs(worst - best) <= tolerance * (Math.abs(best) + tolerance) && spread(simplex) < xTolerance) break;
    const centroid = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) centroid[j]! += simplex[i]![j]! / d;
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[d]![j]! - c));
    const reflected = along(-1);
    const fr = safe(reflected);
    if (fr < best) {
      const expanded = along(-2);
      const fe = safe(expanded);
      if (fe < fr) [simplex[d], values[d]] = [expanded, fe];
      else [simplex[d], values[d]] = [reflected, fr];
    } else if (fr < values[d - 1]!) {
      [simplex[d], values[d]] = [reflected, fr];
    } else {
      const contracted = fr < worst ? along(-0.5) : along(0.5);
      const fc = safe(contracted);
      if (fc < Math.min(fr, worst)) [simplex[d], values[d]] = [contracted, fc];
      else {
        for (let i = 1; i <= d; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          values[i] = safe(simplex[i]!);
        }
      }
    }
  }
  let bi = 0;
  for (let i = 1; i <= d; i++) if (values[i]! < values[bi]!) bi = i;
  return { x: simplex[bi]!, value: values[bi]!, iterations: it };
}

function spread(simplex: number[][]): number {
  let m = 0;
  for (let i = 1; i < simplex.length; i++) for (let j = 0; j < simplex[0]!.length; j++) m = Math.max(m, Math.abs(simplex[i]![j]! - simplex[0]![j]!));
  return m;
}
