/**
 * mulberry32: a tiny seeded generator of uniform numbers in [0, 1). rlvd uses it wherever a result must be
 * reproducible from a seed (bootstrap resampling, the synthetic world, the verifier's sample points); one
 * definition, so the streams the documented results came from stay the same everywhere.
 *
 * The state is kept as a signed 32-bit integer (`| 0`), not the unsigned one the reference writes (`>>> 0`):
 * the bits are the same (every operation reads its operands as 32-bit patterns, and the output is taken
 * `>>> 0`), so the stream is too, but an int32 is a small integer to V8, while an unsigned state above 2^31 is
 * a heap number, allocated anew at every draw. The bootstraps draw 75 million numbers a test.
 */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => uniform((a = (a + STEP) | 0));
}

const STEP = 0x6d2b79f5;

/** The output of state `a`, in [0, 1). */
function uniform(a: number): number {
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * mulberry32(seed)'s stream drawn in bulk, exactly the values a loop calling the generator would draw, several
 * times faster (the state stays in a register, with no call per draw): `fillUniform(out)` writes the next
 * `out.length` values, `fillInts(out, n)` the next `out.length` values of `Math.floor(next() * n)`. Fills may
 * be mixed; each goes on where the last one stopped. For the bootstraps' and permutation tests' inner loops.
 */
export class Mulberry32Bulk {
  private a: number;
  constructor(seed: number) {
    this.a = seed | 0;
  }

  fillInts(out: Int32Array, n: number): Int32Array {
    let a = this.a;
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(uniform((a = (a + STEP) | 0)) * n);
    this.a = a;
    return out;
  }

  fillUniform(out: Float64Array): Float64Array {
    let a = this.a;
    for (let i = 0; i < out.length; i++) out[i] = uniform((a = (a + STEP) | 0));
    this.a = a;
    return out;
  }
}
