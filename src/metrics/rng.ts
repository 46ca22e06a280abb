import { mulberry32 } from "../core/mulberry32.js";

/** A seeded generator so every resampling result is reproducible from its seed. */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  return mulberry32(seed);
}

/** Uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}
