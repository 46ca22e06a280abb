import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { runDemo } from "./demo.js";

const tmp = useTmpDirs();
const MODELS = ["base", "rlvr", "base<-base", "rlvr<-rlvr", "base<-rlvr", "teacher", "distill-patterns", "distill-knowledge"];

describe("rlvd demo --preset smoke", () => {
  it("runs the whole embedded study end to end, then reruns from cache", async () => {
    const run = join(tmp(), "demo");
    const first = await runDemo("smoke", run);
    expect(first.stages.every((s) => !s.cached)).toBe(true);
    const metrics = JSON.parse(readFileSync(join(run, "metrics.json"), "utf8"));
    expect(Object.keys(metrics.models).sort()).toEqual([...MODELS].sort());
    for (const name of MODELS) {
      const m = metrics.models[name];
      expect(m.questions).toBe(100);
      expect(m.samples_per_question).toBe(64);
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.pass_at_k["64"]).toBeGreaterThanOrEqual(m.accuracy);
    }
    expect(metrics.comparisons.map((c: { other: string }) => c.other).sort()).toEqual(MODELS.filter((m) => m !== "base").sort());
    // the series of RLVR snapshots: one entry per kept step, ascending, none of them among the models
    const series = metrics.series.rlvr as Array<{ model: string; step: number; questions: number; accuracy: number }>;
    expect(series.map((e) => [e.model, e.step, e.questions])).toEqual([10, 20, 30, 40].map((s) => [`rlvr@step-${s}`, s, 100]));
    // the last snapshot is the final checkpoint, sampled with the same seed: the same samples as test-rlvr
    expect(series[3]!.accuracy).toBe(metrics.models.rlvr.accuracy);
    expect(existsSync(join(run, "report.html"))).toBe(true);
    expect(readFileSync(join(run, "report.html"), "utf8")).toContain('id="s-dynamics"');
    expect(readFileSync(join(run, "report.html"), "utf8")).toContain("<svg");
    // the GRPO stage logged its steps where the report finds them
    expect(readFileSync(join(run, "stages", "rlvr", "model", "train-log.jsonl"), "utf8").trim().split("\n")).toHaveLength(40);
    const again = await runDemo("smoke", run);
    expect(again.stages.every((s) => s.cached)).toBe(true);
  }, 600_000);
});
