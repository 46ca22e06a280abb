import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, CharTokenizer, loadCheckpoint, saveCheckpoint, type Model } from "../engine/index.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { buildCorpus } from "../world/index.js";
import { trainGrpo } from "./grpo.js";
import { runGrpo, runSft } from "./run.js";
import { SMOKE_WORLD, smokeBase, smokeQuestions, smokeVerifier } from "./smoke.js";
import { trainSft } from "./sft.js";

const tmp = useTmpDirs();
let base: string;

beforeAll(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  base = join(mkdtempSync(join(tmpdir(), "rlvd-train-")), "base");
  await saveCheckpoint(await smokeBase(), base);
}, 120_000);

const params = (m: Model) => Float64Array.from(m.params.subarray(0, m.layout.total));

describe("GRPO", () => {
  it("leaves the policy unchanged when every group has equal rewards (zero advantage)", async () => {
    const model = await loadCheckpoint(base);
    const before = params(model);
    const stats = await trainGrpo(model, smokeQuestions(40, 1), () => true, { steps: 2, questions: 8, group: 4, maxTokens: 16, lr: 1e-2, weightDecay: 0 });
    expect(stats.every((s) => s.zero_adv_frac === 1 && s.reward_mean === 1)).toBe(true);
    expect(params(model)).toEqual(before);
  });

  it("raises the mean training reward on the smoke task (first vs last quarter of steps)", async () => {
    const out = join(tmp(), "rl");
    const { history, snapshots } = await runGrpo({
      from: base, out, name: "rl", questions: smokeQuestions(200, 3), verify: smokeVerifier,
      config: { steps: 80, questions: 32, group: 8, maxTokens: 24, lr: 3e-4, warmup: 5 }, snapshotEvery: 40,
    });
    expect(snapshots).toEqual([{ step: 40, checkpoint: join(out, "step-40") }, { step: 80, checkpoint: join(out, "step-80") }]);
    const quarter = (a: number, b: number) => history.slice(a, b).reduce((s, h) => s + h.reward_mean, 0) / (b - a);
    expect(quarter(60, 80)).toBeGreaterThan(quarter(0, 20) + 0.2);
    const log = readFileSync(join(out, "train-log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log).toHaveLength(80);
    expect(Object.keys(log[0])).toEqual(expect.arrayContaining(["model", "step", "reward_mean", "accuracy", "zero_adv_frac", "entropy", "kl", "mean_length", "step_time_s"]));
    expect(existsSync(join(out, "step-40", "model.safetensors"))).toBe(true);
    expect(existsSync(join(out, "model.safetensors"))).toBe(true);
  }, 120_000);

  it("keeps snapshots equal to the policy after that many steps (a shorter run from the same start)", async () => {
    const config = { steps: 4, questions: 8, group: 4, maxTokens: 16, lr: 3e-4, warmup: 1, seed: 2 };
    const out = join(tmp(), "rl-snap");
    const { snapshots } = await runGrpo({ from: base, out, name: "rl", questions: smokeQuestions(50, 2), verify: smokeVerifier, config, snapshotEvery: 2 });
    expect(snapshots.map((s) => s.step)).toEqual([2, 4]);
    const short = await loadCheckpoint(base);
    await trainGrpo(short, smokeQuestions(50, 2), smokeVerifier, { ...config, steps: 2 });
    expect(params(await loadCheckpoint(snapshots[0]!.checkpoint))).toEqual(params(short));
    expect(params(await loadCheckpoint(snapshots[1]!.checkpoint))).toEqual(params(await loadCheckpoint(out)));
  }, 120_000);

  it("resets the KL reference to the policy every referenceReset steps, and the optimizer with it", async () => {
    const config = { steps: 3, questions: 8, group: 4, maxTokens: 16, lr: 3e-3, warmup: 0, seed: 5, beta: 0.05 };
    const questions = smokeQuestions(50, 2);
    const train = async (steps: number, referenceReset: number) => {
      const model = await loadCheckpoint(base);
      const reference = await loadCheckpoint(base);
      const stats = await trainGrpo(model, questions, smokeVerifier, { ...config, steps, referenceReset }, { reference });
      return { policy: params(model), reference: params(reference), stats };
    };
    const twoSteps = await train(2, 0);
    const reset = await train(3, 2);
    const plain = await train(3, 0);
    const start = params(await loadCheckpoint(base));
    // after step 2 the reference is the policy of a 2-step run; without resets it stays the start
    expect(reset.reference).toEqual(twoSteps.policy);
    expect(plain.reference).toEqual(start);
    expect(twoSteps.policy).not.toEqual(start);
    // step 3 then runs against the new reference with fresh optimizer moments: a different policy
    expect(reset.stats[0]!.kl).toBeCloseTo(plain.stats[0]!.kl!, 12);
    expect(reset.policy).not.toEqual(plain.policy);
    // the last step never resets (nothing would use it)
    expect((await train(2, 2)).reference).toEqual(start);
  }, 120_000);

  it("refuses referenceReset without a KL reference", async () => {
    const model = await loadCheckpoint(base);
    await expect(trainGrpo(model, smokeQuestions(10, 2), smokeVerifier, { steps: 1, referenceReset: 1 })).rejects.toThrow(/needs beta > 0/);
  });

  it("is deterministic given its seed", async () => {
    const run = async () => {
      const m = await loadCheckpoint(base);
      await trainGrpo(m, smokeQuestions(50, 2), smokeVerifier, { steps: 2, questions: 8, group: 4, maxTokens: 16, lr: 3e-4, seed: 4 });
      return params(m);
    };
    expect(await run()).toEqual(await run());
  });
});

describe("SFT", () => {
  it("lowers held-out loss on teacher solutions", async () => {
    const data = buildCorpus(SMOKE_WORLD, { author: "teacher", documents: 600, seed: 5 });
    const out = join(tmp(), "sft");
    const r = await runSft({ from: base, out, name: "sft", data, config: { steps: 60, batch: 32, lr: 1e-3, warmup: 5, evalFraction: 0.1, evalEvery: 20 } });
    expect(r.evalLoss!).toBeLessThan(r.firstEvalLoss! * 0.8);
    const lines = readFileSync(join(out, "train-log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.step !== undefined && l.eval_loss !== null)).toHaveLength(3);
    // the first line says what was trained on: counted here from the data; held out by question, no copies
    const prompts = new Set(data.map((d) => d.prompt));
    expect(lines[0]).toEqual({
      model: "sft",
      data: {
        examples: data.length, distinct: new Set(data.map((d) => `${d.prompt}|${d.completion}`)).size, questions: prompts.size, holdout: "question",
        held_out_examples: r.data.held_out_examples, held_out_questions: Math.round(prompts.size * 0.1), held_out_seen: 0,
      },
    });
    expect(r.data.held_out_examples).toBeGreaterThan(0);
    // trained again into the same folder: the log holds the new run only, not both
    await runSft({ from: base, out, name: "sft", data, config: { steps: 2, batch: 32, lr: 1e-3, warmup: 1, evalFraction: 0.1, evalEvery: 20 } });
    expect(readFileSync(join(out, "train-log.jsonl"), "utf8").trim().split("\n")).toHaveLength(3);
  }, 120_000);

  it("keeps snapshots equal to the model after that many steps, though its loop is synchronous", async () => {
    const data = buildCorpus(SMOKE_WORLD, { author: "teacher", documents: 200, seed: 5 });
    const config = { steps: 6, batch: 16, lr: 1e-3, warmup: 2, evalFraction: 0 };
    const out = join(tmp(), "sft-snap");
    const r = await runSft({ from: base, out, name: "sft", data, config, snapshotEvery: 3 });
    expect(r.snapshots).toEqual([{ step: 3, checkpoint: join(out, "step-3") }, { step: 6, checkpoint: join(out, "step-6") }]);
    const short = await loadCheckpoint(base);
    trainSft(short, data, { ...config, steps: 3 });
    const at3 = params(await loadCheckpoint(r.snapshots[0]!.checkpoint));
    expect(at3).toEqual(params(short));
    expect(at3).not.toEqual(params(await loadCheckpoint(out)));
    expect(params(await loadCheckpoint(r.snapshots[1]!.checkpoint))).toEqual(params(await loadCheckpoint(out)));
  }, 120_000);

  it("computes the loss on completion tokens only", async () => {
    const tok = CharTokenizer.fromText("abc=");
    const model = await createModel({ vocabSize: tok.vocabSize, dim: 16, layers: 1, heads: 2, context: 16 }, 3, { tokenizer: tok });
    // with a negligible lr, the step's loss is the untrained model's mean -log p over the completion tokens only
    const r1 = trainSft(model, [{ prompt: "ab=", completion: "c" }], { steps: 1, batch: 1, evalFraction: 0, lr: 1e-9 });
    expect(Number.isFinite(r1.trainLoss)).toBe(true);
    // the loss equals -log p(c | bos a b =) + -log p(eos | ... c) averaged over 2 completion tokens
    const { scoreCompletions } = await import("../engine/index.js");
    const fresh = await createModel({ vocabSize: tok.vocabSize, dim: 16, layers: 1, heads: 2, context: 16 }, 3, { tokenizer: tok });
    const [score] = scoreCompletions(fresh, [{ prompt: "ab=", completion: [...tok.encode("c"), tok.eos] }]);
    expect(r1.trainLoss).toBeCloseTo(-score!.sum / 2, 4);
  });
});

describe("engine memory", () => {
  // many stages run in one process (a survey of 43 worlds runs about 900): each must give back what it took, or
  // the one 4 GiB wasm heap runs out part-way (it did, at world 25, before runSft and runGrpo freed their models)
  it("runSft and runGrpo free the models they load (policy, KL reference, optimizer state, activations)", async () => {
    const kernels = (await loadCheckpoint(base)).kernels;
    const data = buildCorpus(SMOKE_WORLD, { author: "teacher", documents: 100, seed: 5 });
    const sft = () => runSft({ from: base, out: join(tmp(), "mem-sft"), name: "sft", data, config: { steps: 2, batch: 8, lr: 1e-3, warmup: 1, evalFraction: 0.1 } });
    const grpo = () => runGrpo({
      from: base, out: join(tmp(), "mem-rl"), name: "rl", questions: smokeQuestions(20, 2), verify: smokeVerifier,
      config: { steps: 2, questions: 4, group: 4, maxTokens: 16, lr: 3e-4, warmup: 0, beta: 0.05 }, snapshotEvery: 1,
    });
    // a first run of each may leave the engine's per-process caches warm; from then on nothing may accumulate
    await sft();
    await grpo();
    const before = kernels.bytesInUse();
    for (let i = 0; i < 3; i++) {
      await sft();
      await grpo();
    }
    expect(kernels.bytesInUse()).toBe(before);
  }, 120_000);
});
