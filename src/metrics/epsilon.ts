/**
 * The largest per-sample success rate a question can have and still show 0 correct in n samples, at the given
 * confidence: P(0 of n | p) = (1 - p)^n = 1 - confidence  =>  p = 1 - (1 - confidence)^(1/n).
 * At n = 256 and 95% this is about 0.0116: an "unsolved" question has p_i below it.
 */
export function unsolvedEpsilon(n: number, confidence = 0.95): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer (got ${n})`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1) (got ${confidence})`);
  // expm1/log1p keep precision when (1 - confidence)^(1/n) is close to 1.
  return -Math.expm1(Math.log1p(-confidence) / n);
}
