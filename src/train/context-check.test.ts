import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CharTokenizer, createModel, type Model } from "../engine/index.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { trainGrpo } from "./grpo.js";
import { runGrpo, runSft } from "./run.js";
import { splitHeldOut, trainSft } from "./sft.js";
import { Rng32 } from "../world/rng.js";

const tmp = useTmpDirs();

/** An untrained model over a few characters; the lengths below are counted by hand, one token per character. */
async function tiny(context: number): Promise<Model> {
  return createModel({ vocabSize: CharTokenizer.fromText("abcdQ ?=\n").vocabSize, dim: 8, layers: 1, heads: 1, context }, 1, { tokenizer: CharTokenizer.fromText("abcdQ ?=\n") });
}
const params = (m: Model) => Float64Array.from(m.params.subarray(0, m.layout.total));

describe("length checks before the first step", () => {
  // bos + "ab" + "cd" + eos = 6 tokens, of which the model reads 5; the short example reads 3
  const data = [{ prompt: "a", completion: "b" }, { prompt: "ab", completion: "cd" }];

  it("SFT: trains when the longest example reads exactly the context, refuses one token more, naming it", async () => {
    expect(trainSft(await tiny(5), data, { steps: 1, batch: 2, evalFraction: 0 }).steps).toBe(1);
    const model = await tiny(4);
    const before = params(model);
    let steps = 0;
    expect(() => trainSft(model, data, { steps: 1, batch: 2, evalFraction: 0 }, { where: "stage distill", afterStep: () => steps++ })).toThrow(
      /^stage distill: the longest training example \(prompt "ab"\) is 6 tokens with its BOS and EOS, more than the model's context of 4 holds \(it reads 5\)$/,
    );
    expect(steps).toBe(0);
    expect(params(model)).toEqual(before);
  });

  it("SFT: a held-out example counts too, and runSft names the run", async () => {
    // 20 distinct 5-character prompts: evalFraction 0.05 holds out one question, found by the same seeded split
    const many = Array.from({ length: 20 }, (_, i) => ({ prompt: [0, 1, 2, 3, 4].map((b) => "ab"[(i >> b) & 1]).join(""), completion: "b" }));
    const held = splitHeldOut(many, { evalFraction: 0.05, holdout: "question" }, new Rng32(0)).held;
    expect(held).toHaveLength(1);
    // only the held-out example is long: bos + 5 + 6 + eos = 13 tokens, reading 12; every other reads 7
    const data = many.map((d) => (d.prompt === held[0]!.prompt ? { ...d, completion: "bcdbcd" } : d));
    const out = join(tmp(), "sft");
    await expect(runSft({ from: await tiny(11), out, name: "m", where: "stage base<-base", data, config: { steps: 1, batch: 4, evalFraction: 0.05 } }))
      .rejects.toThrow(new RegExp(`^stage base<-base: the longest training example \\(prompt "${held[0]!.prompt}"\\) is 13 tokens with its BOS and EOS, more than the model's context of 11 holds \\(it reads 12\\)$`));
    // the log holds the data summary only: no step ran
    expect(readFileSync(join(out, "train-log.jsonl"), "utf8").trim().split("\n").filter((l) => l.includes('"step"'))).toHaveLength(0);
  });

  it("GRPO: the longest prompt plus maxTokens must fit; refused before any rollout, with the largest maxTokens that fits", async () => {
    // bos + "Q ab?" = 6 tokens; a rollout of maxTokens m reads 6 + m - 1
    const questions = [{ id: "q1", prompt: "Q a?", answer: "a" }, { id: "q2", prompt: "Q ab?", answer: "b" }];
    let verified = 0;
    const verify = () => (verified++ % 2 === 0);
    const config = { steps: 1, questions: 2, group: 2, lr: 1e-3, warmup: 0 };
    expect(await trainGrpo(await tiny(10), questions, verify, { ...config, maxTokens: 5 })).toHaveLength(1);
    expect(verified).toBe(4);
    const model = await tiny(10);
    const before = params(model);
    await expect(trainGrpo(model, questions, verify, { ...config, maxTokens: 6 }, { where: "stage rlvr" })).rejects.toThrow(
      /^stage rlvr: the longest prompt \(question q2\) is 6 tokens, and with maxTokens 6 a rollout reads 11, more than the model's context of 10 \(set maxTokens to at most 5\)$/,
    );
    expect(verified).toBe(4);
    expect(params(model)).toEqual(before);
    // a prompt that does not fit at all says so; runGrpo names the run
    await expect(runGrpo({ from: await tiny(5), out: join(tmp(), "rl"), name: "rl", questions, verify, config: { ...config, maxTokens: 1 } }))
      .rejects.toThrow(/^rl: the longest prompt \(question q2\) is 6 tokens, and with maxTokens 1 a rollout reads 6, more than the model's context of 5 \(the prompt alone does not fit\)$/);
  });
});
