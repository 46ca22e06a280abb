// The worked example of docs/design-notes.md "Adding a stage kind": `subset` is one file (stages/subset.ts) and
// one line in stages/kinds.ts, and the spec loader, the checker, the seed overrides and the cache use it with no
// other edit.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../../test-helpers/tmp.js";
import { applyOverrides } from "../overrides.js";
import { checkStages, runStages } from "../runner.js";
import { loadSpec } from "../spec.js";
import { STAGE_KINDS } from "./index.js";

const tmp = useTmpDirs();
const SPEC = `name: subset
stages:
  - { id: world, kind: world, world: { seed: 1, alphabet: 4, chainLengths: [1, 2] }, test: 16, train: 24 }
  - { id: small, kind: subset, world: world, test: 5, seed: 3 }
  - { id: base, kind: pretrain, world: world, author: base, documents: 10, model: { dim: 8, layers: 1, heads: 1, context: 32 } }
  - { id: test-base, kind: sample, world: small, from: base, model: base, split: test, k: 2 }
`;

function load(text = SPEC) {
  const file = join(tmp(), "spec.yaml");
  writeFileSync(file, text);
  return loadSpec(file, STAGE_KINDS);
}
const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n");

describe("a stage kind added as one file and one registry line", () => {
  it("is in the registry, once", () => {
    const names = STAGE_KINDS.map((k) => k.kind);
    expect(names).toContain("subset");
    expect(new Set(names).size).toBe(names.length);
  });

  it("its reference becomes a need, and the checker knows what it leaves", () => {
    const spec = load();
    expect(spec.stages.find((s) => s.id === "small")!.needs).toEqual(["world"]);
    expect(spec.stages.find((s) => s.id === "test-base")!.needs).toEqual(["small", "base"]);
    // a sample stage may take the subset as its world: it leaves the world's files
    expect(() => checkStages(spec.stages, STAGE_KINDS)).not.toThrow();
    const wrong = load(`name: wrong
stages:
  - { id: world, kind: world, world: { alphabet: 4 }, test: 4, train: 4 }
  - { id: base, kind: pretrain, world: world, author: base, documents: 10, model: { dim: 8, layers: 1, heads: 1, context: 32 } }
  - { id: small, kind: subset, world: base, test: 2 }
`);
    expect(() => checkStages(wrong.stages, STAGE_KINDS)).toThrow(/^stage small: world names stage "base", a pretrain stage, which leaves no config, test, train$/);
  });

  it("a study's seed reaches its seed field", () => {
    const raw = { name: "s", stages: load().stages.map(({ id, kind, needs, settings }) => ({ id, kind, needs, ...settings })) };
    expect(applyOverrides(raw, { seed: 9 }, "test", STAGE_KINDS).stages.find((s) => s.id === "small")).toMatchObject({ seed: 9, test: 5 });
  });

  it("runs, is cached, and reruns alone when its own setting changes", async () => {
    const stages = load().stages.slice(0, 2); // world and subset: no training needed
    const dir = tmp();
    const [world, small] = await runStages(stages, { runDir: dir, kinds: STAGE_KINDS });
    const all = lines(String(world!.output.test)), picked = lines(String(small!.output.test));
    // 5 distinct test questions of the world's 16, in the world's order; training and config passed through
    expect(picked).toHaveLength(5);
    expect(new Set(picked).size).toBe(5);
    expect(picked.map((l) => all.indexOf(l))).toEqual([...picked.map((l) => all.indexOf(l))].sort((a, b) => a - b));
    expect(picked.every((l) => all.includes(l))).toBe(true);
    expect([small!.output.train, small!.output.config]).toEqual([world!.output.train, world!.output.config]);

    const again = await runStages(stages, { runDir: dir, kinds: STAGE_KINDS });
    expect(again.map((r) => r.cached)).toEqual([true, true]);
    const reseeded = stages.map((s) => (s.id === "small" ? { ...s, settings: { ...s.settings, seed: 4 } } : s));
    const changed = await runStages(reseeded, { runDir: dir, kinds: STAGE_KINDS });
    expect(changed.map((r) => r.cached)).toEqual([true, false]);
    expect(lines(String(changed[1]!.output.test))).not.toEqual(picked);
  });
});
