import { describe, expect, it } from "vitest";
import { Rng32 } from "../world/rng.js";
import { hashedSftConfig, splitHeldOut, type SftExample } from "./sft.js";

/** 40 questions, 8 examples each, only 2 distinct completions per question: a confident model's set */
const data: SftExample[] = Array.from({ length: 40 }, (_, q) => Array.from({ length: 8 }, (_, i) => ({ prompt: `q${q}=`, completion: i < 6 ? "a" : `b${q}` }))).flat();
const key = (d: SftExample) => `${d.prompt}|${d.completion}`;

describe("SFT's held-out split", () => {
  it("by question keeps every example of a held-out question out of training", () => {
    const { train, held, summary } = splitHeldOut(data, { evalFraction: 0.1, holdout: "question" }, new Rng32(3));
    const heldPrompts = new Set(held.map((d) => d.prompt));
    // 10% of 40 questions, with all 8 examples each
    expect(heldPrompts.size).toBe(4);
    expect(held).toHaveLength(32);
    expect(train).toHaveLength(data.length - 32);
    expect(train.some((d) => heldPrompts.has(d.prompt))).toBe(false);
    expect(summary).toEqual({ examples: 320, distinct: 80, questions: 40, holdout: "question", held_out_examples: 32, held_out_questions: 4, held_out_seen: 0 });
    // another seed holds out other questions
    const other = splitHeldOut(data, { evalFraction: 0.1, holdout: "question" }, new Rng32(4));
    expect(new Set(other.held.map((d) => d.prompt))).not.toEqual(heldPrompts);
  });

  it("by example is the original rule: the first share of the seeded shuffle, copies on both sides", () => {
    const { train, held, summary } = splitHeldOut(data, { evalFraction: 0.1, holdout: "example" }, new Rng32(3));
    const shuffled = new Rng32(3).shuffle([...data]);
    expect(held).toEqual(shuffled.slice(0, 32));
    expect(train).toEqual(shuffled.slice(32));
    // counted here one by one: a held-out example whose exact pair is also in training
    const trained = new Set(train.map(key));
    const seen = held.filter((d) => trained.has(key(d))).length;
    expect(seen).toBeGreaterThan(20);
    expect(summary.held_out_seen).toBe(seen);
    expect(summary.holdout).toBe("example");
  });

  it("holds nothing out below 20 questions, or with evalFraction 0", () => {
    const few = data.filter((d) => Number(d.prompt.slice(1, -1)) < 19); // 19 questions, 152 examples
    expect(splitHeldOut(few, { evalFraction: 0.2, holdout: "question" }, new Rng32(1)).held).toEqual([]);
    expect(splitHeldOut(few, { evalFraction: 0.2, holdout: "example" }, new Rng32(1)).held.length).toBe(30);
    // and then trains on exactly what it always drew: the seeded shuffle of all the data
    for (const [rows, evalFraction] of [[data, 0], [few, 0.2]] as const) {
      const split = splitHeldOut(rows, { evalFraction, holdout: "question" }, new Rng32(1));
      expect(split.held).toEqual([]);
      expect(split.train).toEqual(new Rng32(1).shuffle([...rows]));
    }
  });
});

describe("SFT settings in a stage's hash", () => {
  it("spell the held-out rule only where it changes what is trained", () => {
    // nothing held out: the rule changes nothing
    expect(hashedSftConfig({ steps: 5, evalFraction: 0 })).toEqual({ steps: 5, evalFraction: 0 });
    expect(hashedSftConfig({ evalFraction: 0, holdout: "question" })).toEqual({ evalFraction: 0 });
    // by example trains as before the rule existed: hashed as a spec that never named it
    expect(hashedSftConfig({ evalFraction: 0.05, holdout: "example" })).toEqual({ evalFraction: 0.05 });
    // the default holds out 5% by question: spelled, so stages cached under the old rule run again
    expect(hashedSftConfig({ evalFraction: 0.05 })).toEqual({ evalFraction: 0.05, holdout: "question" });
    expect(hashedSftConfig({})).toEqual({ holdout: "question" });
  });
});
