import { gradingLabel } from "../verify/conventions.js";
import { VerifierPool, type PoolOptions } from "../verify/pool.js";
import type { Grader } from "./sample-run.js";

/**
 * The math verifier as a sampling grader: responses are verified against the gold answer in a pool of worker
 * threads (every core, a hard time limit per item), so grading keeps up with fast servers and a pathological
 * answer cannot stall the run. Each verdict carries the grading convention (`extract`, `strict`) it was made
 * under, for the store. Close the pool when done.
 */
export function mathGrader(options: PoolOptions = {}): { grade: Grader; close: () => Promise<void>; grading: string } {
  const pool = new VerifierPool(options);
  const grading = gradingLabel({ extract: options.extract, strict: options.strict });
  return {
    grade: async (items) => {
      const results = await Promise.all(items.map(({ gold, response }) => pool.verify(gold, response)));
      return results.map((r) => ({ correct: r.correct, extracted: r.extracted, status: r.status, grading }));
    },
    close: () => pool.close(),
    grading,
  };
}
