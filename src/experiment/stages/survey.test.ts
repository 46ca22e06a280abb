// The survey kind end to end on a smoke-sized survey: 2 tiny worlds, then a third added, each the whole study (every model the ten
// findings need), so that the nested runs, the findings read back, the cache and the report section are exercised.
// The numbers of such tiny worlds mean nothing; the survey's figures come from presets/survey.yaml (docs/world.md).
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wasmRuntime } from "../../engine/index.js";
import { useTmpDirs } from "../../test-helpers/tmp.js";
import type { SurveyResult } from "../../report/survey.js";
import { runStages } from "../runner.js";
import { loadSpec } from "../spec.js";
import { drawWorld, SurveyPriorSchema } from "../survey-prior.js";
import { STAGE_KINDS } from "./index.js";

const tmp = useTmpDirs();

const model = "model: { dim: 16, layers: 1, heads: 2, context: 96 }";
// enough steps that the tiny base answers some questions right (about 1 in 12 here): distillation needs correct responses
const pre = "train: { steps: 60, batch: 16, lr: 0.01, warmup: 5, evalFraction: 0 }";
const sft = "train: { steps: 2, batch: 8, lr: 0.0005, warmup: 1, evalFraction: 0 }";
const sample = (id: string, from: string, split: string, k: number, name = from) => `  - { id: ${id}, kind: sample, world: world, from: ${from}, model: ${name}, split: ${split}, k: ${k}, sampling: { maxTokens: 24 } }`;
const WORLD = [
  "name: tiny-world",
  "stages:",
  "  - { id: world, kind: world, world: { seed: 1, alphabet: 4, chainLengths: [1, 2], facts: { known: 0.5, shaky: 0.2, weak: 0.2, absent: 0.1 }, heldOut: 1, formats: { direct: 0.5, steps: 0.2, check: 0.1, reflect: 0.2 } }, test: 12, train: 12, broad: 12 }",
  `  - { id: base, kind: pretrain, world: world, author: base, documents: 200, ${model}, ${pre} }`,
  `  - { id: teacher, kind: pretrain, world: world, author: teacher, documents: 200, ${model}, ${pre} }`,
  "  - { id: rlvr, kind: grpo, world: world, from: base, train: { steps: 2, questions: 4, group: 4, maxTokens: 24, lr: 0.0003, warmup: 1 } }",
  sample("train-base", "base", "train", 8), sample("train-rlvr", "rlvr", "train", 8), sample("train-teacher", "teacher", "train", 8), sample("broad-teacher", "teacher", "broad", 8, "teacher-broad"),
  "  - { id: data-base, kind: distill, samples: train-base, perQuestion: 2 }",
  "  - { id: data-rlvr, kind: distill, samples: train-rlvr, perQuestion: 2 }",
  "  - { id: data-patterns, kind: distill, samples: train-teacher, perQuestion: 2, base: base, minBaseAccuracy: 0, needs: [train-base] }",
  "  - { id: data-knowledge, kind: distill, samples: broad-teacher, perQuestion: 2 }",
  ...["base<-base:base:data-base", "base<-rlvr:base:data-rlvr", "distill-patterns:base:data-patterns", "distill-knowledge:base:data-knowledge"].map((t) => {
    const [id, from, data] = t.split(":");
    return `  - { id: ${id}, kind: sft, from: ${from}, data: ${data}, ${sft} }`;
  }),
  ...["base", "rlvr", "base<-base", "base<-rlvr", "distill-patterns", "distill-knowledge"].map((m) => sample(`test-${m}`, m, "test", 8)),
  "  - { id: analyze, kind: analyze, base: base, findings: { resamples: 200 }, needs: [test-base, test-rlvr, test-base<-base, test-base<-rlvr, test-distill-patterns, test-distill-knowledge] }",
  "",
].join("\n");
const PRIOR = "{ absent: { uniform: [0, 0.2] }, misconception: { uniform: [0, 1] }, reflectionValue: { uniform: [0, 1] }, rlSteps: { uniform: [1, 3], integer: true } }";
const SURVEY = (worlds: number) => `name: tiny-survey
stages:
  - { id: survey, kind: survey, spec: world.yaml, worlds: ${worlds}, seed: 5, prior: ${PRIOR} }
  - { id: summary, kind: summary, survey: survey }
`;

function load(dir: string, worlds: number) {
  writeFileSync(join(dir, "world.yaml"), WORLD);
  writeFileSync(join(dir, "survey.yaml"), SURVEY(worlds));
  return loadSpec(join(dir, "survey.yaml"), STAGE_KINDS);
}

describe("survey stage", () => {
  it("runs each drawn world as a cached study, shares its findings, and reports them; a rerun and a larger survey reuse the worlds", async () => {
    const dir = tmp();
    const spec = load(dir, 2);
    const run = join(dir, "run");
    const first = await runStages(spec.stages, { runDir: run, kinds: STAGE_KINDS });
    expect(first.map((r) => r.cached)).toEqual([false, false]);
    // every stage of a world gives its engine memory back: a survey runs ~900 stages in one 4 GiB wasm heap
    const { kernels } = await wasmRuntime();
    const inUse = kernels.bytesInUse();
    const result = JSON.parse(readFileSync(String(first[0]!.output.survey), "utf8")) as SurveyResult;
    expect(result.worlds.map((w) => w.id)).toEqual(["world-1", "world-2"]);
    // each world's knobs are the prior's draw for (seed 5, index i), and its own run folder has the findings
    const template = spec.stages[0]!.settings.spec as never;
    const prior = SurveyPriorSchema.parse({ absent: { uniform: [0, 0.2] }, misconception: { uniform: [0, 1] }, reflectionValue: { uniform: [0, 1] }, rlSteps: { uniform: [1, 3], integer: true } });
    for (const [i, w] of result.worlds.entries()) {
      expect(w.failed).toBeUndefined();
      const draw = drawWorld(prior, template, 5, i, { world: "world", rl: "rlvr" });
      expect(w.knobs).toEqual(draw.knobs);
      expect(w.seed).toBe(draw.seed);
      const metrics = JSON.parse(readFileSync(join(run, "stages", "survey", `world-${i + 1}`, "metrics.json"), "utf8")) as { findings: Array<{ id: string; verdict: string }> };
      expect(Object.keys(w.verdicts)).toEqual(metrics.findings.map((f) => f.id));
      expect(Object.keys(w.verdicts)).toHaveLength(10);
      const world = JSON.parse(readFileSync(join(run, "stages", "survey", `world-${i + 1}`, "stages", "world", "world.json"), "utf8")) as { facts: { absent: number }; misconception: number; reflectionValue: number };
      expect(world.facts.absent).toBeCloseTo(draw.knobs.absent!, 6);
      expect(world.misconception).toBe(draw.knobs.misconception);
      expect(world.reflectionValue).toBe(draw.knobs.reflectionValue);
      expect(w.seconds).toBeGreaterThan(0);
    }
    // every finding of every world is counted once
    for (const f of result.findings) expect(Object.values(f.counts).reduce((a, b) => a + b, 0)).toBe(2);
    expect(result.findings.map((f) => f.id)).toContain("rlvr-capability");
    const md = readFileSync(String(first[0]!.output.markdown), "utf8");
    expect(md).toContain('"RLVR raises accuracy but not capability" holds in');
    const html = readFileSync(join(run, "report.html"), "utf8");
    expect(html).toContain('id="s-survey"');
    expect(html).toContain('id="survey-findings"');
    expect(readFileSync(join(run, "summary.md"), "utf8")).toContain("## Survey of 2 worlds");

    // the same spec again: cached
    const again = await runStages(spec.stages, { runDir: run, kinds: STAGE_KINDS });
    expect(again.map((r) => r.cached)).toEqual([true, true]);
    // one more world: the survey stage reruns, its first two worlds' studies come from their caches
    const logs: string[] = [];
    const more = await runStages(load(dir, 3).stages, { runDir: run, kinds: STAGE_KINDS, log: (m) => logs.push(m) });
    expect(more[0]!.cached).toBe(false);
    for (const i of [1, 2]) expect(logs.filter((l) => l.startsWith(`survey: world-${i}: `) && l.includes("running"))).toEqual([]);
    expect(logs.some((l) => l.startsWith("survey: world-3: base: running pretrain"))).toBe(true);
    const four = JSON.parse(readFileSync(String(more[0]!.output.survey), "utf8")) as SurveyResult;
    expect(four.worlds.slice(0, 2)).toEqual(result.worlds);
    expect(four.worlds).toHaveLength(3);
    expect(kernels.bytesInUse()).toBe(inUse);
  }, 1_800_000);

  it("refuses a prior with an unknown knob and a per-world study without analyze, before anything runs", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "world.yaml"), WORLD);
    writeFileSync(join(dir, "survey.yaml"), SURVEY(2));
    writeFileSync(join(dir, "bad.yaml"), SURVEY(2).replace("misconception:", "misconseption:"));
    expect(() => loadSpec(join(dir, "bad.yaml"), STAGE_KINDS)).not.toThrow();
    const bad = loadSpec(join(dir, "bad.yaml"), STAGE_KINDS);
    const run = join(dir, "run");
    await expect(runStages(bad.stages, { runDir: run, kinds: STAGE_KINDS })).rejects.toThrow(/stage survey: settings\.prior\.misconseption: unknown knob "misconseption"/);
    writeFileSync(join(dir, "world.yaml"), WORLD.split("\n").filter((l) => !l.includes("kind: analyze")).join("\n"));
    const noAnalyze = loadSpec(join(dir, "survey.yaml"), STAGE_KINDS);
    await expect(runStages(noAnalyze.stages, { runDir: run, kinds: STAGE_KINDS })).rejects.toThrow(/no analyze stage/);
    expect(existsSync(join(run, "stages", "survey"))).toBe(false);
    rmSync(run, { recursive: true, force: true });
  });
});
