// Studies made of studies, end to end at toy scale: a study at two seeds with an override, the aggregation
// across seeds (checked against the nested runs' own metrics), a two-level sweep, the top-level report, and a
// rerun from cache.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { runExperiment } from "./demo.js";
import { loadSpec } from "./spec.js";
import { STAGE_KINDS } from "./stages/index.js";

const tmp = useTmpDirs();

const INNER = `name: tiny
stages:
  - { id: world, kind: world, world: { seed: 1, alphabet: 4, chainLengths: [1, 2] }, test: 16, train: 24 }
  - { id: base, kind: pretrain, world: world, author: base, documents: 300, model: { dim: 16, layers: 1, heads: 2, context: 96 },
      train: { steps: 12, batch: 16, lr: 0.01, evalFraction: 0 } }
  - { id: rlvr, kind: grpo, world: world, from: base, train: { steps: 2, questions: 4, group: 4, maxTokens: 24 } }
  - { id: test-base, kind: sample, world: world, from: base, model: base, split: test, k: 4, sampling: { max_tokens: 24 } }
  - { id: test-rlvr, kind: sample, world: world, from: rlvr, model: rlvr, split: test, k: 4, sampling: { max_tokens: 24 } }
  - { id: analyze, kind: analyze, base: base, needs: [test-base, test-rlvr] }
`;
const OUTER = `name: outer
stages:
  - { id: seed-a, kind: study, spec: inner.yaml, seed: 1, set: [{ stage: "test-*", field: k, value: 8 }] }
  - { id: seed-b, kind: study, spec: inner.yaml, seed: 2, set: [{ stage: "test-*", field: k, value: 8 }] }
  - { id: across, kind: seeds, studies: [seed-a, seed-b] }
  - { id: lvl-0, kind: study, spec: inner.yaml, label: "all absent", x: 0, set: [{ stage: world, field: world.facts, value: { known: 0.5, shaky: 0.2, weak: 0, absent: 0.3 } }] }
  - { id: lvl-1, kind: study, spec: inner.yaml, label: "all weak", x: 1, set: [{ stage: world, field: world.facts, value: { known: 0.5, shaky: 0.2, weak: 0.3, absent: 0 } }] }
  - { id: sweep, kind: sweep, studies: [lvl-0, lvl-1], knob: "discoverable share" }
  - { id: summary, kind: summary, seeds: across, sweep: sweep, needs: [seed-a, seed-b, lvl-0, lvl-1] }
`;

const read = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("study, seeds, sweep and summary stages", () => {
  it("runs nested studies with their seeds and overrides, aggregates them, and reruns from cache", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "inner.yaml"), INNER);
    writeFileSync(join(dir, "outer.yaml"), OUTER);
    const run = join(dir, "run");
    const first = await runExperiment(loadSpec(join(dir, "outer.yaml"), STAGE_KINDS), run);
    expect(first.stages.every((s) => !s.cached)).toBe(true);

    // each study is a run folder of its own, with the seed and the override applied
    const nested = (id: string) => join(run, "stages", id);
    expect(read(join(nested("seed-a"), "stages", "world", "world.json")).seed).toBe(1);
    expect(read(join(nested("seed-b"), "stages", "world", "world.json")).seed).toBe(2);
    expect(read(join(nested("lvl-1"), "stages", "world", "world.json")).facts).toEqual({ known: 0.5, shaky: 0.2, weak: 0.3, absent: 0 });
    const ma = read(join(nested("seed-a"), "metrics.json")), mb = read(join(nested("seed-b"), "metrics.json"));
    expect(ma.models.base.samples_per_question).toBe(8);
    expect(read(join(nested("lvl-0"), "metrics.json")).models.base.samples_per_question).toBe(4);

    // the aggregate is the mean of the nested runs' own figures, and deltas are paired within each seed
    const across = read(join(run, "metrics.json")).across_seeds;
    expect(across.seeds).toEqual(["seed-a", "seed-b"]);
    expect(across.ks).toEqual([1, 2, 4, 8]);
    expect(across.models.rlvr.accuracy.values).toEqual([ma.models.rlvr.accuracy, mb.models.rlvr.accuracy]);
    expect(across.models.base.pass_at_k["8"].mean).toBeCloseTo((ma.models.base.pass_at_k["8"] + mb.models.base.pass_at_k["8"]) / 2, 12);
    const d = (m: typeof ma) => m.models.rlvr.pass_at_k["8"] - m.models.base.pass_at_k["8"];
    expect(across.deltas.rlvr.pass_at_k["8"].values).toEqual([d(ma), d(mb)]);
    expect(across.deltas.rlvr.accuracy.values[0]).toBeCloseTo(ma.models.rlvr.accuracy - ma.models.base.accuracy, 12);
    const [lo, hi] = across.models.rlvr.accuracy.ci;
    expect(lo).toBeLessThanOrEqual(across.models.rlvr.accuracy.mean);
    expect(hi).toBeGreaterThanOrEqual(across.models.rlvr.accuracy.mean);
    expect(across.findings.length).toBeGreaterThan(0);
    for (const f of across.findings) expect(Object.keys(f.verdicts)).toEqual(["seed-a", "seed-b"]);

    // the sweep: one row per level, from that level's own comparison
    const sweep = read(join(run, "stages", "sweep", "sweep.json"));
    expect(sweep.rows.map((r: { label: string; x: number }) => [r.label, r.x])).toEqual([["all absent", 0], ["all weak", 1]]);
    const l0 = read(join(nested("lvl-0"), "metrics.json")).comparisons.find((c: { other: string }) => c.other === "rlvr");
    expect(sweep.rows[0].pass_at_k).toEqual(l0.significance.pass_at_k["4"]);

    const html = readFileSync(join(run, "report.html"), "utf8");
    expect(html).toContain("Findings across seeds");
    expect(html).toContain('id="sweep-table"');
    expect(html.match(/<svg/g)?.length).toBe(2);
    expect(existsSync(join(run, "summary.md"))).toBe(true);

    const again = await runExperiment(loadSpec(join(dir, "outer.yaml"), STAGE_KINDS), run);
    expect(again.stages.every((s) => s.cached)).toBe(true);

    // --force on a study reruns the whole nested study (and what depends on it), nothing else
    const stamp = (id: string) => read(join(nested(id), "stages", "base.json")).finished_at;
    const before = { a: stamp("seed-a"), b: stamp("seed-b") };
    const forced = await runExperiment(loadSpec(join(dir, "outer.yaml"), STAGE_KINDS), run, { force: ["seed-b"] });
    expect(forced.stages.filter((s) => !s.cached).map((s) => s.id)).toEqual(["seed-b", "across", "summary"]);
    expect(stamp("seed-a")).toBe(before.a);
    expect(stamp("seed-b")).not.toBe(before.b);
    expect(read(join(nested("seed-b"), "metrics.json"))).toEqual(mb); // deterministic: the same study again
  }, 300_000);
});
