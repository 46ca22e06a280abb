import { describe, expect, it } from "vitest";
import { mulberry32 } from "./mulberry32.js";

/** mulberry32 as its reference writes it, with an unsigned state: the stream rlvd's results were drawn from. */
function reference(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("mulberry32", () => {
  it("draws the reference's stream exactly, for seeds of every range (negative, above 2^31, fractional)", () => {
    for (const seed of [0, 1, 7, 101, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32 + 5, -1, -12345, 3.7, -0.5, 1e12]) {
      const ours = mulberry32(seed);
      const ref = reference(seed);
      let differ = -1;
      for (let i = 0; i < 20_000 && differ < 0; i++) if (ours() !== ref()) differ = i;
      expect([seed, differ]).toEqual([seed, -1]);
    }
  });

  it("keeps seed 0's first value, which earlier versions drew too", () => {
    expect(mulberry32(0)()).toBeCloseTo(0.2664292086847126, 15);
  });
});
