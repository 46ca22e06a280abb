import { describe, expect, it } from "vitest";
import { adaptiveKey, specWithAdaptiveKeys } from "./adaptive-key.js";
import { specWithoutEndpoints } from "./endpoints.js";
import { checkStages, stageHashes, type StageKind, type StageSpec } from "./runner.js";
import { STAGE_KINDS } from "./stages/index.js";

const KINDS = new Map(STAGE_KINDS.map((k) => [k.kind, k]));
/** The kinds as they hashed before the rule was resolved: sample settings as written, a study's spec without servers. */
const AS_WRITTEN = new Map<string, StageKind>(STAGE_KINDS.map((k) => [k.kind, k.kind === "sample" ? { ...k, hashed: undefined }
  : k.kind === "study" ? { ...k, hashed: (s: { spec: unknown }) => ({ ...s, spec: specWithoutEndpoints(s.spec) }) } as StageKind : k]));

const world: StageSpec = { id: "world", kind: "world", needs: [], settings: { world: { alphabet: 4 }, test: 4, train: 4 } };
const base: StageSpec = { id: "base", kind: "pretrain", needs: ["world"], settings: { world: "world", author: "base", documents: 10, model: { dim: 8, layers: 1, heads: 1, context: 32 } } };
const sample = (adaptive?: unknown): StageSpec => ({
  id: "test-base", kind: "sample", needs: ["world", "base"],
  settings: { world: "world", from: "base", model: "base", split: "test", k: 16, ...(adaptive === undefined ? {} : { adaptive }) },
});
const hashOf = (stages: StageSpec[], id: string, kinds = KINDS) => stageHashes(stages, checkStages(stages, STAGE_KINDS), kinds).get(id)!;

describe("the adaptive rule in the cache key", () => {
  it("fills in the resolved rule, and misses for the budget rule, keeping what is written where it is", () => {
    expect(adaptiveKey(true)).toEqual({ rule: "budget", misses: 0.025 });
    expect(adaptiveKey({ schedule: [4, 16] })).toEqual({ schedule: [4, 16], rule: "budget", misses: 0.025 });
    expect(JSON.stringify(adaptiveKey({ schedule: [4, 16], rule: "threshold", settle: 0.8 }))).toBe('{"schedule":[4,16],"rule":"threshold","settle":0.8}');
    expect(JSON.stringify(adaptiveKey({ misses: 0.01, rule: "budget" }))).toBe('{"misses":0.01,"rule":"budget"}');
    for (const off of [false, undefined]) expect(adaptiveKey(off)).toBe(off);
  });

  it("leaves the hash of a sample stage without adaptive sampling as written, and moves an adaptive one", () => {
    for (const adaptive of [undefined, false]) expect(hashOf([world, base, sample(adaptive)], "test-base")).toBe(hashOf([world, base, sample(adaptive)], "test-base", AS_WRITTEN));
    const on = hashOf([world, base, sample(true)], "test-base");
    expect(on).not.toBe(hashOf([world, base, sample(true)], "test-base", AS_WRITTEN));
    // `true`, `{}` and the defaults written out are one stage; another rule or allowance is another
    expect(hashOf([world, base, sample({})], "test-base")).toBe(on);
    expect(hashOf([world, base, sample({ rule: "budget", misses: 0.025 })], "test-base")).toBe(on);
    expect(hashOf([world, base, sample({ rule: "budget", misses: 0.01 })], "test-base")).not.toBe(on);
    expect(hashOf([world, base, sample({ rule: "threshold" })], "test-base")).not.toBe(on);
    // an explicit threshold stage was hashed with its rule already: it stays cached
    expect(hashOf([world, base, sample({ rule: "threshold" })], "test-base")).toBe(hashOf([world, base, sample({ rule: "threshold" })], "test-base", AS_WRITTEN));
  });

  it("reaches into studies: one nesting an adaptive stage (or setting one) moves, one without keeps its hash", () => {
    const raw = (st: StageSpec) => ({ id: st.id, kind: st.kind, ...(st.settings as object) });
    const study = (stages: StageSpec[], set: unknown[] = []): StageSpec => ({ id: "s", kind: "study", needs: [], settings: { spec: { name: "n", stages: stages.map(raw) }, set } });
    const plain = [world, base, sample()];
    expect(hashOf([study(plain)], "s")).toBe(hashOf([study(plain)], "s", AS_WRITTEN));
    expect(hashOf([study([world, base, sample(true)])], "s")).not.toBe(hashOf([study([world, base, sample(true)])], "s", AS_WRITTEN));
    const setOn = study(plain, [{ stage: "test-*", field: "adaptive", value: true }]);
    expect(hashOf([setOn], "s")).not.toBe(hashOf([setOn], "s", AS_WRITTEN));
    const setK = study(plain, [{ stage: "test-*", field: "k", value: 32 }]);
    expect(hashOf([setK], "s")).toBe(hashOf([setK], "s", AS_WRITTEN));
    // nested two deep
    const outer = { name: "o", stages: [{ id: "inner", kind: "study", spec: { name: "n", stages: [raw(sample(true))] } }] };
    expect(JSON.stringify(specWithAdaptiveKeys(outer))).toContain('"adaptive":{"rule":"budget","misses":0.025}');
  });
});
