// Deterministic pseudo-random numbers: xoshiro128** seeded through splitmix32, so equal seeds give equal
// streams on every platform. Used for weight init, shuffling, and per-sample sampling streams.
// Named for its algorithm: the other seeded streams (core/mulberry32.ts behind metrics' `Rng` and the
// world's `Rng32`) are different generators, and their documented results depend on staying so.

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

/** Mixes any number of integers into one 32-bit seed (order matters). */
export function mixSeeds(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    let s = (h ^ Math.floor(p)) | 0;
    let out: number;
    [s, out] = splitmix32(s);
    // fold the high bits of large integers (up to 2^53) in too
    const hi = Math.floor(p / 4294967296) | 0;
    h = (out ^ Math.imul(hi, 0x9e3779b1) ^ s) >>> 0;
    [, h] = splitmix32(h);
  }
  return h >>> 0;
}

/** 32-bit FNV-1a hash of a string (to seed a stream from a question's text or id). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** xoshiro128**: the engine's stream (weights, sampling). */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let s = mixSeeds(seed);
    [s, this.a] = splitmix32(s);
    [s, this.b] = splitmix32(s);
    [s, this.c] = splitmix32(s);
    [, this.d] = splitmix32(s);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** uniform 32-bit unsigned integer */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** uniform in [0, 1) with 53 random bits */
  next(): number {
    const hi = this.nextU32() >>> 5, lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** standard normal (Box-Muller) */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
