// Nested studies: seeds and `set` overrides applied to a copy of the spec, and nested spec files inlined at load.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyOverrides } from "./overrides.js";
import { loadSpec } from "./spec.js";
import { STAGE_KINDS } from "./stages/index.js";

const spec = {
  name: "s",
  stages: [
    { id: "world", kind: "world", world: { seed: 1, alphabet: 8 }, test: 10, train: 10 },
    { id: "base", kind: "pretrain", world: "world", seed: 1, train: { steps: 5 } },
    { id: "rl", kind: "grpo", world: "world", from: "base" },
    { id: "test-base", kind: "sample", k: 16 },
    { id: "test-rl", kind: "sample", k: 16 },
    { id: "train-base", kind: "sample", k: 4 },
  ],
};

describe("applyOverrides", () => {
  it("sets every seed field of every stage kind, creating settings left to defaults", () => {
    const out = applyOverrides(spec, { seed: 7 }, "stage x", STAGE_KINDS);
    expect(out.stages[0]).toMatchObject({ seed: 7, world: { seed: 7, alphabet: 8 } });
    expect(out.stages[1]).toMatchObject({ seed: 7, corpusSeed: 7, train: { steps: 5, seed: 7 } });
    expect(out.stages[2]).toMatchObject({ train: { seed: 7 } });
    expect(out.stages.slice(3).map((s) => s.seed)).toEqual([7, 7, 7]);
    expect(spec.stages[0]).toEqual({ id: "world", kind: "world", world: { seed: 1, alphabet: 8 }, test: 10, train: 10 }); // the input is untouched
  });

  it("sets a field on the stages a glob matches, and only those", () => {
    const out = applyOverrides(spec, { set: [{ stage: "test-*", field: "k", value: 1024 }, { stage: "world", field: "world.alphabet", value: 12 }] }, "stage x", STAGE_KINDS);
    expect(out.stages.map((s) => s.k ?? null)).toEqual([null, null, null, 1024, 1024, 4]);
    expect(out.stages[0]).toMatchObject({ world: { seed: 1, alphabet: 12 } });
  });

  it("names the study and the pattern when nothing matches, and refuses id or kind", () => {
    expect(() => applyOverrides(spec, { set: [{ stage: "tset-*", field: "k", value: 1 }] }, "stage seed-2", STAGE_KINDS)).toThrow(/stage seed-2: set: no stage matches "tset-\*"/);
    expect(() => applyOverrides(spec, { set: [{ stage: "base", field: "kind", value: "sft" }] }, "stage x", STAGE_KINDS)).toThrow(/cannot be set/);
    expect(() => applyOverrides(spec, { set: [{ stage: "base", field: "world.x", value: 1 }] }, "stage x", STAGE_KINDS)).toThrow(/world is not an object/);
  });
});

describe("nested spec files", () => {
  it("inlines a study's spec file relative to the spec that names it, and its references become needs", () => {
    const dir = mkdtempSync(join(tmpdir(), "rlvd-nested-"));
    mkdirSync(join(dir, "parts"));
    writeFileSync(join(dir, "parts", "inner.yaml"), "name: inner\nstages:\n  - { id: w, kind: world, world: {}, test: 5, train: 5 }\n");
    writeFileSync(join(dir, "outer.yaml"), "name: outer\nstages:\n  - { id: a, kind: study, spec: parts/inner.yaml, seed: 2 }\n  - { id: agg, kind: seeds, studies: [a] }\n");
    const s = loadSpec(join(dir, "outer.yaml"), STAGE_KINDS);
    expect(s.stages[0]!.settings.spec).toEqual({ name: "inner", stages: [{ id: "w", kind: "world", world: {}, test: 5, train: 5 }] });
    expect(s.stages[1]!.needs).toEqual(["a"]);
  });

  it("reports a missing or broken nested file by name, and a spec that includes itself", () => {
    const dir = mkdtempSync(join(tmpdir(), "rlvd-nested-"));
    writeFileSync(join(dir, "outer.yaml"), "name: outer\nstages:\n  - { id: a, kind: study, spec: nope.yaml }\n");
    expect(() => loadSpec(join(dir, "outer.yaml"), STAGE_KINDS)).toThrow(/nope\.yaml: no such file/);
    writeFileSync(join(dir, "bad.yaml"), "name: bad\nstages: 3\n");
    writeFileSync(join(dir, "outer2.yaml"), "name: outer\nstages:\n  - { id: a, kind: study, spec: bad.yaml }\n");
    expect(() => loadSpec(join(dir, "outer2.yaml"), STAGE_KINDS)).toThrow(/bad\.yaml: stages/);
    writeFileSync(join(dir, "inner.yaml"), "name: inner\nstages:\n  - { id: w, kind: world, world: {}, test: 5, train: 5 }\n");
    writeFileSync(join(dir, "typo2.yaml"), "name: t\nstages:\n  - { id: a, kind: study, spec: inner.yaml, set: [{ stage: wrold, field: test, value: 1 }] }\n");
    expect(() => loadSpec(join(dir, "typo2.yaml"), STAGE_KINDS)).toThrow(/typo2\.yaml: stage a: set: no stage matches "wrold"/);
    writeFileSync(join(dir, "loop.yaml"), "name: loop\nstages:\n  - { id: a, kind: study, spec: loop.yaml }\n");
    expect(() => loadSpec(join(dir, "loop.yaml"), STAGE_KINDS)).toThrow(/nest more than 4 deep/);
  });
});
