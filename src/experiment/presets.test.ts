import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { PRESETS, presetFile } from "./demo.js";
import { checkStages } from "./runner.js";
import { loadSpec } from "./spec.js";
import { STAGE_KINDS as ALL_STAGE_KINDS } from "./stages/index.js";

const tmp = useTmpDirs();

describe("shipped presets", () => {
  const dir = dirname(presetFile("quick"));
  const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, "studies")).map((f) => join(dir, "studies", f))]
    .filter((f) => f.endsWith(".yaml"));

  it("include every preset the demo offers", () => {
    for (const p of PRESETS) expect(files).toContain(presetFile(p));
  });

  it.each(files.map((f) => [f.slice(dir.length + 1), f]))("%s: every stage's settings check out, nested studies included", (_name, file) => {
    expect(() => checkStages(loadSpec(file, ALL_STAGE_KINDS).stages, ALL_STAGE_KINDS)).not.toThrow();
  });

  it("a study whose nested spec has a bad setting fails when the spec is checked, naming both stages", () => {
    const d = tmp();
    writeFileSync(join(d, "inner.yaml"), "name: inner\nstages:\n  - { id: world, kind: world, world: { alphabet: 4 }, test: 4, train: 4 }\n");
    writeFileSync(join(d, "outer.yaml"), [
      "name: outer",
      "stages:",
      "  - { id: fine, kind: study, spec: inner.yaml }",
      "  - { id: broken, kind: study, spec: inner.yaml, set: [{ stage: world, field: world.facts, value: { known: 0.9, shaky: 0.2, weak: 0, absent: 0 } }] }",
    ].join("\n"));
    expect(() => checkStages(loadSpec(join(d, "outer.yaml"), ALL_STAGE_KINDS).stages, ALL_STAGE_KINDS)).toThrow(/stage broken.*stage world: settings\.world\.facts: fact shares must sum to 1/);
  });
});
