import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { sampleExcerpts, textVolume, topAnswers } from "./excerpts.js";
import { importSamplesFile } from "./import-samples.js";
import { withStore } from "./store.js";

const tmp = useTmpDirs();

async function fixture(): Promise<string> {
  const dir = tmp();
  const run = join(dir, "run");
  // q1: samples 0-5 wrong, 6-7 right; q2: all right; texts of known lengths
  const lines = [
    ...Array.from({ length: 8 }, (_, i) => ({ model: "m", question: "q1", sample_index: i, response: "x".repeat(10 + i), extracted: i < 6 ? String(i % 2) : "7", correct: i >= 6 })),
    ...Array.from({ length: 3 }, (_, i) => ({ model: "m", question: "q2", sample_index: i, response: "yy", extracted: "5", correct: true })),
  ];
  await importSamplesFile(run, writeJsonl(dir, "s.jsonl", lines));
  return run;
}

describe("explorer queries", () => {
  it("picks samples alternating right and wrong, cut to a length", async () => {
    const rows = await withStore(await fixture(), {}, (s) => sampleExcerpts(s, { perQuestion: 4, maxChars: 12 }));
    const q1 = rows.filter((r) => r.question_id === "q1");
    expect(q1.map((r) => [r.sample_index, r.correct])).toEqual([[6, true], [0, false], [7, true], [1, false]]);
    expect(q1[0]).toMatchObject({ text: "x".repeat(12), text_chars: 16, extracted: "7" });
    expect(rows.filter((r) => r.question_id === "q2").map((r) => r.sample_index)).toEqual([0, 1, 2]);
  });

  it("tallies the most frequent answers and the text volume", async () => {
    const run = await fixture();
    const [answers, volume] = await withStore(run, {}, async (s) => [await topAnswers(s, 2), await textVolume(s, 12)] as const);
    expect(answers.filter((a) => a.question_id === "q1").map((a) => [a.extracted, a.samples, a.correct])).toEqual([["0", 3, 0], ["1", 3, 0]]);
    expect(answers.filter((a) => a.question_id === "q2")).toEqual([{ model: "m", question_id: "q2", extracted: "5", samples: 3, correct: 3 }]);
    // lengths 10, 11, 12, 12, ... (cut at 12) and 2, 2, 2
    expect(volume).toEqual([{ model: "m", questions: 2, mean_chars: (10 + 11 + 12 * 6 + 6) / 11 }]);
  });
});
