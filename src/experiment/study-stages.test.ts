// The world stage's splits: test, training (never through held-out facts) and broad (may be), all disjoint.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { parseChainId, usesHeldOut, World } from "../world/index.js";
import { runStages } from "./runner.js";
import { STAGE_KINDS as STUDY_STAGE_KINDS } from "./stages/index.js";

const tmp = useTmpDirs();

describe("world stage", () => {
  it("writes disjoint test, training and broad splits; only training avoids held-out facts", async () => {
    const run = tmp();
    const worldConfig = { seed: 4, alphabet: 8, chainLengths: [1, 2, 3], facts: { known: 0.5, shaky: 0.2, weak: 0.1, absent: 0.2 }, heldOut: 1 };
    const [r] = await runStages([{ id: "world", kind: "world", needs: [], settings: { world: worldConfig, test: 150, train: 300, broad: 300 } }], { runDir: run, kinds: STUDY_STAGE_KINDS });
    const read = (f: string) => readFileSync(String(r!.output[f]), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string });
    const [test, train, broad] = [read("test"), read("train"), read("broad")];
    expect([test.length, train.length, broad.length]).toEqual([150, 300, 300]);
    const ids = [...test, ...train, ...broad].map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    const world = new World(JSON.parse(readFileSync(join(run, "stages", "world", "world.json"), "utf8")));
    const heldOutHits = (qs: { id: string }[]) => qs.filter((q) => usesHeldOut(world, parseChainId(world, q.id))).length;
    expect(heldOutHits(train)).toBe(0);
    expect(heldOutHits(broad)).toBeGreaterThan(20);
    expect(heldOutHits(test)).toBeGreaterThan(10);
  });
});

describe("analyze and report stages", () => {
  it("take the findings' test settings, checked before anything runs", async () => {
    const { checkStages } = await import("./runner.js");
    const stage = (kind: string, findings: unknown) => ({ id: kind, kind, needs: [], settings: { base: "base", findings } });
    const ok = checkStages([stage("analyze", { alpha: 0.01, margin: 0.02, resamples: 20000, min_bin: 5 }), stage("report", { text_margin: 0.1 })], STUDY_STAGE_KINDS);
    expect(ok.get("analyze")).toMatchObject({ findings: { alpha: 0.01, margin: 0.02, resamples: 20000, min_bin: 5 } });
    expect(() => checkStages([stage("analyze", { alpha: 0.9 })], STUDY_STAGE_KINDS)).toThrow(/stage analyze: settings\.findings\.alpha: /);
    expect(() => checkStages([stage("report", { margins: 0.1 })], STUDY_STAGE_KINDS)).toThrow(/stage report: settings\.findings/);
  });
});
