import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { importSamplesFile } from "../store/import-samples.js";
import { withStore } from "../store/store.js";
import { registerModel } from "../store/models.js";
import { analyzeRun } from "./analyze-run.js";
import { groupingNote } from "./tables.js";

const tmp = useTmpDirs();

/** Two models answering one question with 1/2, 0.5, \frac12, 1/3; "world" was sampled from an embedded checkpoint. */
async function fixture(): Promise<string> {
  const dir = tmp();
  const run = join(dir, "run");
  const answers = ["1/2", "0.5", "\\frac12", "\\frac13"];
  const lines = ["math", "world"].flatMap((model) =>
    answers.map((a, i) => ({ model, question: "q1", sample_index: i, response: `\\boxed{${a}}`, extracted: a, correct: i < 3 })),
  );
  await importSamplesFile(run, writeJsonl(dir, "samples.jsonl", lines));
  await withStore(run, {}, (store) => registerModel(store, "world", "embedded:/ckpt", { replaceOtherSpec: false, fresh: false }));
  return run;
}

describe("answer grouping for maj@k and entropy", () => {
  it("defaults to the verifier's equivalence, and to exact strings for embedded-checkpoint models", async () => {
    const a = await analyzeRun(await fixture());
    expect(a.models.math!.answer_grouping).toBe("math");
    expect(a.models.world!.answer_grouping).toBe("exact");
    // math: classes {1/2, 0.5, \frac12} and {1/3}; exact: four singletons
    expect(a.models.math!.answer_entropy).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
    expect(a.models.world!.answer_entropy).toBeCloseTo(Math.log(4), 12);
  });

  it("takes the grouping it is told for every model", async () => {
    const a = await analyzeRun(await fixture(), { grouping: "exact" });
    expect(a.models.math!.answer_grouping).toBe("exact");
    expect(a.models.math!.answer_entropy).toBeCloseTo(Math.log(4), 12);
  });

  it("says the grouping in the report's note", () => {
    expect(groupingNote(["math", "math"])).toMatch(/verifier's equivalence/);
    expect(groupingNote(["exact"])).toMatch(/identical strings/);
    expect(groupingNote(["math", "exact", "math"])).toMatch(/per model: .*\(2 models\).*\(1 models\)/);
    expect(groupingNote([undefined])).toBe("");
  });
});
