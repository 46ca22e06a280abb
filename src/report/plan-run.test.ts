import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sampleBinomial } from "../metrics/fit-simulate.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { importCountsFile } from "../store/import-counts.js";
import { seededRng } from "../metrics/rng.js";
import { formatPlan, planRun } from "./plan-run.js";

const tmp = useTmpDirs();

describe("planRun", () => {
  it("plans from imported counts: p ~ Beta(1, 1) with 300 questions needs 2 samples for a 0.1-wide accuracy interval", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const rng = seededRng(11);
    const lines = Array.from({ length: 300 }, (_, i) => {
      const p = rng();
      return { model: "m", question: `q${i}`, n: 16, correct: sampleBinomial(rng, 16, p) };
    });
    await importCountsFile(run, writeJsonl(dir, "c.jsonl", [...lines, ...lines.map((l) => ({ ...l, model: "other" }))]));
    // width(n) = 2 * 1.96 * sqrt((n + 2) / (12 n) / 300): 0.113 at n = 1, 0.092 at n = 2
    const [plan] = await planRun(run, { width: 0.1, models: ["m"] });
    expect(plan!.model).toBe("m");
    expect(plan!.targets[0]!.n).toBe(2);
    expect(plan!.pilot_samples_per_question).toBe(16);
    expect(formatPlan([plan!])).toContain("accuracy: 2 samples per question (600 in all)");
    await expect(planRun(run, { width: 0.1, models: ["nope"] })).rejects.toThrow(/no model named nope/);
    await expect(planRun(run, { width: 0 })).rejects.toThrow(/--width/);
  });
});
