/**
 * Adaptive sampling: draw samples in rounds and stop, per question, once more samples can no longer change what
 * the study reports about it (its difficulty bin at the full n, hence also whether it is ever solved), while the
 * estimators of accuracy and pass@k stay unbiased.
 *
 * Rounds follow a cumulative schedule (16, 24, 32, 48, .., 256 samples per question by default). After a round, each
 * question's final count at the full n is predicted from its posterior under a beta-binomial prior fitted to all
 * questions' counts so far (empirical Bayes, as in Kazdan et al. 2025, who also spend the budget on the hardest
 * problems). A question whose most likely final bin has probability >= `settle` is settled.
 *
 * Unbiasedness. Stopping on what was seen biases c/n (a question stopped after a lucky round keeps its luck). So a
 * settled question is not dropped but kept with a small probability `keep`, drawn at random (a kept one is audited:
 * sampled to the full n, so its weight is 1 / keep, not 1 / keep^j), and every estimator is
 * the telescoping inverse-probability sum
 *     theta_hat = sum_r W_r (g_r - g_{r-1}),   g_0 = 0,   W_r = 1 / P(question reached round r | what was seen),
 * where g_r is any estimate from the samples after round r and g_R (the full schedule) is the unbiased one. Round
 * r's fresh samples are independent of the decision to draw them, so each term has the expectation of
 * g_r - g_{r-1} under "always continue", and the sum has the expectation of g_R: the full run's estimator. For
 * accuracy g_r = c/n; for pass@k (k <= the first round) the unbiased estimator from n_r; for pass@N at the full N,
 * g_r is the posterior mean of 1 - (1 - p)^N for r < R. Decisions may use everything seen so far, across questions.
 */
import { countPatterns, fitMixture, type BetaMixture } from "./fit-beta-binomial.js";
import { posteriorPassAtK, posteriorWeights } from "./fit-predict.js";
import type { BinScheme } from "./bins.js";
import { passAtKCurve } from "./pass-at-k.js";
import { finalBinProbabilities, StoppingProgram } from "./adaptive-policy.js";
import type { Rng } from "./rng.js";

export type AdaptiveOptions = {
  /** cumulative samples per question after each round; the last is the full n */
  schedule?: readonly number[];
  /**
   * "budget" (default): the priced dynamic program of adaptive-policy.ts, which spends an allowance of expected
   * bin changes (`misses`) where it saves the most samples; "threshold": the first rule, a question stops once its
   * most likely final bin has probability >= `settle` (tapered by `taper`)
   */
  rule?: AdaptiveRule;
  /** rule "budget": the expected share of questions reported in another bin than the full run's */
  misses?: number;
  /** rule "threshold": a question is settled when its most likely final bin has at least this probability */
  settle?: number;
  /** probability that a settled question is sampled further anyway (keeps the estimators unbiased; > 0) */
  keep?: number;
  /**
   * rule "threshold": how the accepted chance of a different final bin, 1 - settle after the first round, shrinks as the samples a
   * stop would save shrink: 1 - settle times ((N - n) / (N - n_1))^taper. 0 holds every round to 1 - settle.
   */
  taper?: number;
  /**
   * a question never solved so far stops only when it stays unsolved through the full n with at least this
   * probability: its pass@N is 0 or 1, so one stopped at random odds of a success adds (1 / keep - 1) q (1 - q)
   * to the variance of pass@N's estimate, far more than any bin decision does. 1 (the default): never solved
   * questions always run to the full n, because the fitted posterior is overconfident for a model sharpened by RL
   * (docs/analysis.md: on the full preset's rlvr, 0 of 64 reads as "never solvable" numerically while a few such
   * questions are solved by 1024)
   */
  unsolvedSettle?: number;
};
export const ADAPTIVE_RULES = ["budget", "threshold"] as const;
export type AdaptiveRule = (typeof ADAPTIVE_RULES)[number];
/** The settings docs/analysis.md measured on the study's counts (the fewest samples that keep >= 97% of bins). */
export const ADAPTIVE_DEFAULTS = {
  schedule: [16, 24, 32, 48, 64, 96, 128, 192, 256], rule: "budget", misses: 0.025, settle: 0.9, keep: 0.05, taper: 1, unsolvedSettle: 1,
} satisfies Required<AdaptiveOptions>;

/** The default schedule for k samples per question: the study's rounds at 256 scaled by k / 256 (rounds that collapse are merged). */
export function adaptiveSchedule(k: number): number[] {
  const scaled = ADAPTIVE_DEFAULTS.schedule.map((n) => Math.max(1, Math.round((n * k) / 256)));
  scaled[scaled.length - 1] = k;
  return scaled.filter((n, i) => i === 0 || n > scaled[i - 1]!);
}

export type AdaptiveQuestion = {
  /** samples drawn so far */
  n: number;
  correct: number;
  /** 1 / P(reached the current round); 0 once stopped */
  weight: number;
  stopped: boolean;
  /** kept at random while settled: sampled to the full n from then on */
  audited: boolean;
  /** running inverse-probability estimates (sum of weighted increments) and the last g_r of each */
  accuracy: number;
  pass_at_full: number;
  last: { accuracy: number; pass_at_full: number };
  /** most likely bin at the full n and its probability, after the last decision */
  bin: number;
  bin_probability: number;
};

export type AdaptiveEstimates = {
  accuracy: number;
  /** pass@N at the full N of the schedule */
  pass_at_full: number;
  samples: number;
  /** samples a fixed run of the full n on every question would draw */
  samples_full: number;
  /** samples spent per (estimated) bin */
  samples_per_bin: number[];
  questions_per_bin: number[];
};

/** What an adaptive run spent and estimated; `rlvd sample --adaptive` stores it in models.meta.adaptive for the report. */
export type AdaptiveSummary = {
  settings: Required<AdaptiveOptions>;
  seed: number;
  rounds: number;
  /** inverse-probability estimates (unbiased for the full run's accuracy and pass@N) and samples per bin */
  estimates: AdaptiveEstimates;
  /** the bins' labels at the full n (the estimates' per-bin arrays follow them) */
  bins: string[];
  samples_saved: number;
  /** mean generated tokens per stored sample (null when the backend reports none) and the tokens not generated */
  mean_tokens: number | null;
  tokens_saved: number | null;
};

/**
 * The allocator. Call `request()` for this round's draws, `record()` each question's results, then `decide(rng)`;
 * repeat until `request()` is empty. Knows nothing about how samples are produced.
 */
export class AdaptiveAllocator {
  readonly options: Required<AdaptiveOptions>;
  readonly questions: AdaptiveQuestion[];
  private round = 0;
  private prior: BetaMixture | null = null;
  private tailPrior: BetaMixture | null = null;

  constructor(questionCount: number, readonly scheme: BinScheme, options: AdaptiveOptions = {}) {
    this.options = { ...ADAPTIVE_DEFAULTS, ...options };
    const { schedule, keep, settle } = this.options;
    if (schedule.length === 0 || schedule.some((n, i) => !Number.isInteger(n) || n < 1 || (i > 0 && n <= schedule[i - 1]!))) {
      throw new RangeError(`the adaptive schedule must be increasing positive integers (got ${schedule.join(",")})`);
    }
    if (!(keep > 0 && keep <= 1)) throw new RangeError(`keep must be in (0, 1] (got ${keep})`);
    if (!(settle > 0 && settle <= 1)) throw new RangeError(`settle must be in (0, 1] (got ${settle})`);
    this.questions = Array.from({ length: questionCount }, () => ({
      n: 0, correct: 0, weight: 1, stopped: false, audited: false, accuracy: 0, pass_at_full: 0, last: { accuracy: 0, pass_at_full: 0 }, bin: 0, bin_probability: 0,
    }));
  }

  get full(): number {
    return this.options.schedule[this.options.schedule.length - 1]!;
  }

  /** Samples to draw now, per question index (questions not listed draw none). */
  request(): Array<{ question: number; samples: number }> {
    if (this.round >= this.options.schedule.length) return [];
    const target = this.options.schedule[this.round]!;
    return this.questions.flatMap((q, i) => (q.stopped || q.n >= target ? [] : [{ question: i, samples: target - q.n }]));
  }

  record(question: number, samples: number, correct: number): void {
    const q = this.questions[question]!;
    if (!(correct >= 0 && correct <= samples)) throw new RangeError(`question ${question}: ${correct} correct of ${samples}`);
    q.n += samples;
    q.correct += correct;
  }

  /** Ends the round: updates the estimates, then chooses (at random for settled questions) who continues. */
  decide(rng: Rng): void {
    const target = this.options.schedule[this.round]!;
    const last = this.round === this.options.schedule.length - 1;
    for (const q of this.questions) {
      if (!q.stopped && q.n !== target) throw new Error(`a question has ${q.n} samples after a round that asked for ${target}`);
    }
    // later rounds polish the previous round's prior rather than search from scratch
    const counts = countPatterns(this.questions.map((q) => ({ n: q.n, correct: q.correct })));
    this.prior = this.prior ? fitMixture(counts, { variant: "zero", start: this.prior, starts: 0 }) : fitMixture(counts, { variant: "zero" });
    // whether an unsolved question stays unsolved depends on the left tail only: fitted there (counts above n/4
    // censored, as the extrapolation does), since a model sharpened by RL puts its Beta near 1 and the whole-range
    // fit then reads every 0 of n as "never solvable" (measured on the full preset's rlvr: docs/analysis.md)
    this.tailPrior = this.tailPrior
      ? fitMixture(counts, { variant: "zero", censorAbove: 0.25, start: this.tailPrior, starts: 0 })
      : fitMixture(counts, { variant: "zero", censorAbove: 0.25 });
    for (const q of this.questions) {
      if (q.stopped) continue;
      // one success already makes the full run's pass@N of this question exactly 1 (its samples include these)
      const g = {
        accuracy: q.correct / q.n,
        pass_at_full: q.n >= this.full ? passAtKCurve(q.n, q.correct)[this.full]! : q.correct > 0 ? 1 : posteriorPassAtK(this.prior, q.n, q.correct, this.full),
      };
      q.accuracy += q.weight * (g.accuracy - q.last.accuracy);
      q.pass_at_full += q.weight * (g.pass_at_full - q.last.pass_at_full);
      q.last = g;
      const { bin, probability } = finalBin(this.prior, this.scheme, q.n, q.correct, this.full);
      q.bin = bin;
      q.bin_probability = probability;
      if (last) q.stopped = true;
    }
    if (!last) {
      const stops = this.options.rule === "budget" ? this.budgetStops() : this.thresholdStops();
      for (const q of this.questions) {
        if (q.stopped) continue;
        // an audited question (kept at random once while settled) runs to the end: its weight stays 1 / keep
        // instead of compounding to 1 / keep^j over later rounds
        const continueProbability = q.audited || !stops.has(q) ? 1 : this.options.keep;
        if (continueProbability < 1) q.audited = true;
        if (rng() < continueProbability) q.weight /= continueProbability;
        else q.stopped = true;
      }
    }
    this.round++;
  }

  /** May a question with c of n stop? One never solved so far only by the unsolved rule. */
  private canStop(n: number, c: number): boolean {
    if (c > 0) return true;
    return this.options.unsolvedSettle < 1 && unsolvedProbability(this.tailPrior!, n, this.full) >= this.options.unsolvedSettle;
  }

  /** The deciding questions (neither stopped nor audited) that the rule "budget" stops after this round. */
  private budgetStops(): Set<AdaptiveQuestion> {
    const deciding = this.questions.filter((q) => !q.stopped && !q.audited);
    // a stopped question keeps the chance of a changed bin it had when it stopped; an audited one ends at the full n
    let locked = 0;
    for (const q of this.questions) if (q.stopped) locked += 1 - q.bin_probability;
    const program = new StoppingProgram({
      prior: this.prior!, scheme: this.scheme, schedule: this.options.schedule, round: this.round, keep: this.options.keep,
      canStop: (n, c) => this.canStop(n, c),
    });
    const plan = program.withinBudget(deciding.map((q) => q.correct), locked, this.options.misses * this.questions.length);
    const stop = plan.stop[this.round]!;
    return new Set(deciding.filter((q) => stop[q.correct] === 1));
  }

  /** The deciding questions whose most likely final bin is probable enough (rule "threshold"). */
  private thresholdStops(): Set<AdaptiveQuestion> {
    const first = this.options.schedule[0]!;
    const stops = new Set<AdaptiveQuestion>();
    for (const q of this.questions) {
      if (q.stopped || q.audited) continue;
      const tolerance = (1 - this.options.settle) * ((this.full - q.n) / Math.max(1, this.full - first)) ** this.options.taper;
      if (1 - q.bin_probability <= tolerance && this.canStop(q.n, q.correct)) stops.add(q);
    }
    return stops;
  }

  estimates(): AdaptiveEstimates {
    const Q = this.questions.length;
    const bins = this.scheme.bins.length;
    const samples_per_bin = new Array<number>(bins).fill(0);
    const questions_per_bin = new Array<number>(bins).fill(0);
    let acc = 0, pass = 0, samples = 0;
    for (const q of this.questions) {
      acc += q.accuracy;
      pass += q.pass_at_full;
      samples += q.n;
      samples_per_bin[q.bin]! += q.n;
      questions_per_bin[q.bin]!++;
    }
    return { accuracy: acc / Q, pass_at_full: pass / Q, samples, samples_full: Q * this.full, samples_per_bin, questions_per_bin };
  }
}

/** P(no success in the remaining full - n samples | 0 of n) under the prior's posterior. */
export function unsolvedProbability(prior: BetaMixture, n: number, full: number): number {
  if (n >= full) return 1;
  return 1 - posteriorPassAtK(prior, n, 0, full - n);
}

/**
 * The most likely bin of the count at `full` samples, and its probability, for a question with c of n: the rest
 * of its samples are beta-binomial under its posterior (plus the prior's point masses it is compatible with).
 */
export function finalBin(prior: BetaMixture, scheme: BinScheme, n: number, c: number, full: number): { bin: number; probability: number } {
  const probs = finalBinProbabilities(prior, scheme, n, c, full);
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[best]!) best = i;
  return { bin: best, probability: Math.min(1, probs[best]!) };
}
