/**
 * Simulated studies for the findings' error rates (findings-sim.test.ts, bench/findings-error-rates.ts).
 * Per-sample success rates are drawn from a seeded generator shaped like the study's Qwen2.5-3B counts on
 * MATH500 at n = 256 (about 8% of the questions never solved, a few rarely solved, the rest spread with mean
 * near 0.6); counts are Binomial(n, p). A scenario says how each trained model's rates differ from the base's.
 */
import { binomialDraw } from "../../metrics/fixed-benchmark.js";
import { seededRng, type Rng } from "../../metrics/rng.js";
import type { QuestionResult } from "../../metrics/summary.js";
import type { Analysis } from "../analyze-run.js";
import type { Comparison } from "../../metrics/comparison.js";
import { findingTests, type FindingSettings, DEFAULT_FINDING_SETTINGS } from "../finding-tests.js";

export const SIM_N = 256;
export const SIM_QUESTIONS = 500;

/** Base success rates: 8% zero, 7% rare (0.002-0.02), the rest u^0.6. */
export function baseRates(rng: Rng, questions = SIM_QUESTIONS): Float64Array {
  return Float64Array.from({ length: questions }, () => {
    const u = rng();
    if (u < 0.08) return 0;
    if (u < 0.15) return 0.002 + rng() * 0.018;
    return Math.pow(rng(), 0.6);
  });
}

export type Scenario = {
  name: string;
  /** the trained models' rates from the base's (models not listed: none) */
  models: Record<string, (base: Float64Array, rng: Rng) => Float64Array>;
};

const same = (b: Float64Array) => b;

/** No change at all: every study model has the base's rates. */
export const NO_CHANGE: Scenario = {
  name: "no change",
  models: { rlvr: same, "distill-patterns": same, "distill-knowledge": same, "base<-rlvr": same, "base<-base": same },
};

/**
 * A true small capability gain: 10 never-solved questions get p = 0.01006, so each is solved in 256 samples
 * with probability 0.925 and the expected pass@256 gain is 10 x 0.925 / 500 = +0.0185; accuracy unchanged
 * otherwise.
 */
export const SMALL_CAPABILITY_GAIN: Scenario = {
  name: "pass@256 +0.0185",
  models: {
    rlvr: (b) => {
      const o = Float64Array.from(b);
      let moved = 0;
      for (let i = 0; i < o.length && moved < 10; i++) if (o[i] === 0) (o[i] = 0.01006), moved++;
      return o;
    },
  },
};

/** An RLVR-like change: middle questions sharpen (p -> p + 0.3 p (1 - p)), rarely solved ones (p < 0.02) are lost. */
export const RL_LIKE: Scenario = {
  name: "RL-like: middle gains, rare questions lost",
  models: { rlvr: (b) => b.map((p) => (p < 0.02 ? 0 : Math.min(1, p + 0.3 * p * (1 - p)))) },
};

function counts(rates: Float64Array, rng: Rng, n = SIM_N): QuestionResult[] {
  return Array.from(rates, (p, i) => ({ question_id: `q${i}`, n, correct: binomialDraw(rng, n, p) }));
}

/** One simulated run as the findings see it: the base and trained models' counts, the tests, no texts or answers. */
export function simulatedAnalysis(scenario: Scenario, seed: number, settings: Partial<FindingSettings> = {}): Analysis {
  const rng = seededRng(seed);
  const rates = baseRates(rng);
  const results = new Map<string, QuestionResult[]>([["base", counts(rates, rng)]]);
  for (const [name, f] of Object.entries(scenario.models)) results.set(name, counts(f(rates, rng), rng));
  const tests = findingTests({
    results, base: "base", scheme: { n: SIM_N, bins: [] },
    pairs: [["distill-knowledge", "distill-patterns", "capability"], ["base<-rlvr", "base<-base", "accuracy"], ["base<-rlvr", "rlvr", "accuracy"], ["base<-base", "rlvr", "accuracy"]],
  }, { ...DEFAULT_FINDING_SETTINGS, seed, ...settings });
  // judgeFindings reads the comparisons only for the model names and the descriptive transition counts
  const comparisons = Object.keys(scenario.models).map((other) => ({ base: "base", other, transition: [] as number[][] }) as unknown as Comparison);
  return { base: "base", models: {}, comparisons, finding_tests: tests, warnings: [] };
}
