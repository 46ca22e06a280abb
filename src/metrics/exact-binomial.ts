/**
 * Exact binomial tail probabilities and Clopper-Pearson bounds, and from them a conservative exact interval for
 * a paired difference of 0/1 outcomes (pass@n at k = n: a question is solved at least once or not).
 */

/** log(i) for small integers, grown on demand: the tail sums below need them many times over. */
const LOGS: number[] = [Number.NEGATIVE_INFINITY];
function logInt(i: number): number {
  while (LOGS.length <= i) LOGS.push(Math.log(LOGS.length));
  return LOGS[i]!;
}

/** P(X <= x) for X ~ Binomial(m, theta). */
export function binomialCdf(x: number, m: number, theta: number): number {
  if (x < 0) return 0;
  if (x >= m) return 1;
  if (theta <= 0) return 1;
  if (theta >= 1) return 0;
  const lt = Math.log(theta), lf = Math.log1p(-theta);
  // pmf(j) from pmf(j-1) by the ratio (m-j+1)/j * theta/(1-theta); start at j = 0 in log space
  let logPmf = m * lf;
  let sum = Math.exp(logPmf);
  for (let j = 1; j <= x; j++) {
    logPmf += logInt(m - j + 1) - logInt(j) + lt - lf;
    sum += Math.exp(logPmf);
  }
  return Math.min(1, sum);
}

/** P(X >= x) for X ~ Binomial(m, theta). */
export function binomialUpperTail(x: number, m: number, theta: number): number {
  return x <= 0 ? 1 : 1 - binomialCdf(x - 1, m, theta) ;
}

function bisect(f: (t: number) => boolean, lo = 0, hi = 1): number {
  // f is false at lo and true at hi; returns the boundary
  for (let i = 0; i < 48; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid)) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

/** One-sided Clopper-Pearson upper bound for a proportion at level 1 - a: P(X <= x | U) = a. */
export function clopperPearsonUpper(x: number, m: number, a: number): number {
  if (x >= m) return 1;
  return bisect((t) => binomialCdf(x, m, t) <= a);
}

/** One-sided Clopper-Pearson lower bound at level 1 - a: P(X >= x | L) = a. */
export function clopperPearsonLower(x: number, m: number, a: number): number {
  if (x <= 0) return 0;
  return bisect((t) => binomialUpperTail(x, m, t) > a);
}

/**
 * Paired 0/1 outcomes over q questions: `onlyBase` questions solved by the base only, `onlyOther` by the other
 * only. The difference is delta = (onlyOther - onlyBase) / q = pi_d (2 theta - 1), with pi_d the discordance
 * rate (m = onlyBase + onlyOther ~ Binomial(q, pi_d)) and theta the share of discordant questions the other
 * model wins (onlyOther | m ~ Binomial(m, theta): the exact conditional McNemar model). Each factor gets an
 * exact Clopper-Pearson bound at a / 2 and the bounds are combined (Bonferroni), so the one-sided bound holds
 * at level at least 1 - a for new questions, not only conditionally on m; it excludes 0 exactly when the exact
 * McNemar test rejects at a / 2.
 */
export function pairedBinaryBounds(onlyBase: number, onlyOther: number, q: number, a: number): [number, number] {
  return [pairedBinaryLower(onlyBase, onlyOther, q, a), pairedBinaryUpper(onlyBase, onlyOther, q, a)];
}

function pairedBinaryUpper(onlyBase: number, onlyOther: number, q: number, a: number): number {
  const m = onlyBase + onlyOther;
  if (m === 0) return clopperPearsonUpper(m, q, a / 2);
  const tHi = 2 * clopperPearsonUpper(onlyOther, m, a / 2) - 1;
  return tHi * (tHi >= 0 ? clopperPearsonUpper(m, q, a / 2) : clopperPearsonLower(m, q, a / 2));
}

function pairedBinaryLower(onlyBase: number, onlyOther: number, q: number, a: number): number {
  // the mirror image: swap the models and negate
  return -pairedBinaryUpper(onlyOther, onlyBase, q, a);
}

/**
 * One-sided p-values of the exact paired bound against a threshold t: `below` for H1 delta < t (the smallest a
 * whose upper bound is below t), `above` for H1 delta > t. Found by bisection on log a, since the bounds narrow
 * as a grows.
 */
export function pairedBinaryP(onlyBase: number, onlyOther: number, q: number, t: number): { below: number; above: number } {
  const invert = (ok: (a: number) => boolean): number => {
    const top = 0.999999;
    if (!ok(top)) return 1;
    let lo = 1e-10, hi = top;
    if (ok(lo)) return lo;
    for (let i = 0; i < 28; i++) {
      const mid = Math.sqrt(lo * hi);
      if (ok(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  return {
    below: invert((a) => pairedBinaryUpper(onlyBase, onlyOther, q, a) < t),
    above: invert((a) => pairedBinaryLower(onlyBase, onlyOther, q, a) > t),
  };
}
