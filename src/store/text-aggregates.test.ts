import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aggregateTexts } from "../metrics/sample-stats.js";
import { keywordPattern, STUDY_KEYWORDS } from "../metrics/text-stats.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { writeSamples } from "./samples.js";
import { withStore } from "./store.js";
import { textAggregates } from "./text-aggregates.js";

const tmp = useTmpDirs();

const texts: Array<[string, boolean, string]> = [
  ["Wait, let me think. Hmm... HOWEVER, however: OK", true, "a"],
  ["awaiting the verified okapi; okay", false, "a"],
  ["Let’s reconsider. Correction: we double-check to verify.", false, "b"],
  ["wait wait WAIT.", true, "b"],
  ["I made a mistake; on second thought, let me recalculate. Actually ok?", false, "c"],
  ["plain answer 42", true, "c"],
  ["ünïcödé wait—hmm…", false, "c"],
];

describe("text aggregates in SQL", () => {
  it("match the in-memory computation exactly (RE2 and JS read the same pattern)", async () => {
    const run = join(tmp(), "run");
    const bins = new Map([["a", 0], ["b", 1]]); // c is not binned
    const sql = await withStore(run, { create: true }, async (store) => {
      await writeSamples(store, texts.map(([text, correct, q], i) => ({ model: "m", question_id: q, sample_index: i, text, correct, n_tokens: i % 2 ? null : text.length })));
      return textAggregates(store, "m", bins, keywordPattern());
    });
    const js = aggregateTexts(texts.map(([text, correct, q], i) => ({ text, correct, bin: bins.get(q) ?? -1, n_tokens: i % 2 ? null : text.length })), STUDY_KEYWORDS);
    const order = <T extends { correct: boolean }>(rows: T[], key: (r: T) => string) => [...rows].sort((x, y) => key(x).localeCompare(key(y)));
    expect(order(sql.cells, (c) => `${c.correct}|${c.bin}`)).toEqual(order(js.cells, (c) => `${c.correct}|${c.bin}`));
    expect(order(sql.keywords, (k) => `${k.correct}|${k.keyword}`)).toEqual(order(js.keywords, (k) => `${k.correct}|${k.keyword}`));
    // and by hand: the correct responses hold wait x4, let me think, hmm, however x2, ok
    const correctTotal = sql.cells.filter((c) => c.correct).reduce((s, c) => s + c.keyword_total, 0);
    expect(correctTotal).toBe(9);
  });
});
