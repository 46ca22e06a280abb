import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { bindSpec, specGaps } from "./bindings.js";
import { loadSpec } from "./spec.js";
import { STAGE_KINDS } from "./stages/index.js";

const tmp = useTmpDirs();

function specs(): string {
  const d = tmp();
  writeFileSync(join(d, "q.jsonl"), '{"problem": "1+1", "answer": "2"}\n');
  writeFileSync(join(d, "pair.yaml"), [
    "name: pair",
    "stages:",
    '  - { id: v1.base, kind: sample, model: "openai:m/base", dataset: q.jsonl, k: 4 }',
    '  - { id: rl, kind: sample, model: "openai:m/rl@http://old:8000/v1", dataset: missing.jsonl, k: 4 }',
  ].join("\n"));
  writeFileSync(join(d, "top.yaml"), "name: top\nstages:\n  - { id: one, kind: study, spec: pair.yaml }\n");
  return d;
}

const stage = (spec: ReturnType<typeof loadSpec>, id: string) => spec.stages.find((s) => s.id === id)!.settings;
const nested = (spec: ReturnType<typeof loadSpec>, id: string) =>
  (stage(spec, "one").spec as { stages: Array<Record<string, unknown>> }).stages.find((s) => s.id === id)!;

describe("run-time bindings", () => {
  it("--set names a stage whose id holds dots, parses values as YAML, and reaches nested studies", () => {
    const d = specs();
    const pair = bindSpec(loadSpec(join(d, "pair.yaml"), STAGE_KINDS), { set: ["v1.base.sampling.topK=0", "v1.base.name=base", "rl.k=8"] }, "pair.yaml");
    expect(stage(pair, "v1.base").sampling).toEqual({ topK: 0 });
    expect(stage(pair, "v1.base").name).toBe("base");
    expect(stage(pair, "rl").k).toBe(8);
    const top = bindSpec(loadSpec(join(d, "top.yaml"), STAGE_KINDS), { set: ["one/rl.k=16"] }, "top.yaml");
    expect(nested(top, "rl").k).toBe(16);
  });

  it("--endpoint binds every stage serving the model, nested ones too, replacing URLs written in the file", () => {
    const d = specs();
    const top = bindSpec(loadSpec(join(d, "top.yaml"), STAGE_KINDS), { endpoints: ["m/base=http://a:1/v1,http://b:1/v1", "m/rl=http://new:8000/v1"] }, "top.yaml");
    expect(nested(top, "v1.base").model).toBe("openai:m/base@http://a:1/v1,http://b:1/v1");
    expect(nested(top, "rl").model).toBe("openai:m/rl@http://new:8000/v1");
    expect(() => bindSpec(loadSpec(join(d, "top.yaml"), STAGE_KINDS), { endpoints: ["m/other=http://x:1/v1"] }, "top.yaml")).toThrow(/no sample stage serves "m\/other" \(models: m\/base, m\/rl\)/);
    expect(() => bindSpec(loadSpec(join(d, "top.yaml"), STAGE_KINDS), { endpoints: ["m/rl=gpu1:8000"] }, "top.yaml")).toThrow(/"gpu1:8000" is not an http\(s\) URL/);
  });

  it("lists unbound endpoints and missing datasets, nested ones by their path", () => {
    const d = specs();
    expect(specGaps(loadSpec(join(d, "top.yaml"), STAGE_KINDS))).toEqual([
      "stage one/v1.base: model openai:m/base has no endpoint (--endpoint m/base=URL[,URL...])",
      `stage one/rl: dataset ${join(d, "missing.jsonl")}: no such file (--set one/rl.dataset=FILE)`,
    ]);
  });
});
