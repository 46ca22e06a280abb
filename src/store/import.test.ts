import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { importCountsFile } from "./import-counts.js";
import { importSamplesFile } from "./import-samples.js";
import { questionResults, modelContents } from "./queries.js";
import { applyGrades } from "./grades.js";
import { getQuestions, upsertQuestions } from "./questions.js";
import { writeSamples } from "./samples.js";
import { withStore } from "./store.js";

const tmp = useTmpDirs();
const results = (run: string) => withStore(run, {}, (s) => questionResults(s));

describe("import counts", () => {
  it("stores each (model, question) count and re-importing is a no-op", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const file = writeJsonl(dir, "c.jsonl", [
      { question: "q1", model: "m", n: 4, correct: 1 },
      { question: 2, model: "m", n: 4, correct: 0 },
      { question: "q1", model: "other", n: 8, correct: 8 },
    ]);
    const first = await importCountsFile(run, file);
    expect(first).toMatchObject({ lines: 3, inserted: 3, unchanged: 0, questions: 2, models: ["m", "other"] });
    const again = await importCountsFile(run, file);
    expect(again).toMatchObject({ inserted: 0, unchanged: 3 });
    expect(await results(run)).toEqual([
      { model: "m", question_id: "2", n: 4, correct: 0 },
      { model: "m", question_id: "q1", n: 4, correct: 1 },
      { model: "other", question_id: "q1", n: 8, correct: 8 },
    ]);
  });

  const bad: Array<[string, unknown[], RegExp]> = [
    ["malformed JSON", [{ question: "a", model: "m", n: 2, correct: 1 }, "{not json"], /c\.jsonl:2: malformed JSON/],
    ["a missing field", [{ question: "a", n: 2, correct: 1 }], /c\.jsonl:1: field "model"/],
    ["correct above n", [{ question: "a", model: "m", n: 2, correct: 3 }], /c\.jsonl:1: field "correct": is larger than n/],
    ["a negative count", [{ question: "a", model: "m", n: 2, correct: -1 }], /c\.jsonl:1: field "correct": must not be negative/],
    ["n of zero", [{ question: "a", model: "m", n: 0, correct: 0 }], /c\.jsonl:1: field "n": must be at least 1/],
    ["a fractional count", [{ question: "a", model: "m", n: 2, correct: 0.5 }], /c\.jsonl:1: field "correct": must be an integer/],
    [
      "a conflicting duplicate",
      [{ question: "a", model: "m", n: 2, correct: 1 }, { question: "b", model: "m", n: 2, correct: 1 }, { question: "a", model: "m", n: 2, correct: 2 }],
      /c\.jsonl:3: count \(model m, question a\) repeats line 1 with different values/,
    ],
  ];
  for (const [what, lines, message] of bad) {
    it(`rejects ${what} with file:line and leaves the store untouched`, async () => {
      const dir = tmp();
      const run = join(dir, "run");
      await importCountsFile(run, writeJsonl(dir, "good.jsonl", [{ question: "z", model: "m", n: 3, correct: 2 }]));
      const before = await results(run);
      await expect(importCountsFile(run, writeJsonl(dir, "c.jsonl", lines))).rejects.toThrow(message);
      expect(await results(run)).toEqual(before);
    });
  }

  it("accepts an identical duplicate line", async () => {
    const dir = tmp();
    const row = { question: "a", model: "m", n: 2, correct: 1 };
    expect(await importCountsFile(join(dir, "run"), writeJsonl(dir, "c.jsonl", [row, row]))).toMatchObject({ inserted: 1 });
  });

  it("rejects a count that contradicts the store, naming the line", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importCountsFile(run, writeJsonl(dir, "a.jsonl", [{ question: "a", model: "m", n: 2, correct: 1 }]));
    await expect(
      importCountsFile(run, writeJsonl(dir, "b.jsonl", [{ question: "new", model: "m", n: 2, correct: 0 }, { question: "a", model: "m", n: 2, correct: 2 }])),
    ).rejects.toThrow(/b\.jsonl:2: count \(model m, question a\) is already in the store with different values/);
    // all or nothing: the valid first line did not land either
    expect((await results(run)).map((r) => r.question_id)).toEqual(["a"]);
  });

  it("names a missing file", async () => {
    const dir = tmp();
    await expect(importCountsFile(join(dir, "run"), join(dir, "nope.jsonl"))).rejects.toThrow(/nope\.jsonl: no such file/);
  });
});

describe("import samples", () => {
  const qwenLines = [
    { idx: 0, question: "What is 1+1?", gt: "2", level: "Level 1", type: "Algebra", code: ["so \\boxed{2}", "\\boxed{3}", "\\boxed{2}"], pred: ["2", "3", "2"], score: [true, false, true] },
    { idx: 1, question: "What is 0*5?", gt: "0", level: "Level 2", code: ["\\boxed{5}", "no idea"], pred: ["5", null], score: [false, false] },
  ];

  it("reads the Qwen evaluation schema: one line per question, verdicts from score[]", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, writeJsonl(dir, "qwen.jsonl", qwenLines), { model: "qwen" });
    expect(r).toMatchObject({ format: "qwen", lines: 5, inserted: 5, questions: 2 });
    expect(await results(run)).toEqual([
      { model: "qwen", question_id: "0", n: 3, correct: 2 },
      { model: "qwen", question_id: "1", n: 2, correct: 0 },
    ]);
    const questions = await withStore(run, {}, (s) => getQuestions(s));
    expect(questions[0]).toEqual({ id: "0", prompt: "What is 1+1?", answer: "2", meta: { level: "Level 1", subject: "Algebra" } });
    expect(await withStore(run, {}, (s) => modelContents(s))).toEqual([{ model: "qwen", samples: 5, ungraded: 0, answers: 4, texts: 5, counted_questions: 0 }]);
  });

  it("requires a model name for the Qwen schema and checks list lengths", async () => {
    const dir = tmp();
    await expect(importSamplesFile(join(dir, "run"), writeJsonl(dir, "q.jsonl", qwenLines))).rejects.toThrow(/pass --model/);
    const broken = [{ ...qwenLines[0], score: [true] }];
    await expect(importSamplesFile(join(dir, "run"), writeJsonl(dir, "q.jsonl", broken), { model: "m" })).rejects.toThrow(/q\.jsonl:1: field "score" has 1 entries but there are 3 responses/);
  });

  it("reads generic lines, numbering samples per question in file order", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const file = writeJsonl(dir, "g.jsonl", [
      { model: "m", question: "a", response: "x", correct: true, answer: "1" },
      { model: "m", question: "a", response: "y", correct: 0 },
      { model: "m", question: "b", response: "z", correct: null },
    ]);
    expect(await importSamplesFile(run, file)).toMatchObject({ format: "generic", inserted: 3 });
    expect(await importSamplesFile(run, file)).toMatchObject({ inserted: 0, unchanged: 3 });
    // question b has no graded sample yet, so it has no result
    expect(await results(run)).toEqual([{ model: "m", question_id: "a", n: 2, correct: 1 }]);
    const contents = await withStore(run, {}, (s) => modelContents(s));
    expect(contents[0]).toMatchObject({ samples: 3, ungraded: 1 });
  });

  it("rejects a sample that repeats a key with a different verdict", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "g.jsonl", [
      { model: "m", question: "a", sample_index: 0, response: "x", correct: true },
      { model: "m", question: "a", sample_index: 0, response: "x", correct: false },
    ]);
    await expect(importSamplesFile(join(dir, "run"), file)).rejects.toThrow(/g\.jsonl:2: sample \(model m, question a, index 0\) repeats line 1/);
  });

  it("rejects a gold answer that contradicts the store", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "a.jsonl", [{ model: "m", question: "a", response: "x", answer: "1" }]));
    await expect(importSamplesFile(run, writeJsonl(dir, "b.jsonl", [{ model: "n", question: "a", response: "x", answer: "2" }]))).rejects.toThrow(
      /b\.jsonl:1: question a has answer "2" but the store has "1"/,
    );
  });
});

describe("writeSamples", () => {
  it("re-importing a file after rlvd graded its samples (--regrade, grade) is a no-op; a changed text still clashes", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const lines = [
      { model: "m", question: "q1", answer: "5", response: "the sum is 5", correct: true, extracted: "5" },
      { model: "m", question: "q1", response: "\\boxed{5}", correct: true },
      { model: "m", question: "q2", answer: "7", response: "7" },
    ];
    const file = writeJsonl(dir, "q.jsonl", lines);
    await importSamplesFile(run, file);
    // what gradeRun writes: rlvd's verdicts replace the file's (q1/0 right -> wrong) and grade the unverified one
    await withStore(run, {}, (s) => applyGrades(s, [
      { model: "m", question_id: "q1", sample_index: 0, correct: false, extracted: null, status: "no_answer", grading: "boxed" },
      { model: "m", question_id: "q2", sample_index: 0, correct: true, extracted: "7", status: "ok", grading: "boxed" },
    ]));
    for (const staging of ["auto", "js"] as const) {
      expect(await importSamplesFile(run, file, { staging })).toMatchObject({ inserted: 0, unchanged: 3 });
    }
    // rlvd's verdicts stay
    const rows = await withStore(run, {}, (s) => s.all<{ correct: boolean; verify_status: string }>(
      "SELECT correct, verify_status FROM samples ORDER BY question_id, sample_index"));
    expect(rows).toEqual([{ correct: false, verify_status: "no_answer" }, { correct: true, verify_status: "imported" }, { correct: true, verify_status: "ok" }]);
    // the text is still compared; so is the verdict of a sample rlvd has not graded (q1/1 is still imported)
    const changedText = writeJsonl(dir, "t.jsonl", [{ ...lines[0], response: "other" }]);
    await expect(importSamplesFile(run, changedText)).rejects.toThrow(/t\.jsonl:1: sample \(model m, question q1, index 0\) is already in the store with different values/);
    const changedVerdict = writeJsonl(dir, "v.jsonl", [lines[0], { ...lines[1], correct: false }]);
    await expect(importSamplesFile(run, changedVerdict)).rejects.toThrow(/v\.jsonl:2: sample \(model m, question q1, index 1\) is already in the store/);
  });

  it("is idempotent per (model, question, index): the first write wins", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await withStore(run, { create: true }, async (store) => {
      const s = { model: "m", question_id: "q", text: "t", correct: true };
      expect(await writeSamples(store, [{ ...s, sample_index: 0 }, { ...s, sample_index: 1 }])).toMatchObject({ inserted: 2 });
      expect(await writeSamples(store, [{ ...s, sample_index: 1, correct: false }, { ...s, sample_index: 2 }])).toMatchObject({ inserted: 1, unchanged: 1 });
      expect(await questionResults(store)).toEqual([{ model: "m", question_id: "q", n: 3, correct: 3 }]);
    });
  });
});

describe("upsertQuestions", () => {
  it("keeps questions written without a source line (API writes), the first one of an id filling the fields", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await withStore(run, { create: true }, async (store) => {
      await upsertQuestions(store, [
        { question: { id: "a", prompt: "P", answer: "1" }, line: null },
        { question: { id: "b" }, line: 2 },
        { question: { id: "b", prompt: "Q", meta: { level: 3 } }, line: 5 },
      ]);
      expect(await getQuestions(store)).toEqual([
        { id: "a", prompt: "P", answer: "1" },
        { id: "b", prompt: "Q", answer: "", meta: { level: 3 } },
      ]);
    });
  });
});

describe("failed imports", () => {
  it("leave no scratch files in the run folder", async () => {
    const { readdirSync } = await import("node:fs");
    const dir = tmp();
    const run = join(dir, "run");
    await importCountsFile(run, writeJsonl(dir, "ok.jsonl", [{ question: "a", model: "m", n: 1, correct: 1 }]));
    await expect(importCountsFile(run, writeJsonl(dir, "bad.jsonl", [{ question: "b", model: "m", n: 1, correct: 1 }, "{oops"]))).rejects.toThrow(/bad\.jsonl:2/);
    // the segment layout (docs/store.md): the store's folder, run.json and its history/ entries, and nothing left in tmp/
    expect(readdirSync(run).sort()).toEqual(["history", "run.json", "store"]);
    expect(readdirSync(join(run, "store", "tmp"))).toEqual([]);
  });
});

describe("the two staging paths", () => {
  const lines = [
    { model: "m", question: 7, sample_index: 0, response: "a", correct: true, answer: "1", extracted: "1", n_tokens: 3, finish_reason: "stop" },
    { model: "m", question: "q", sample_index: 1, response: null, correct: 0 },
    { question: "q", sample_index: 0, response: "b", correct: null, extracted: 12 },
    "",
    { model: "m", question: "q", sample_index: 0, response: "b", extracted: 12 },
  ];
  const dump = (run: string) =>
    withStore(run, {}, (s) => s.all("SELECT model, question_id, sample_index, text, finish_reason, n_tokens, extracted, correct, verify_status FROM samples ORDER BY ALL"));

  it("store the same rows whether DuckDB or JavaScript stages the file", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "s.jsonl", lines);
    const fast = await importSamplesFile(join(dir, "a"), file, { model: "fallback" });
    const exact = await importSamplesFile(join(dir, "b"), file, { model: "fallback", staging: "js" });
    expect(fast).toEqual(exact);
    expect(await dump(join(dir, "a"))).toEqual(await dump(join(dir, "b")));
    // (m, 7, 0), (m, q, 1), (fallback, q, 0) from the line without a model, (m, q, 0)
    expect((await dump(join(dir, "a"))).length).toBe(4);
  });

  it("report a clash with its true line number on the fast path too, and leave questions untouched", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "a.jsonl", [{ model: "m", question: "x", sample_index: 0, response: "r", answer: "1" }]));
    const clash = writeJsonl(dir, "b.jsonl", [
      { model: "m", question: "y", sample_index: 0, response: "r", answer: "2" },
      "",
      { model: "m", question: "y", sample_index: 0, response: "other" },
    ]);
    await expect(importSamplesFile(run, clash)).rejects.toThrow(/b\.jsonl:3: sample \(model m, question y, index 0\) repeats line 1/);
    expect((await withStore(run, {}, (s) => s.all<{ id: string }>("SELECT id FROM questions ORDER BY id"))).map((q) => q.id)).toEqual(["x"]);
  });
});
