import type { AnswerGroups } from "./answers.js";

/**
 * Miller-Madow bias-corrected answer entropy (nats): the plug-in entropy underestimates the true one by about
 * (K - 1) / (2N) for K occupied outcomes among N samples, so that term is added back. Outcomes are the answer
 * classes plus "no answer" (as in answerEntropy). With one outcome the correction is 0.
 */
export function millerMadowEntropy(groups: AnswerGroups): number {
  const n = groups.group.length;
  if (n === 0) return 0;
  let missing = 0;
  for (let i = 0; i < n; i++) if (groups.group[i]! < 0) missing++;
  let h = 0, occupied = 0;
  for (const count of [...groups.size, missing]) {
    if (count === 0) continue;
    occupied++;
    const p = count / n;
    h -= p * Math.log(p);
  }
  return h + (occupied - 1) / (2 * n);
}
