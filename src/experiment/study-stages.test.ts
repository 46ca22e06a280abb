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

describe("sample stage, adaptive", () => {
  /** world -> an untrained model on the world's characters -> its test split sampled with `adaptive` at k = 8 */
  async function adaptiveSpec() {
    const { z } = await import("zod");
    const { CharTokenizer, createModel, saveCheckpoint } = await import("../engine/index.js");
    const { worldCharacters } = await import("../world/index.js");
    const { defineStageKind } = await import("./runner.js");
    // an untrained model: sampling is what is tested, not what it knows
    const { Checkpoint, WorldFiles } = await import("./stages/outputs.js");
    const randomModel = defineStageKind({
      kind: "random-model",
      settings: z.object({ world: z.string() }).strict(),
      references: { world: WorldFiles },
      output: Checkpoint,
      run: async (ctx, _s, inputs) => {
        const world = new World(JSON.parse(readFileSync(inputs.world.config, "utf8")));
        const tokenizer = CharTokenizer.fromText(worldCharacters(world));
        const model = await createModel({ vocabSize: tokenizer.vocabSize, dim: 16, layers: 1, heads: 2, context: 64 }, 1, { tokenizer });
        const checkpoint = join(ctx.stageDir, "model");
        await saveCheckpoint(model, checkpoint);
        model.dispose();
        return { checkpoint };
      },
    });
    const kinds = [...STUDY_STAGE_KINDS, randomModel];
    const worldConfig = { seed: 4, alphabet: 8, chainLengths: [1, 2], facts: { known: 0.5, shaky: 0.2, weak: 0.1, absent: 0.2 }, heldOut: 0 };
    const stages = (adaptive: unknown) => [
      { id: "world", kind: "world", needs: [], settings: { world: worldConfig, test: 12, train: 4 } },
      { id: "m", kind: "random-model", needs: ["world"], settings: { world: "world" } },
      { id: "test-m", kind: "sample", needs: ["world", "m"], settings: { world: "world", from: "m", model: "m", split: "test", k: 8, sampling: { maxTokens: 8 }, adaptive } },
    ];
    return { kinds, stages };
  }

  it("samples the test split in rounds (adaptive: settings), records the spend, and refuses a schedule that misses k", async () => {
    const { checkStages } = await import("./runner.js");
    const { withStore } = await import("../store/store.js");
    const { modelMeta } = await import("../store/sampling-records.js");
    const { kinds, stages } = await adaptiveSpec();
    expect(() => checkStages(stages({ settle: 0.9, typo: 1 }), kinds)).toThrow(/stage test-m: settings\.adaptive/);
    const run = tmp();
    await expect(runStages(stages({ schedule: [2, 4] }), { runDir: run, kinds })).rejects.toThrow(/stage test-m: adaptive\.schedule must end at k = 8 \(got 2,4\)/);
    await runStages(stages({ schedule: [2, 4, 8], settle: 0.8 }), { runDir: run, kinds });
    const { rows, meta } = await withStore(run, {}, async (s) => ({
      rows: await s.all<{ n: number; max_idx: number }>("SELECT count(*)::INTEGER AS n, max(sample_index)::INTEGER AS max_idx FROM samples WHERE model = 'm' GROUP BY question_id"),
      meta: await modelMeta(s, "m"),
    }));
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      expect([2, 4, 8]).toContain(r.n);
      expect(r.max_idx).toBe(r.n - 1);
    }
    const spent = rows.reduce((a, r) => a + r.n, 0);
    expect(meta.adaptive).toMatchObject({ rounds: expect.any(Number), estimates: { samples: spent, samples_full: 96 }, samples_saved: 96 - spent });
  }, 120_000);

  it("reruns an `adaptive: true` stage cached under the hash of its settings as written (the threshold rule's era), and caches it after", async () => {
    const { writeFileSync } = await import("node:fs");
    const { checkStages, stageHashes } = await import("./runner.js");
    const { withStore } = await import("../store/store.js");
    const { modelMeta } = await import("../store/sampling-records.js");
    const { kinds, stages } = await adaptiveSpec();
    const run = tmp();
    const first = await runStages(stages(true), { runDir: run, kinds });
    expect(first.map((r) => r.cached)).toEqual([false, false, false]);
    // what a run folder from before holds: the same record under the hash of `adaptive: true` as written
    const asWritten = new Map(kinds.map((k) => [k.kind, k.kind === "sample" ? { ...k, hashed: undefined } : k]));
    const oldHash = stageHashes(stages(true), checkStages(stages(true), kinds), asWritten).get("test-m")!;
    const recordFile = join(run, "stages", "test-m.json");
    const record = JSON.parse(readFileSync(recordFile, "utf8")) as { hash: string };
    expect(record.hash).not.toBe(oldHash);
    writeFileSync(recordFile, JSON.stringify({ ...record, hash: oldHash }));
    const again = await runStages(stages(true), { runDir: run, kinds });
    expect(again.map((r) => r.cached)).toEqual([true, true, false]);
    const meta = await withStore(run, {}, (st) => modelMeta(st, "m"));
    expect(meta.adaptive).toMatchObject({ settings: { rule: "budget", misses: 0.025 } });
    // now cached under the resolved rule; the same settings written out in full are the same stage
    expect((await runStages(stages({ rule: "budget", misses: 0.025 }), { runDir: run, kinds })).map((r) => r.cached)).toEqual([true, true, true]);
  }, 120_000);
});
