// A real embedded GRPO run with snapshots, sampled as a series and analysed and reported (issue 17).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withStore } from "../../store/store.js";
import { seriesMembers } from "../../store/series.js";
import { useTmpDirs } from "../../test-helpers/tmp.js";
import { runStages } from "../runner.js";
import { parseSpec } from "../spec.js";
import { STAGE_KINDS } from "./index.js";

const tmp = useTmpDirs();

const SPEC = {
  name: "tiny-series",
  stages: [
    { id: "world", kind: "world", world: { seed: 2, alphabet: 6, chainLengths: [1, 2], heldOut: 0 }, test: 24, train: 60 },
    { id: "base", kind: "pretrain", world: "world", author: "base", documents: 600, model: { dim: 32, layers: 1, heads: 2, context: 64 },
      train: { steps: 30, batch: 32, lr: 0.003, warmup: 5, schedule: "cosine", evalFraction: 0 } },
    { id: "rlvr", kind: "grpo", world: "world", from: "base", snapshotEvery: 2, train: { steps: 6, questions: 8, group: 4, maxTokens: 24, lr: 0.0005, warmup: 1 } },
    { id: "test-base", kind: "sample", world: "world", from: "base", model: "base", split: "test", k: 8, sampling: { maxTokens: 24 } },
    { id: "series-rlvr", kind: "series", world: "world", from: "rlvr", name: "rlvr", k: 8, sampling: { maxTokens: 24 } },
    { id: "analyze", kind: "analyze", base: "base", needs: ["test-base", "series-rlvr"] },
    { id: "report", kind: "report", base: "base", needs: ["analyze"] },
  ],
};

describe("series stage", () => {
  it("samples every snapshot of a GRPO run once, on a monotone step axis, into the analysis and the report", async () => {
    const run = tmp();
    const results = await runStages(parseSpec(SPEC, "tiny.yaml", STAGE_KINDS).stages, { runDir: run, kinds: STAGE_KINDS });
    const rlvr = results.find((r) => r.id === "rlvr")!.output as { snapshots: Array<{ step: number }> };
    expect(rlvr.snapshots.map((s) => s.step)).toEqual([2, 4, 6]);

    // the store: each snapshot a model of its own with its step as a number, 24 questions x 8 samples each
    await withStore(run, {}, async (store) => {
      expect(await seriesMembers(store)).toEqual([2, 4, 6].map((step) => ({ model: `rlvr@step-${step}`, series: "rlvr", step })));
      const counts = await store.all<{ model: string; n: number }>("SELECT model, count(*)::INTEGER AS n FROM samples GROUP BY model ORDER BY model");
      expect(counts).toEqual([{ model: "base", n: 192 }, ...[2, 4, 6].map((s) => ({ model: `rlvr@step-${s}`, n: 192 }))]);
    });

    const metrics = JSON.parse(readFileSync(join(run, "metrics.json"), "utf8"));
    expect(Object.keys(metrics.models)).toEqual(["base"]);
    const series = metrics.series.rlvr as Array<{ model: string; step: number; pass_at_k: Record<string, number>; bin_accuracy: unknown[]; won: number; lost: number }>;
    expect(series.map((e) => e.step)).toEqual([2, 4, 6]);
    for (const e of series) {
      expect(Object.keys(e.pass_at_k)).toEqual(["1"]); // n = 8: pass@16 and pass@256 only from the fit
      expect(e.bin_accuracy).toHaveLength(metrics.models.base.bins.length);
      expect(Number.isInteger(e.won) && Number.isInteger(e.lost)).toBe(true);
    }
    expect(metrics.series_fall.rlvr.k).toBe(8);

    const html = readFileSync(join(run, "report.html"), "utf8");
    for (const id of ["dynamics-capability-rlvr", "dynamics-bins-rlvr", "dynamics-won-lost-rlvr", "dynamics-train-rlvr"]) expect(html).toContain(`id="${id}"`);
  }, 300_000);

  it("names the training stage that kept no snapshots", async () => {
    const spec = { ...SPEC, stages: SPEC.stages.map((s) => (s.id === "rlvr" ? { ...s, snapshotEvery: 0, train: { ...(s.train as object), steps: 1 } } : s)).filter((s) => s.id !== "analyze" && s.id !== "report" && s.id !== "test-base") };
    await expect(runStages(parseSpec(spec, "tiny.yaml", STAGE_KINDS).stages, { runDir: tmp(), kinds: STAGE_KINDS })).rejects.toThrow(/stage series-rlvr: stage "rlvr" kept no snapshots \(set its snapshotEvery\)/);
  }, 300_000);
});
