/**
 * The statistics of a survey of worlds (issue 18 part 2): how often a finding holds across worlds drawn from a
 * prior, and which knobs of the world predict it. Each world gives one 0/1 outcome per finding, so:
 * - the share of worlds where it holds gets a Wilson score interval (good coverage at the 40-60 worlds a survey
 *   affords, and never outside [0, 1], unlike the Wald interval);
 * - the knobs' effects come from a logistic regression on the standardised knobs, fitted by iteratively
 *   reweighted least squares with a small ridge penalty (a handful of worlds with many knobs is often perfectly
 *   separable, where the unpenalised fit runs off to infinity);
 * - the plainest reading is the best single split: for each knob, the threshold that leaves the fewest worlds
 *   misclassified by a majority vote on each side.
 * Pure functions of plain arrays; the survey stage and report call them.
 */
import { normalQuantile } from "./plan.js";

export type Share = { holds: number; n: number; share: number | null; ci: [number, number] | null };

/** Wilson score interval for `holds` successes in `n` trials at two-sided `level`; n = 0 has none. */
export function wilsonShare(holds: number, n: number, level = 0.95): Share {
  if (!Number.isInteger(holds) || !Number.isInteger(n) || holds < 0 || holds > n) throw new RangeError(`wilsonShare: need 0 <= holds <= n integers (got ${holds} of ${n})`);
  if (n === 0) return { holds, n, share: null, ci: null };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = holds / n, z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // at p = 0 or 1 one bound is exactly 0 or 1; rounding must not push it across
  return { holds, n, share: p, ci: [holds === 0 ? 0 : Math.max(0, centre - half), holds === n ? 1 : Math.min(1, centre + half)] };
}

/** Worlds needed so a Wilson interval at share 0.5 is no wider than +-halfWidth (the survey's size rule). */
export function worldsForHalfWidth(halfWidth: number, level = 0.95): number {
  for (let n = 1; ; n++) {
    const s = wilsonShare(Math.floor(n / 2), n, level);
    if (Math.max(s.share! - s.ci![0], s.ci![1] - s.share!) <= halfWidth) return n;
  }
}

export type Standardised = { columns: number[][]; mean: number[]; sd: number[] };

/**
 * Each knob centred on its mean and divided by its (population) standard deviation, so coefficients compare
 * across knobs: "one sd more of this knob" multiplies the odds by exp(beta). A constant knob stays 0 (sd 0).
 */
export function standardise(rows: readonly (readonly number[])[]): Standardised {
  const p = rows[0]?.length ?? 0;
  const mean = Array.from({ length: p }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const sd = Array.from({ length: p }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / rows.length));
  const columns = rows.map((r) => r.map((x, j) => (sd[j]! > 0 ? (x - mean[j]!) / sd[j]! : 0)));
  return { columns, mean, sd };
}

export type LogisticFit = {
  /** intercept first, then one coefficient per column of x */
  beta: number[];
  /** approximate standard errors from the penalised information matrix (same order) */
  se: number[];
  iterations: number;
  converged: boolean;
  /** the ridge penalty used (not applied to the intercept) */
  ridge: number;
  /** log-likelihood at beta (without the penalty) */
  logLik: number;
};

/** Solves a x = b for a symmetric positive-definite a by Cholesky; throws when a is not. */
export function solveSpd(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError("solveSpd: matrix is not positive definite");
        l[i]![i] = Math.sqrt(s);
      } else l[i]![j] = s / l[j]![j]!;
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}

/** The inverse of a symmetric positive-definite matrix, column by column. */
function inverseSpd(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const cols = Array.from({ length: n }, (_, j) => solveSpd(a, Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))));
  return Array.from({ length: n }, (_, i) => cols.map((c) => c[i]!));
}

const sigmoid = (t: number): number => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/**
 * Logistic regression of y (0/1) on x with an intercept, by Newton-Raphson (IRLS): each step solves
 * (X'WX + R) delta = X'(y - p) - R beta with W = diag(p(1-p)) and R = ridge on the slopes only, until the
 * largest step is below `tol`. ridge = 0 is the plain maximum-likelihood fit (which exists only when the
 * classes overlap).
 */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[], options: { ridge?: number; maxIterations?: number; tol?: number } = {}): LogisticFit {
  const ridge = options.ridge ?? 0, maxIterations = options.maxIterations ?? 100, tol = options.tol ?? 1e-10;
  const n = y.length;
  if (x.length !== n) throw new RangeError(`fitLogistic: ${x.length} rows of x for ${n} outcomes`);
  if (y.some((v) => v !== 0 && v !== 1)) throw new RangeError("fitLogistic: outcomes must be 0 or 1");
  const p = (x[0]?.length ?? 0) + 1;
  const row = (i: number): number[] => [1, ...x[i]!];
  let beta = new Array<number>(p).fill(0);
  let converged = false, iterations = 0;
  let info: number[][] = [];
  for (; iterations < maxIterations; ) {
    iterations++;
    info = Array.from({ length: p }, (_, j) => Array.from({ length: p }, (_, k) => (j === k && j > 0 ? ridge : 0)));
    const score = beta.map((b, j) => (j > 0 ? -ridge * b : 0));
    for (let i = 0; i < n; i++) {
      const r = row(i);
      const mu = sigmoid(r.reduce((s, v, j) => s + v * beta[j]!, 0));
      const w = mu * (1 - mu);
      for (let j = 0; j < p; j++) {
        score[j]! += r[j]! * (y[i]! - mu);
        for (let k = 0; k < p; k++) info[j]![k]! += w * r[j]! * r[k]!;
      }
    }
    const delta = solveSpd(info, score);
    beta = beta.map((b, j) => b + delta[j]!);
    if (Math.max(...delta.map(Math.abs)) < tol) {
      converged = true;
      break;
    }
  }
  const inv = inverseSpd(info);
  let logLik = 0;
  for (let i = 0; i < n; i++) {
    const eta = row(i).reduce((s, v, j) => s + v * beta[j]!, 0);
    // log p = -log(1 + e^-eta), log(1-p) = -log(1 + e^eta), each computed without overflow
    logLik += y[i] === 1 ? -softplus(-eta) : -softplus(eta);
  }
  return { beta, se: inv.map((r, j) => Math.sqrt(r[j]!)), iterations, converged, ridge, logLik };
}

const softplus = (t: number): number => (t > 30 ? t : Math.log1p(Math.exp(t)));

export type Split = {
  /** index of the knob */
  knob: number;
  /** worlds with the knob <= threshold go left */
  threshold: number;
  /** worlds the split misclassifies by a majority vote on each side, and that count with no split at all */
  errors: number;
  baseline: number;
  /** share of worlds where the outcome holds on each side */
  left: { n: number; holds: number };
  right: { n: number; holds: number };
};

/**
 * For one knob, the threshold (midway between neighbouring distinct values) that leaves the fewest worlds
 * misclassified when each side predicts its majority outcome; ties go to the most balanced split, then the lowest
 * threshold. Null when the knob takes a single value.
 */
export function bestSplit(values: readonly number[], y: readonly number[], knob = 0): Split | null {
  const order = values.map((v, i) => ({ v, y: y[i]! })).sort((a, b) => a.v - b.v);
  const n = order.length, total = order.reduce((s, o) => s + o.y, 0);
  const baseline = Math.min(total, n - total);
  let best: Split | null = null;
  let leftN = 0, leftHolds = 0;
  for (let i = 0; i < n - 1; i++) {
    leftN++;
    leftHolds += order[i]!.y;
    if (order[i]!.v === order[i + 1]!.v) continue;
    const rightN = n - leftN, rightHolds = total - leftHolds;
    const errors = Math.min(leftHolds, leftN - leftHolds) + Math.min(rightHolds, rightN - rightHolds);
    const balance = Math.abs(leftN - rightN);
    if (best === null || errors < best.errors || (errors === best.errors && balance < Math.abs(best.left.n - best.right.n))) {
      best = { knob, threshold: (order[i]!.v + order[i + 1]!.v) / 2, errors, baseline, left: { n: leftN, holds: leftHolds }, right: { n: rightN, holds: rightHolds } };
    }
  }
  return best;
}

/**
 * The knobs ranked by how well their best split separates the outcome (fewest errors; ties by the larger
 * |standardised coefficient| given in `tiebreak`, then knob order). Knobs with one value are left out.
 */
export function rankSplits(columns: readonly (readonly number[])[], y: readonly number[], tiebreak: readonly number[] = []): Split[] {
  const p = columns[0]?.length ?? 0;
  const splits: Split[] = [];
  for (let j = 0; j < p; j++) {
    const s = bestSplit(columns.map((r) => r[j]!), y, j);
    if (s) splits.push(s);
  }
  return splits.sort((a, b) => a.errors - b.errors || Math.abs(tiebreak[b.knob] ?? 0) - Math.abs(tiebreak[a.knob] ?? 0) || a.knob - b.knob);
}
