/**
 * The budgeted stopping rule of adaptive sampling (adaptive.ts, rule "budget"): per question, the Bayes-optimal
 * choice between stopping now and sampling on, at a price mu (in samples) for one question reported in another bin
 * than the full run gives it; mu is set each round so that the expected share of changed bins over all questions
 * equals the run's allowance (`misses`, 2.5% by default against the goal's 3%).
 *
 * Why not a threshold. The first rule stopped a question once its most likely final bin had probability
 * >= 1 - t. A question with p near a fixed bin edge never gets there and draws all N samples, however little they
 * buy: on the study's base models a quarter of the questions sit in the narrow low bins (1-4, 5-16, 17-32 of 256)
 * and cost 220-240 samples each. The allowance is a budget over questions, and a threshold spends it evenly; the
 * price spends it where a changed bin saves the most samples: a near-coin-flip question may stop after 16 samples
 * (0.4 expected misses for 240 samples), a question a few samples from being settled looks once more.
 *
 * The program. A question's state after round s is its count c of n_s; under the fitted prior its posterior
 * predictive gives both the chance that the most likely final bin is wrong (miss[s][c]) and the distribution of the
 * next round's successes. Backwards from the full n, each state takes the cheaper of
 *     stop:     keep (N - n_s) + mu (1 - keep) miss[s][c]     (a stopped question is audited to N with prob. keep)
 *     continue: (n_{s+1} - n_s) + E[cost at s + 1],
 * and the same pass carries each state's expected misses to come. States the caller forbids to stop (a question
 * never solved so far, by default) always continue. Expected misses fall as mu rises, so mu is found by bisection.
 */
import type { BetaMixture } from "./fit-beta-binomial.js";
import { posteriorWeights } from "./fit-predict.js";
import { lbeta } from "./fit-special.js";
import { binIndex, type BinScheme } from "./bins.js";

/**
 * P(x more successes in m further samples | c of n) for x = 0..m under the prior's posterior: beta-binomial for the
 * Beta part, plus the point masses at p = 0 and p = 1 the count is compatible with.
 */
export function predictiveCounts(prior: BetaMixture, n: number, c: number, m: number): Float64Array {
  const out = new Float64Array(m + 1);
  if (m === 0) {
    out[0] = 1;
    return out;
  }
  const { w0, w1, betaWeight } = posteriorWeights(prior, n, c);
  out[0]! += w0;
  out[m]! += w1;
  if (betaWeight > 0) {
    const a = prior.a + c, b = prior.b + n - c;
    // the pmf by its ratio recurrence, in log space so a far-off start cannot underflow the rest
    let logP = lbeta(a, b + m) - lbeta(a, b);
    for (let x = 0; x <= m; x++) {
      out[x]! += betaWeight * Math.exp(logP);
      if (x < m) logP += Math.log(((m - x) / (x + 1)) * ((a + x) / (b + m - x - 1)));
    }
  }
  return out;
}

/** The probability of each bin of the count at `full` samples, for a question with c of n. */
export function finalBinProbabilities(prior: BetaMixture, scheme: BinScheme, n: number, c: number, full: number): Float64Array {
  const probs = new Float64Array(scheme.bins.length);
  const rest = full - n;
  if (rest <= 0) {
    probs[binIndex(scheme, c, n)] = 1;
    return probs;
  }
  const pred = predictiveCounts(prior, n, c, rest);
  for (let x = 0; x <= rest; x++) probs[binIndex(scheme, c + x, full)]! += pred[x]!;
  return probs;
}

export type StoppingInput = {
  prior: BetaMixture;
  scheme: BinScheme;
  /** cumulative samples per question after each round; the last is the full n */
  schedule: readonly number[];
  /** index of the round whose results were just recorded (the decision is taken after it) */
  round: number;
  /** probability that a stopped question is audited to the full n anyway */
  keep: number;
  /** whether a question with c of n may stop at all */
  canStop: (n: number, c: number) => boolean;
};

/** One price's solution: per round index s >= round and count c, whether to stop and what is expected to come. */
export type StoppingSolution = {
  mu: number;
  stop: Uint8Array[];
  /** expected samples still to draw from (s, c) under the policy */
  samples: Float64Array[];
  /** expected bin changes from (s, c) under the policy */
  misses: Float64Array[];
};

export class StoppingProgram {
  private readonly miss: Float64Array[] = [];
  private readonly next: Float64Array[][] = [];
  private readonly stoppable: Uint8Array[] = [];
  private readonly last: number;

  constructor(private readonly input: StoppingInput) {
    const { prior, scheme, schedule, round, canStop } = input;
    this.last = schedule.length - 1;
    const full = schedule[this.last]!;
    for (let s = round; s < this.last; s++) {
      const n = schedule[s]!, step = schedule[s + 1]! - n;
      const miss = new Float64Array(n + 1), ok = new Uint8Array(n + 1), next: Float64Array[] = [];
      for (let c = 0; c <= n; c++) {
        const probs = finalBinProbabilities(prior, scheme, n, c, full);
        let best = 0;
        for (const p of probs) best = Math.max(best, p);
        miss[c] = Math.max(0, 1 - best);
        ok[c] = canStop(n, c) ? 1 : 0;
        next.push(predictiveCounts(prior, n, c, step));
      }
      this.miss[s] = miss;
      this.stoppable[s] = ok;
      this.next[s] = next;
    }
  }

  /** The chance that a question stopped now with c of n_round is reported in the wrong bin. */
  missIfStopped(c: number): number {
    return this.input.round < this.last ? this.miss[this.input.round]![c]! : 0;
  }

  solve(mu: number): StoppingSolution {
    const { schedule, round, keep } = this.input;
    const full = schedule[this.last]!;
    const stop: Uint8Array[] = [], samples: Float64Array[] = [], misses: Float64Array[] = [];
    samples[this.last] = new Float64Array(full + 1);
    misses[this.last] = new Float64Array(full + 1);
    for (let s = this.last - 1; s >= round; s--) {
      const n = schedule[s]!, step = schedule[s + 1]! - n;
      const S = new Float64Array(n + 1), M = new Float64Array(n + 1), D = new Uint8Array(n + 1);
      const nextS = samples[s + 1]!, nextM = misses[s + 1]!;
      for (let c = 0; c <= n; c++) {
        const t = this.next[s]![c]!;
        let cs = step, cm = 0;
        for (let x = 0; x < t.length; x++) {
          cs += t[x]! * nextS[c + x]!;
          cm += t[x]! * nextM[c + x]!;
        }
        const ss = keep * (full - n), sm = (1 - keep) * this.miss[s]![c]!;
        if (this.stoppable[s]![c] && ss + mu * sm < cs + mu * cm) {
          S[c] = ss;
          M[c] = sm;
          D[c] = 1;
        } else {
          S[c] = cs;
          M[c] = cm;
        }
      }
      stop[s] = D;
      samples[s] = S;
      misses[s] = M;
    }
    return { mu, stop, samples, misses };
  }

  /**
   * The cheapest solution whose expected bin changes, `locked` (those of questions already stopped) plus those to
   * come from the deciding questions' counts, stay within `budget`. No stop at all when even that is over budget.
   */
  withinBudget(counts: readonly number[], locked: number, budget: number): StoppingSolution {
    const expected = (sol: StoppingSolution) => {
      let e = locked;
      const m = sol.misses[this.input.round]!;
      for (const c of counts) e += m[c]!;
      return e;
    };
    if (this.input.round >= this.last) return this.solve(Number.POSITIVE_INFINITY);
    let lo = Math.log(1e-2), hi = Math.log(1e9);
    const cheapest = this.solve(Math.exp(lo));
    if (expected(cheapest) <= budget) return cheapest;
    const dearest = this.solve(Math.exp(hi));
    if (expected(dearest) > budget) return this.solve(Number.POSITIVE_INFINITY);
    let best = dearest;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      const sol = this.solve(Math.exp(mid));
      if (expected(sol) <= budget) {
        best = sol;
        hi = mid;
      } else lo = mid;
    }
    return best;
  }
}
