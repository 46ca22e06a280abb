/**
 * mulberry32: a tiny seeded generator of uniform numbers in [0, 1). rlvd uses it wherever a result must be
 * reproducible from a seed (bootstrap resampling, the synthetic world, the verifier's sample points); one
 * definition, so the streams the documented results came from stay the same everywhere.
 *
 * The state is kept as a signed 32-bit integer (`| 0`), not the unsigned one the reference writes (`>>> 0`):
 * the bits are the same (every operation below reads its operands as 32-bit patterns, and the output is
 * taken `>>> 0`), so the stream is too, but an int32 is a small integer to V8, while an unsigned state above
 * 2^31 is a heap number, allocated anew at every draw. The bootstraps draw 75 million numbers a test.
 */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
