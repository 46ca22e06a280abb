import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importCountsFile } from "../store/import-counts.js";
import { importSamplesFile } from "../store/import-samples.js";
import { withStore } from "../store/store.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { reportContent } from "./report.js";
import { classTable, tallyClasses, type ResponseClassifier } from "./response-classes.js";

const tmp = useTmpDirs();
// a toy classifier: responses that start with "step" are worked, "guess" ones are guesses, the rest unknown
const byWord: ResponseClassifier = {
  title: "Methods",
  classes: ["worked", "guess"],
  classify: (t) => (t.startsWith("step") ? "worked" : t.startsWith("guess") ? "guess" : "other"),
};

async function run(): Promise<string> {
  const dir = tmp();
  const r = join(dir, "run");
  const texts: Array<[string, string, boolean]> = [
    ["a", "step 1 step 2", true], ["a", "step 1 step 2", true], ["a", "guess 7", false], ["a", "hmm", false],
    ["b", "guess 3", true], ["b", "guess 4", false], ["b", "guess 4", false], ["b", "step 9", true],
  ];
  await importSamplesFile(r, writeJsonl(dir, "s.jsonl", texts.map(([model, response, correct], i) =>
    ({ model, question: `q${i % 2}`, sample_index: i, response, extracted: "x", correct }))));
  await importCountsFile(r, writeJsonl(dir, "c.jsonl", [{ model: "counts-only", question: "q0", n: 4, correct: 2 }]));
  return r;
}

describe("response classes", () => {
  it("tally each model's responses per class, identical texts grouped", async () => {
    const r = await run();
    const tallies = await withStore(r, {}, (s) => tallyClasses(s, byWord));
    const key = (t: { model: string; cls: string }) => `${t.model}/${t.cls}`;
    expect(Object.fromEntries(tallies.map((t) => [key(t), [t.n, t.correct]]))).toEqual({
      "a/worked": [2, 2], "a/guess": [1, 0], "a/other": [1, 0],
      "b/guess": [3, 1], "b/worked": [1, 1],
    });
    // by hand: a writes 50% worked (all right), 25% guesses (none right), 25% other; b 75% guesses (1 in 3 right)
    const table = classTable(tallies, ["b", "a", "counts-only"], byWord)!;
    expect(table.header).toEqual(["model", "worked", "guess", "other"]);
    expect(table.rows).toEqual([
      ["b", "25.0% (100% right)", "75.0% (33% right)", "-"],
      ["a", "50.0% (100% right)", "25.0% (0% right)", "25.0% (0% right)"],
    ]);
  });

  it("leave the table out when the classifier recognises nothing, and when none is given", async () => {
    const r = await run();
    const none: ResponseClassifier = { ...byWord, classify: () => "other" };
    expect(classTable(await withStore(r, {}, (s) => tallyClasses(s, none)), ["a", "b"], none)).toBeNull();
    expect((await reportContent(r, { base: "a" })).tables.classes).toBeNull();
    expect((await reportContent(r, { base: "a", classify: byWord })).tables.classes?.rows).toHaveLength(2);
  });
});
