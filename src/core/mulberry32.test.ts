import { describe, expect, it } from "vitest";
import { mulberry32, Mulberry32Bulk } from "./mulberry32.js";

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

describe("Mulberry32Bulk", () => {
  it("fills what next() draws one by one, mixed with integer fills", () => {
    const ref = reference(42);
    const bulk = new Mulberry32Bulk(42);
    const got = [...bulk.fillUniform(new Float64Array(1000)), ...bulk.fillInts(new Int32Array(10), 7), ...bulk.fillUniform(new Float64Array(3))];
    const want = [...Array.from({ length: 1000 }, () => ref()), ...Array.from({ length: 10 }, () => Math.floor(ref() * 7)), ref(), ref(), ref()];
    expect(got).toEqual(want);
  });

  it("fills what Math.floor(next() * n) draws one by one, across fills of varying length and n", () => {
    for (const seed of [0, 3, -7, 2 ** 31 + 11]) {
      const ref = reference(seed);
      const bulk = new Mulberry32Bulk(seed);
      const got: number[] = [];
      const want: number[] = [];
      for (const [len, n] of [[1, 10], [7500, 7500], [0, 3], [333, 1], [1000, 2 ** 20]] as const) {
        got.push(...bulk.fillInts(new Int32Array(len), n));
        for (let i = 0; i < len; i++) want.push(Math.floor(ref() * n));
      }
      expect(got).toEqual(want);
    }
  });
});
