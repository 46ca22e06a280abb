import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { verifyBatch, VerifierPool } from "./pool.js";

/**
 * A response big enough that extraction alone takes about a second, far past a 200 ms limit. It has no box
 * (a final box decides alone, without scanning the rest), so the whole of it is searched.
 */
function slowResponse(): string {
  return "$x^2+1$ and ".repeat(1_200_000) + "so 5";
}

describe("verifyBatch", () => {
  it("returns results in input order", async () => {
    const items = Array.from({ length: 40 }, (_, k) => ({ gold: String(k % 7), pred: `so $\\boxed{${k % 5}}$` }));
    const res = await verifyBatch(items, { workers: 2 });
    expect(res.map((r) => r.correct)).toEqual(items.map((_, k) => k % 7 === k % 5));
    expect(res.every((r) => r.status === "ok")).toBe(true);
  });

  it("times out a deliberately slow item, terminates its worker and completes the others", async () => {
    const items = [
      { gold: "1", pred: "$\\boxed{1}$" },
      { gold: "5", pred: slowResponse() },
      ...Array.from({ length: 10 }, (_, k) => ({ gold: String(k), pred: `$\\boxed{${k}}$` })),
    ];
    const pool = new VerifierPool({ workers: 2, timeoutMs: 200, killGraceMs: 0 });
    try {
      const res = await Promise.all(items.map((it) => pool.verify(it.gold, it.pred)));
      expect(res[1]!.status).toBe("timeout");
      expect(res[1]!.correct).toBe(false);
      expect(pool.killed).toBeGreaterThanOrEqual(1);
      const others = res.filter((_, k) => k !== 1);
      expect(others.every((r) => r.status === "ok" && r.correct)).toBe(true);
      // the replaced worker keeps serving
      expect((await pool.verify("2", "$\\boxed{2}$")).correct).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it("grades in its workers under the convention it was given (the reward server's and rlvd grade's pool)", async () => {
    const items = [{ gold: "5", pred: "so it is 5" }, { gold: "5", pred: "\\boxed{5}" }, { gold: "x+1", pred: "$y+1$" }];
    expect((await verifyBatch(items, { workers: 1 })).map((r) => r.correct)).toEqual([true, true, false]);
    expect((await verifyBatch(items, { workers: 1, extract: "boxed" })).map((r) => r.correct)).toEqual([false, true, false]);
    expect((await verifyBatch(items, { workers: 1, strict: false })).map((r) => r.correct)).toEqual([true, true, true]);
  });

  it("handles an empty batch and never rejects after close", async () => {
    expect(await verifyBatch([])).toEqual([]);
    const pool = new VerifierPool({ workers: 1 });
    await pool.close();
    expect((await pool.verify("1", "1")).status).toBe("parse_error");
  });

  // The compiled pool (dist/, what the CLI runs) resolves worker.js beside itself.
  const dist = new URL("../../dist/verify/pool.js", import.meta.url);
  it.skipIf(!existsSync(dist))("works from the compiled dist/ build", async () => {
    const mod = (await import(dist.href)) as typeof import("./pool.js");
    const res = await mod.verifyBatch([{ gold: "\\frac12", pred: "$\\boxed{0.5}$" }], { workers: 1 });
    expect(res[0]!.correct).toBe(true);
  });
});
