/**
 * mulberry32: a tiny seeded generator of uniform numbers in [0, 1). rlvd uses it wherever a result must be
 * reproducible from a seed (bootstrap resampling, the synthetic world, the verifier's sample points); one
 * definition, so the streams the documented results came from stay the same everywhere.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
