/**
 * Difficulty bins without regression to the mean. Binning questions by the base's correct count and then
 * measuring the base's accuracy on the same samples biases every bin toward its own edges (a question that was
 * lucky lands higher and looks as if it lost). Here each question's base samples are split at random into two
 * halves: half A decides the bin, half B measures the base. The other model's samples are independent of both.
 *
 * Only counts are needed: under exchangeable samples, the correct count of a random half of n samples with c
 * correct is hypergeometric, so a seeded hypergeometric draw is a random split of the stored samples. The seed
 * of each question mixes the run seed with its id, so a question's split does not depend on the others.
 */
import { binIndex, type BinScheme } from "./bins.js";
import { seededRng } from "./rng.js";
import type { QuestionResult } from "./summary.js";

export type SplitCount = { question_id: string; nA: number; cA: number; nB: number; cB: number };

function hashId(id: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Half A: floor(n / 2) samples drawn without replacement; half B: the rest. */
export function splitCounts(results: readonly QuestionResult[], seed: number): SplitCount[] {
  return results.map((r) => {
    const rng = seededRng(hashId(r.question_id, seed));
    const nA = Math.floor(r.n / 2);
    let left = r.n, good = r.correct, cA = 0;
    for (let j = 0; j < nA; j++) {
      if (rng() * left < good) {
        cA++;
        good--;
      }
      left--;
    }
    return { question_id: r.question_id, nA, cA, nB: r.n - nA, cB: r.correct - cA };
  });
}

/** Each question's bin from its half A, its count rescaled to the scheme's n (-1 when half A is empty). */
export function splitBinOf(splits: readonly SplitCount[], scheme: BinScheme): Int32Array {
  return Int32Array.from(splits, (s) => (s.nA === 0 || s.nB === 0 ? -1 : binIndex(scheme, s.cA, s.nA)));
}
