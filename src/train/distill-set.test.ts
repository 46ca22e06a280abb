import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importSamplesFile } from "../store/import-samples.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { buildDistillSet, distillSetStats } from "./distill-set.js";

const tmp = useTmpDirs();

/** base: q1 solved 3/4, q2 1/4, q3 0/4; rl: q1 4/4, q2 2/4, q3 1/4 */
async function fixture(): Promise<string> {
  const dir = tmp();
  const run = join(dir, "run");
  const pattern: Record<string, Record<string, boolean[]>> = {
    base: { q1: [true, true, false, true], q2: [false, true, false, false], q3: [false, false, false, false] },
    rl: { q1: [true, true, true, true], q2: [true, false, true, false], q3: [false, false, false, true] },
  };
  const lines = Object.entries(pattern).flatMap(([model, qs]) =>
    Object.entries(qs).flatMap(([q, verdicts]) => verdicts.map((correct, i) => ({ model, question: q, sample_index: i, response: `${model} ${q} #${i}`, correct, prompt: `prompt ${q}`, answer: "x" }))),
  );
  await importSamplesFile(run, writeJsonl(dir, "s.jsonl", lines));
  return run;
}

describe("distill-set", () => {
  it("takes only correct responses, at most per-question of them", async () => {
    const run = await fixture();
    const set = await buildDistillSet(run, { from: "rl", perQuestion: 2 });
    const per = (q: string) => set.filter((e) => e.question_id === q);
    expect(per("q1")).toHaveLength(2);
    expect(per("q2").map((e) => e.sample_index)).toEqual([0, 2]);
    expect(per("q3").map((e) => e.completion)).toEqual(["rl q3 #3"]);
    expect(set.every((e) => e.prompt === `prompt ${e.question_id}` && e.model === "rl")).toBe(true);
  });

  it("chooses deterministically for a seed, and differently for another seed", async () => {
    const run = await fixture();
    const a = await buildDistillSet(run, { from: "rl", perQuestion: 2, seed: 1 });
    expect(await buildDistillSet(run, { from: "rl", perQuestion: 2, seed: 1 })).toEqual(a);
    const picks = new Set<string>();
    for (let seed = 0; seed < 20; seed++) picks.add((await buildDistillSet(run, { from: "rl", perQuestion: 2, seed })).filter((e) => e.question_id === "q1").map((e) => e.sample_index).join(","));
    expect(picks.size).toBeGreaterThan(1);
  });

  it("filters by the base model's accuracy and bins", async () => {
    const run = await fixture();
    // questions the base solves at least half the time: only q1
    const solved = await buildDistillSet(run, { from: "rl", perQuestion: 8, minBaseAccuracy: 0.5 });
    expect(new Set(solved.map((e) => e.question_id))).toEqual(new Set(["q1"]));
    // n = 4: bins 0 | 1 | 2 | 3 | 4 -> base q2 has 1 correct
    const hard = await buildDistillSet(run, { from: "rl", perQuestion: 8, bins: ["0", "1"] });
    expect(new Set(hard.map((e) => e.question_id))).toEqual(new Set(["q2", "q3"]));
    await expect(buildDistillSet(run, { from: "rl", perQuestion: 8, bins: ["9-99"] })).rejects.toThrow(/no bin "9-99" at n = 4/);
    await expect(buildDistillSet(run, { from: "nope", perQuestion: 8 })).rejects.toThrow(/no graded samples of model nope/);
  });

  it("with distinct, takes each response text once per question", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    // q1: five correct responses, three of them the same text; q2: two copies of one text
    const texts: Record<string, string[]> = { q1: ["a", "b", "a", "c", "a"], q2: ["d", "d"] };
    const lines = Object.entries(texts).flatMap(([q, ts]) => ts.map((response, i) => ({ model: "rl", question: q, sample_index: i, response, correct: true, prompt: `prompt ${q}`, answer: "x" })));
    await importSamplesFile(run, writeJsonl(dir, "s.jsonl", lines));
    const all = await buildDistillSet(run, { from: "rl", perQuestion: 8 });
    expect(all).toHaveLength(7);
    const distinct = await buildDistillSet(run, { from: "rl", perQuestion: 8, distinct: true });
    expect(distinct.map((e) => [e.question_id, e.completion, e.sample_index])).toEqual([["q1", "a", 0], ["q1", "b", 1], ["q1", "c", 3], ["q2", "d", 0]]);
    // q1 holds a, b, a, c, a (3 distinct) and q2 d, d (1): 4 distinct of 7
    expect(distillSetStats(all)).toEqual({ examples: 7, questions: 2, distinct: 4 });
    expect(distillSetStats(distinct)).toEqual({ examples: 4, questions: 2, distinct: 4 });
    // the same text under two questions is two distinct pairs
    expect(distillSetStats([{ question_id: "q1", completion: "x" }, { question_id: "q2", completion: "x" }]).distinct).toBe(2);
  });
});
