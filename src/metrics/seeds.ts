/**
 * Statistics across independent repetitions of a whole study (seeds): mean, standard deviation and a
 * Student-t confidence interval. With 3 seeds the interval is wide (t = 4.30 for 95%): that is the honest
 * width of what 3 runs can tell.
 */

export type SeedInterval = { mean: number; sd: number; ci: [number, number]; n: number; values: number[] };

/**
 * P(|T| <= t) for Student's t with integer df (Abramowitz & Stegun 26.7.3-4: finite sums in theta = atan(t/sqrt(df))).
 */
export function studentTwoSided(t: number, df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new RangeError(`df must be a positive integer (got ${df})`);
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const s = Math.sin(theta), c = Math.cos(theta), c2 = c * c;
  if (df % 2 === 0) {
    let term = 1, sum = 1;
    for (let j = 2; j <= df - 2; j += 2) {
      term *= ((j - 1) / j) * c2;
      sum += term;
    }
    return s * sum;
  }
  if (df === 1) return (2 / Math.PI) * theta;
  let term = c, sum = c;
  for (let j = 3; j <= df - 2; j += 2) {
    term *= ((j - 1) / j) * c2;
    sum += term;
  }
  return (2 / Math.PI) * (theta + s * sum);
}

/** The t with P(|T| <= t) = level (two-sided quantile), by bisection. */
export function studentQuantile(level: number, df: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1) (got ${level})`);
  let lo = 0, hi = 1;
  while (studentTwoSided(hi, df) < level) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSided(mid, df) < level) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Mean over seeds with a two-sided t interval (default 95%); one value gives a zero-width interval at it.
 * `range`: the interval is cut to it (a rate's t interval over 3 seeds can pass 0 or 1).
 */
export function seedInterval(values: readonly number[], level = 0.95, range?: [number, number]): SeedInterval {
  const n = values.length;
  if (n === 0) throw new RangeError("seedInterval needs at least one value");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sd: 0, ci: [mean, mean], n, values: [...values] };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = studentQuantile(level, n - 1) * (sd / Math.sqrt(n));
  const ci: [number, number] = range ? [Math.max(range[0], mean - half), Math.min(range[1], mean + half)] : [mean - half, mean + half];
  return { mean, sd, ci, n, values: [...values] };
}
