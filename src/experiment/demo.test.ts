import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricsDigest } from "../test-helpers/metrics-digest.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { runDemo } from "./demo.js";

const tmp = useTmpDirs();
/**
 * The smoke preset's metrics.json as main wrote it before the stage kinds were declared one file each
 * (`node bin/rlvd.js demo --preset smoke --out DIR` at ca4ed7e), digested with its floats rounded to 9
 * significant digits (metricsDigest: the analysis varies in the last bit from run to run). It holds no timings
 * or paths, so any change to what the study computes or writes shows here.
 */
const SMOKE_METRICS_DIGEST = "20d139176385feb1b152126dd4cd8a73b315927696962df6a3d11dd83bc46870";
const MODELS = ["base", "rlvr", "base<-base", "rlvr<-rlvr", "base<-rlvr", "teacher", "distill-patterns", "distill-knowledge"];

describe("rlvd demo --preset smoke", () => {
  it("runs the whole embedded study end to end, then reruns from cache", async () => {
    const run = join(tmp(), "demo");
    const first = await runDemo("smoke", run);
    expect(first.stages.every((s) => !s.cached)).toBe(true);
    const metricsText = readFileSync(join(run, "metrics.json"), "utf8");
    expect(metricsDigest(metricsText)).toBe(SMOKE_METRICS_DIGEST);
    const metrics = JSON.parse(metricsText);
    expect(Object.keys(metrics.models).sort()).toEqual([...MODELS].sort());
    for (const name of MODELS) {
      const m = metrics.models[name];
      expect(m.questions).toBe(100);
      expect(m.samples_per_question).toBe(64);
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.pass_at_k["64"]).toBeGreaterThanOrEqual(m.accuracy);
    }
    expect(metrics.comparisons.map((c: { other: string }) => c.other).sort()).toEqual(MODELS.filter((m) => m !== "base").sort());
    expect(existsSync(join(run, "report.html"))).toBe(true);
    expect(readFileSync(join(run, "report.html"), "utf8")).toContain("<svg");
    // the GRPO stage logged its steps where the report finds them
    expect(readFileSync(join(run, "stages", "rlvr", "model", "train-log.jsonl"), "utf8").trim().split("\n")).toHaveLength(40);
    const again = await runDemo("smoke", run);
    expect(again.stages.every((s) => s.cached)).toBe(true);
  }, 600_000);
});
