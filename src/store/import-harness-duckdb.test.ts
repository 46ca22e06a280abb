// DuckDB's reading of lm-eval files (formats/lm-eval-duckdb.ts) against the record-by-record path: the same
// stored rows for every file, DuckDB used where the file is plain, and the record path's errors where it is not.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { QUESTIONS, RESPONSES, lmEvalFile, lmEvalLine, lmEvalRepeatsFile, qwenSeedFile, writeDataset } from "../test-helpers/harness-fixtures.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { importSamplesFile, type ImportSamplesOptions } from "./import-samples.js";
import { withStore } from "./store.js";
import { lmEvalInDuckDb } from "./formats/lm-eval-duckdb.js";
import type { FormatContext } from "./formats/types.js";

const tmp = useTmpDirs();

const stored = (run: string) =>
  withStore(run, {}, async (s) => ({
    samples: await s.all<Record<string, unknown>>("SELECT * FROM samples ORDER BY ALL"),
    questions: await s.all("SELECT * FROM questions ORDER BY ALL"),
    models: await s.all("SELECT * FROM models ORDER BY ALL"),
  }));

/** Imports `file` both ways into fresh stores; returns both results and whether the stores are equal. */
async function bothWays(dir: string, file: string, options: ImportSamplesOptions) {
  const fast = await importSamplesFile(join(dir, "run-auto"), file, { ...options, staging: "auto" });
  const slow = await importSamplesFile(join(dir, "run-js"), file, { ...options, staging: "js" });
  const [a, b] = [await stored(join(dir, "run-auto")), await stored(join(dir, "run-js"))];
  return { fast, slow, a, b };
}

const line = lmEvalLine;

describe("lm-eval read by DuckDB", () => {
  const plain: Array<[string, (dir: string) => string, ImportSamplesOptions]> = [
    ["two filters per document (the first kept)", lmEvalFile, { model: "m" }],
    ["two filters, --filter picks the second", lmEvalFile, { model: "m", filter: "flexible-extract" }],
    ["repeats > 1 (k responses, extracted answers, no verdict)", lmEvalRepeatsFile, { model: "m" }],
    ["--dataset matching by prompt text (some unmatched)", lmEvalFile, { model: "m", dataset: "DATASET" }],
    ["a seed in the file name (indices offset by seed x k)", (dir) => writeJsonl(dir, "samples_math_seed3_2025.jsonl", [0, 1, 2].map((i) => line(i))), { model: "m" }],
    ["gold after ####, trimmed of Unicode spaces as JavaScript trims", (dir) => writeJsonl(dir, "samples_gsm8k.jsonl", [
      line(0, { target: "1 and 1 make 2\n#### \u00a02\u2003" }), line(1, { target: "#### 12", doc_id: "q-1" }), line(2, { target: 7 }),
    ]), { model: "m" }],
    ["boolean and missing metadata, old-style arguments, a blank line", (dir) => {
      const f = join(dir, "samples_x.jsonl");
      const lines = [line(0, { doc: { question: "Q0?", level: null, subject: true } }), line(1, { arguments: [["Prompt 1", {}]] }), line(2, { doc: {} })];
      writeFileSync(f, [JSON.stringify(lines[0]), "", JSON.stringify(lines[1]), JSON.stringify(lines[2])].join("\n") + "\n");
      return f;
    }, { model: "m" }],
    ["a later document without a prompt field (its question is the request's prompt, read after all)", (dir) => writeJsonl(dir, "samples_noprompt.jsonl", [
      line(0), line(1, { doc: { level: "Level 2" }, arguments: { gen_args_0: { arg_0: "Problem: the request's own text" } } }), line(2),
    ]), { model: "m" }],
  ];
  for (const [what, make, options] of plain) {
    it(`stores what the record path stores: ${what}`, async () => {
      const dir = tmp();
      const opts = options.dataset ? { ...options, dataset: writeDataset(dir) } : options;
      const { fast, slow, a, b } = await bothWays(dir, make(dir), opts);
      expect(fast.reader).toBe("duckdb");
      expect(slow.reader).toBe("records");
      expect({ ...fast, reader: null }).toEqual({ ...slow, reader: null });
      expect(a).toEqual(b);
      expect(a.samples.length).toBeGreaterThan(0);
    });
  }

  it("the values DuckDB computes are the expected ones (not only equal to the other path's)", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "samples_gsm8k.jsonl", [
      line(0, { target: "so\n#### \u00a02\u2003" }), line(1, { resps: [["a", "b"]], filtered_resps: [["x", 5]] }),
    ]);
    const r = await importSamplesFile(join(dir, "run"), file, { model: "m", seedOffset: 2 });
    expect(r).toMatchObject({ reader: "duckdb", lines: 3, questions: 2, seed: null, seed_offset: 2 });
    const { samples, questions } = await stored(join(dir, "run"));
    expect(questions).toEqual([
      { id: "0", prompt: `${QUESTIONS[0].problem} (0)`, answer: "2", meta: JSON.stringify({ level: "Level 1", subject: "Algebra" }) },
      { id: "1", prompt: `${QUESTIONS[1].problem} (1)`, answer: "12", meta: JSON.stringify({ level: "Level 2", subject: "Prealgebra" }) },
    ]);
    expect(samples.map((s) => [s.question_id, s.sample_index, s.text, s.extracted, s.harness_correct, s.verify_status])).toEqual([
      ["0", 2, RESPONSES[0]![0]!.text, "2", true, "imported"],
      // two responses: the document's metric is no per-response verdict
      ["1", 2, "a", "x", null, "unverified"],
      ["1", 3, "b", "5", null, "unverified"],
    ]);
  });

  it("the request's prompt is the question where the document has none, whether or not the first line has one", async () => {
    const dir = tmp();
    const request = { gen_args_0: { arg_0: "Problem: the request's own text" } };
    for (const [name, lines] of [
      ["later", [line(0), line(1, { doc: { level: "Level 2" }, arguments: request })]],
      ["first", [line(1, { doc: { level: "Level 2" }, arguments: request }), line(0)]],
    ] as const) {
      const run = join(dir, `run-${name}`);
      expect((await importSamplesFile(run, writeJsonl(dir, `samples_${name}.jsonl`, [...lines]), { model: "m" })).reader).toBe("duckdb");
      const { questions } = await stored(run);
      expect(questions.map((q) => (q as { prompt: string }).prompt)).toEqual([`${QUESTIONS[0].problem} (0)`, "Problem: the request's own text"]);
    }
  });

  it("a file DuckDB would read differently goes record by record, with the same rows", async () => {
    const dir = tmp();
    // a fractional extracted answer (number texts differ), a line whose metrics differ from the first's
    for (const [name, lines] of [
      ["frac", [line(0), line(1, { filtered_resps: [0.5] })]],
      ["metrics", [line(0), line(1, { metrics: ["exact_match", "other"], other: 1 })]],
      ["absent-metric", [line(0), line(1, { exact_match: undefined, acc: 1 })]],
    ] as const) {
      const sub = join(dir, name);
      const { fast, a, b } = await bothWays(sub, writeJsonl(dir, `samples_${name}.jsonl`, [...lines]), { model: "m" });
      expect([name, fast.reader]).toEqual([name, "records"]);
      expect(a).toEqual(b);
    }
  });

  it("errors name the file and line as the record path words them, and nothing lands", async () => {
    const dir = tmp();
    const cases: Array<[string, string, RegExp]> = [
      ["malformed", [JSON.stringify(line(0)), "{not json"].join("\n"), /samples_malformed\.jsonl:2: malformed JSON/],
      ["no-resps", [JSON.stringify(line(0)), "", JSON.stringify(line(1, { resps: undefined }))].join("\n"), /samples_no-resps\.jsonl:3: field "resps": is missing/],
      ["not-object", [JSON.stringify(line(0)), "[1, 2]"].join("\n"), /samples_not-object\.jsonl:2: not a JSON object/],
      ["two-golds", [JSON.stringify(line(0)), "", JSON.stringify(line(0, { target: "3" }))].join("\n"), /samples_two-golds\.jsonl:3: question 0 has answer "3" but line 1 gave "2"/],
    ];
    for (const [name, text, error] of cases) {
      const file = join(dir, `samples_${name}.jsonl`);
      writeFileSync(file, text + "\n");
      const run = join(dir, `run-${name}`);
      await expect(importSamplesFile(run, file, { model: "m" })).rejects.toThrow(error);
      expect((await stored(run)).samples).toEqual([]);
    }
  });

  it("re-import is a no-op; a changed response is a clash at its true line (after a blank line)", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const lines = [0, 1, 2].map((i) => JSON.stringify(line(i)));
    const file = join(dir, "samples_a.jsonl");
    writeFileSync(file, lines.join("\n\n") + "\n");
    expect(await importSamplesFile(run, file, { model: "m" })).toMatchObject({ reader: "duckdb", inserted: 3 });
    expect(await importSamplesFile(run, file, { model: "m" })).toMatchObject({ reader: "duckdb", inserted: 0, unchanged: 3 });
    const changed = join(dir, "samples_b.jsonl");
    writeFileSync(changed, [lines[0], "", lines[1], "", JSON.stringify(line(2, { resps: [["other"]] }))].join("\n") + "\n");
    await expect(importSamplesFile(run, changed, { model: "m" })).rejects.toThrow(/samples_b\.jsonl:5: sample \(model m, question 2, index 0\) is already in the store with different values/);
  });
});

/** One Qwen eval line (math_eval.py's fields, see qwen.ts), fields overridable. */
const qwenLine = (i: number, over: Record<string, unknown> = {}) => ({
  idx: i, question: QUESTIONS[i % 3]!.problem, gt: QUESTIONS[i % 3]!.answer, level: QUESTIONS[i % 3]!.level, subject: QUESTIONS[i % 3]!.subject,
  code: RESPONSES[i % 3]!.map((r) => r.text), pred: RESPONSES[i % 3]!.map((r) => r.extracted), score: RESPONSES[i % 3]!.map((r) => r.harness), ...over,
});

describe("Qwen eval files read by DuckDB", () => {
  const plain: Array<[string, (dir: string) => string, ImportSamplesOptions]> = [
    ["a seed file (offset seed x k, finish_reason kept)", (dir) => qwenSeedFile(dir, 2), { model: "q" }],
    ["no pred/score, a null finish_reason entry, an empty code list, problem instead of question", (dir) => writeJsonl(dir, "q.jsonl", [
      qwenLine(0, { pred: undefined, score: null, finish_reason: ["stop", null] }), qwenLine(1, { code: [], pred: [], score: [] }),
      qwenLine(2, { question: undefined, problem: "P?", pred: ["1", 2] }),
    ]), { model: "q" }],
    ["--id-field and --dataset", (dir) => writeJsonl(dir, "q.jsonl", QUESTIONS.map((q, i) => qwenLine(i, { unique_id: q.unique_id }))), { model: "q", idField: "unique_id", dataset: "DATASET" }],
  ];
  for (const [what, make, options] of plain) {
    it(`stores what the record path stores: ${what}`, async () => {
      const dir = tmp();
      const opts = options.dataset ? { ...options, dataset: writeDataset(dir) } : options;
      const { fast, slow, a, b } = await bothWays(dir, make(dir), opts);
      expect([fast.reader, slow.reader]).toEqual(["duckdb", "records"]);
      expect({ ...fast, reader: null }).toEqual({ ...slow, reader: null });
      expect(a).toEqual(b);
    });
  }

  it("the values are the expected ones, and odd lines go record by record or fail as there", async () => {
    const dir = tmp();
    const r = await importSamplesFile(join(dir, "run"), qwenSeedFile(dir, 1), { model: "q" });
    expect(r).toMatchObject({ reader: "duckdb", lines: 6, questions: 3, seed_offset: 2 });
    const rows = await withStore(join(dir, "run"), {}, (s) => s.all<{ i: number; text: string; e: string; h: boolean; f: string }>(
      "SELECT sample_index AS i, text, extracted AS e, harness_correct AS h, finish_reason AS f FROM samples WHERE question_id = '0' ORDER BY i"));
    const rs = [...RESPONSES[0]!].reverse();
    expect(rows).toEqual(rs.map((x, j) => ({ i: 2 + j, text: x.text, e: x.extracted, h: x.harness, f: "stop" })));
    // a fractional pred (number texts differ): record by record, same rows
    const frac = await bothWays(join(dir, "frac"), writeJsonl(dir, "frac.jsonl", [qwenLine(0, { pred: [0.5, "x"] })]), { model: "q" });
    expect(frac.fast.reader).toBe("records");
    expect(frac.a).toEqual(frac.b);
    // a score that is no boolean: the record path's error
    await expect(importSamplesFile(join(dir, "bad"), writeJsonl(dir, "bad.jsonl", [qwenLine(0), qwenLine(1, { score: [1, 0] })]), { model: "q" }))
      .rejects.toThrow(/bad\.jsonl:2: field "score\[0\]": must be true or false/);
  });
});

describe("lm-eval's two SQL readings", () => {
  const reading = async (dir: string, file: string, needsInput = false) => {
    const ctx: FormatContext = { file, filter: null, skipped: 0, needsInput };
    await withStore(join(dir, "probe"), { create: true }, (s) => lmEvalInDuckDb(s, file, ctx));
    return ctx.reading;
  };
  it("the tracker's shape is read typed, other shapes the general way, both storing what the record path stores", async () => {
    const dir = tmp();
    const cases: Array<[string, unknown[], "typed" | "general"]> = [
      // escapes and non-ASCII in responses and prompts, a 1.0 verdict, integer/boolean metadata, a numeric target
      ["typed", [
        line(0, { resps: [["tab\there \"q\" \u00e9 \ud83d\ude00 back\\slash"]], doc: { problem: "P\u00e9 \"x\"", level: 3, type: false }, doc_id: -0 }),
        line(1, { exact_match: 1.0 }), line(2, { doc: { question: "Q?", subject: "S", type: "T" }, target: 12 }),
      ], "typed"],
      // one response not in a list (the typed reading declares resps a list of lists)
      ["general", [line(0), line(1, { resps: [RESPONSES[1]![0]!.text] })], "general"],
      // old-style arguments: not read where the documents have prompts (and no --dataset needs them)
      ["old-arguments", [line(0), line(1, { arguments: [["Prompt 1", {}]] })], "typed"],
    ];
    for (const [name, lines, expected] of cases) {
      const file = writeJsonl(dir, `samples_${name}.jsonl`, lines);
      expect([name, await reading(dir, file)]).toEqual([name, expected]);
      if (name === "old-arguments") expect(await reading(dir, file, true)).toBe("general");
      const { fast, slow, a, b } = await bothWays(join(dir, name), file, { model: "m" });
      expect([name, fast.reader, slow.reader]).toEqual([name, "duckdb", "records"]);
      expect(a).toEqual(b);
    }
  });
});
