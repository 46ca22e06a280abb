import { VerifierPool, type PoolOptions } from "../verify/pool.js";
import type { Grader } from "./sample-run.js";

/**
 * The math verifier as a sampling grader: responses are verified against the gold answer in a pool of worker
 * threads (every core, a hard time limit per item), so grading keeps up with fast servers and a pathological
 * answer cannot stall the run. Close the pool when done.
 */
export function mathGrader(options: PoolOptions = {}): { grade: Grader; close: () => Promise<void> } {
  const pool = new VerifierPool(options);
  return {
    grade: async (items) => {
      const results = await Promise.all(items.map(({ gold, response }) => pool.verify(gold, response)));
      return results.map((r) => ({ correct: r.correct, extracted: r.extracted, status: r.status }));
    },
    close: () => pool.close(),
  };
}
