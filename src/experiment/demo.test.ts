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
/** The same with the series of RLVR snapshots the smoke preset gained (issue 17): only `series` and `series_fall` added. */
const SMOKE_METRICS_WITH_SERIES_DIGEST = "10045f9f55b2019499c57b2743dc186e86a1612986d58ef36f57efa50c8a47a7";
/** The same with the length and keyword ratios broken down by correctness and coarse bin (issue 18). */
const SMOKE_METRICS_WITH_BREAKDOWN_DIGEST = "eb0ad3188bef7c6d876edab58544f585565308ec6ce5a5df7cedd2d936ea49dc";

type Metrics = { finding_tests?: { models: Record<string, Record<string, unknown>> }; findings?: Array<{ id: string; evidence: string }> };
/**
 * A metrics.json as it was before the breakdown: without the parts of the text ratios, and with the length and
 * keyword findings' evidence in its old words (`(ratio r [a, b]); correct x → y, incorrect x → y`).
 */
function withoutTextBreakdown<T extends Metrics>(metrics: T): T {
  const m = structuredClone(metrics);
  for (const t of Object.values(m.finding_tests?.models ?? {})) {
    for (const what of ["length", "keywords"]) {
      const r = t[what] as { by_correctness?: unknown; by_bin?: unknown } | undefined;
      if (r) {
        delete r.by_correctness;
        delete r.by_bin;
      }
    }
  }
  for (const f of m.findings ?? []) {
    const old = /^(mean .* \(ratio [^)]*\)): [a-z ]+; correct (\S+) → (\S+) \(.*?\), incorrect (\S+) → (\S+) \(.*$/.exec(f.evidence);
    if (old) f.evidence = `${old[1]}; correct ${old[2]} → ${old[3]}, incorrect ${old[4]} → ${old[5]}`;
  }
  return m;
}
const MODELS = ["base", "rlvr", "base<-base", "rlvr<-rlvr", "base<-rlvr", "teacher", "distill-patterns", "distill-knowledge"];

describe("rlvd demo --preset smoke", () => {
  it("runs the whole embedded study end to end, then reruns from cache", async () => {
    const run = join(tmp(), "demo");
    const first = await runDemo("smoke", run);
    expect(first.stages.every((s) => !s.cached)).toBe(true);
    const metricsText = readFileSync(join(run, "metrics.json"), "utf8");
    const metrics = JSON.parse(metricsText);
    // every metric the study had is as before: the series only adds its own keys, and the length and keyword
    // breakdown (issue 18) only its parts and the words of its two findings' evidence
    const { series: _series, series_fall: _fall, ...before } = withoutTextBreakdown(metrics);
    expect(metricsDigest(JSON.stringify(before))).toBe(SMOKE_METRICS_DIGEST);
    expect(metricsDigest(JSON.stringify(withoutTextBreakdown(metrics)))).toBe(SMOKE_METRICS_WITH_SERIES_DIGEST);
    expect(metricsDigest(metricsText)).toBe(SMOKE_METRICS_WITH_BREAKDOWN_DIGEST);
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
