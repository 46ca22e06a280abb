import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verify } from "../../verify/verify.js";
import { reportContent } from "../../report/report.js";
import {
  QUESTIONS, RESPONSES, evalchemyFile, lightevalOldRows, lightevalRows, lmEvalFile, lmEvalRepeatsFile, openrlhfFile, qwenSeedFile,
  skythoughtFile, verlDumpFile, verlGenerationRows, writeDataset, writeParquet,
} from "../../test-helpers/harness-fixtures.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";
import { applyGrades } from "../grades.js";
import { importSamplesFile } from "../import-samples.js";
import { withStore } from "../store.js";

const tmp = useTmpDirs();

/** Grades every stored sample with rlvd's verifier (what `import --regrade` does), so both verdicts exist. */
async function regrade(run: string): Promise<void> {
  await withStore(run, {}, async (store) => {
    const rows = await store.all<{ model: string; question_id: string; sample_index: number; text: string; gold: string }>(
      "SELECT s.model, s.question_id, s.sample_index, s.text, q.answer AS gold FROM samples s JOIN questions q ON q.id = s.question_id WHERE q.answer IS NOT NULL",
    );
    await applyGrades(store, rows.map((r) => {
      const v = verify(r.gold, r.text);
      return { model: r.model, question_id: r.question_id, sample_index: r.sample_index, correct: v.correct, extracted: v.extracted, status: v.status };
    }));
  });
}

const perQuestion = (run: string) =>
  withStore(run, {}, (s) => s.all<{ model: string; question_id: string; k: number; answer: string | null }>(
    `SELECT s.model, s.question_id, count(*)::INTEGER AS k, any_value(q.answer) AS answer FROM samples s JOIN questions q ON q.id = s.question_id
      GROUP BY ALL ORDER BY ALL`,
  ));

/** Expected agreement over the responses a fixture used, counted from its hand-set flags. */
function expectedAgreement(used: Array<{ harness: boolean; truth: boolean }>) {
  return {
    harness_verdicts: used.length, compared: used.length, agree: used.filter((r) => r.harness === r.truth).length,
    harness_only: used.filter((r) => r.harness && !r.truth).length, rlvd_only: used.filter((r) => !r.harness && r.truth).length,
  };
}

/** The report's harness table rows for agreements already checked against the fixtures' hand-set flags. */
const tableRows = (rows: Array<ReturnType<typeof expectedAgreement> & { model: string; agreement: number | null }>) =>
  rows.map((a) => [a.model, String(a.harness_verdicts), String(a.compared), a.agreement!.toFixed(3), String(a.compared - a.agree), String(a.harness_only), String(a.rlvd_only)]);

/** Imports, regrades, analyses and builds the report; returns the harness table rows and the analysis' agreement. */
async function roundTrip(run: string) {
  await regrade(run);
  const content = await reportContent(run);
  return { agreement: content.analysis.harness_agreement ?? [], table: content.tables.harness, series: content.analysis.series };
}

describe("harness formats", () => {
  it("lm-eval --log_samples: detected, one filter kept, gold from target, k = 1, harness verdict from exact_match", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, lmEvalFile(dir), { model: "qwen-math" });
    expect(r).toMatchObject({ format: "lm-eval", detected: true, lines: 3, questions: 3, inserted: 3, skipped: 3 });
    expect(await perQuestion(run)).toEqual(QUESTIONS.map((q, i) => ({ model: "qwen-math", question_id: String(i), k: 1, answer: q.answer })));
    const { agreement, table } = await roundTrip(run);
    // first responses: q0 right/right, q1 right/right, q2 harness wrong / rlvd right (0.75 = 3/4)
    expect(agreement).toEqual([{ model: "qwen-math", ...expectedAgreement(RESPONSES.map((rs) => rs[0]!)), agreement: 2 / 3 }]);
    expect(table!.rows[0]).toEqual(["qwen-math", "3", "3", "0.667", "1", "0", "1"]);
    // re-import is a no-op
    expect(await importSamplesFile(run, lmEvalFile(dir), { model: "qwen-math" })).toMatchObject({ inserted: 0, unchanged: 3 });
  });

  it("lm-eval with repeats > 1: k responses per document, no per-response harness verdict, extracted answers kept", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, lmEvalRepeatsFile(dir), { model: "m" });
    expect(r).toMatchObject({ format: "lm-eval", lines: 6, questions: 3 });
    expect((await perQuestion(run)).map((q) => q.k)).toEqual([2, 2, 2]);
    const stored = await withStore(run, {}, (s) => s.all<{ extracted: string; h: boolean | null; correct: boolean | null }>(
      "SELECT extracted, harness_correct AS h, correct FROM samples ORDER BY question_id, sample_index"));
    expect(stored.map((s) => s.extracted)).toEqual(RESPONSES.flat().map((x) => x.extracted));
    expect(stored.every((s) => s.h === null && s.correct === null)).toBe(true);
    const { agreement, table } = await roundTrip(run);
    expect(agreement).toEqual([]);
    expect(table).toBeNull();
  });

  it("lighteval details parquet, old layout (example/predictions/gold/metrics)", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, await writeParquet(dir, "details_math_500.parquet", lightevalOldRows()), { model: "m" });
    expect(r).toMatchObject({ format: "lighteval-old", detected: true, lines: 3, questions: 3 });
    const rows = await perQuestion(run);
    expect(rows.map((q) => q.k)).toEqual([1, 1, 1]);
    expect(rows.map((q) => q.answer).sort()).toEqual(QUESTIONS.map((q) => q.answer).sort());
    const { agreement, table } = await roundTrip(run);
    expect(agreement).toEqual([{ model: "m", ...expectedAgreement(RESPONSES.map((rs) => rs[0]!)), agreement: 2 / 3 }]);
    expect(table!.rows).toEqual(tableRows(agreement));
  });

  it("lighteval details parquet, new layout (doc/model_response/metric), matched to a dataset by prompt text", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const file = await writeParquet(dir, "details_math_500_new.parquet", lightevalRows());
    const r = await importSamplesFile(run, file, { model: "m", dataset: writeDataset(dir) });
    expect(r).toMatchObject({ format: "lighteval", lines: 3, questions: 3, matched: 3, unmatched_count: 0 });
    expect(await perQuestion(run)).toEqual(QUESTIONS.map((q) => ({ model: "m", question_id: q.unique_id, k: 1, answer: q.answer })).sort((a, b) => a.question_id.localeCompare(b.question_id)));
    const meta = await withStore(run, {}, (s) => s.all<{ meta: string }>("SELECT meta FROM questions WHERE id = 'test/algebra/3.json'"));
    expect(JSON.parse(meta[0]!.meta)).toMatchObject({ level: 3, subject: "Algebra" });
    const used = RESPONSES.map((rs) => rs[1]!);
    const { agreement, table } = await roundTrip(run);
    const e = expectedAgreement(used);
    expect(agreement).toEqual([{ model: "m", ...e, agreement: e.agree / e.compared }]);
    expect(table!.rows).toEqual(tableRows(agreement));
  });

  it("verl validation dumps: the step joins the model name and lands as a series with the step as a number; ids derived from the prompt match across steps", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const a = await importSamplesFile(run, verlDumpFile(dir, 50), { model: "grpo" });
    const b = await importSamplesFile(run, verlDumpFile(dir, 100), { model: "grpo" });
    expect(a).toMatchObject({ format: "verl-dump", models: ["grpo@step-50"], lines: 6, questions: 3 });
    expect(b).toMatchObject({ models: ["grpo@step-100"], inserted: 6 });
    const rows = await perQuestion(run);
    expect(rows.map((q) => q.k)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(new Set(rows.map((q) => q.question_id)).size).toBe(3);
    expect(rows.map((q) => q.answer).sort()).toEqual([...QUESTIONS, ...QUESTIONS].map((q) => q.answer).sort());
    const models = await withStore(run, {}, (s) => s.all<{ name: string; meta: string }>("SELECT name, meta FROM models ORDER BY name"));
    expect(models.map((m) => [m.name, JSON.parse(m.meta)])).toEqual([["grpo@step-100", { series: { name: "grpo", step: 100 } }], ["grpo@step-50", { series: { name: "grpo", step: 50 } }]]);
    const { agreement, table, series } = await roundTrip(run);
    expect(series!.grpo!.map((e) => [e.model, e.step, e.questions])).toEqual([["grpo@step-50", 50, 3], ["grpo@step-100", 100, 3]]);
    const e = expectedAgreement(RESPONSES.flat());
    expect(agreement).toEqual(["grpo@step-100", "grpo@step-50"].map((model) => ({ model, ...e, agreement: e.agree / e.compared })));
    expect(table!.rows).toEqual(tableRows(agreement));
  });

  it("verl main_generation parquet: responses[n] per dataset row, gold from reward_model, no harness verdict", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, await writeParquet(dir, "gen.parquet", verlGenerationRows()), { model: "m" });
    expect(r).toMatchObject({ format: "verl-generation", lines: 6, questions: 3 });
    expect(await perQuestion(run)).toEqual(QUESTIONS.map((q, i) => ({ model: "m", question_id: `HuggingFaceH4/MATH-500/${i}`, k: 2, answer: q.answer })));
    // no harness verdicts: nothing to compare, and the report has no table
    expect(await roundTrip(run)).toEqual({ agreement: [], table: null });
    const correct = await withStore(run, {}, (s) => s.all<{ c: boolean }>("SELECT correct AS c FROM samples ORDER BY question_id, sample_index"));
    expect(correct.map((x) => x.c)).toEqual(RESPONSES.flat().map((x) => x.truth));
  });

  it("OpenRLHF batch_inference: best_of_n lines per prompt, gold from --dataset by containment, the unmatched prompt listed", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, openrlhfFile(dir), { model: "m", dataset: writeDataset(dir) });
    expect(r).toMatchObject({ format: "openrlhf", lines: 8, questions: 4, matched: 3, unmatched_count: 1 });
    expect(r.unmatched).toEqual([expect.stringMatching(/^p-[0-9a-f]{16} \("User: Name a prime\. Assistant:"\)$/)]);
    const rows = await perQuestion(run);
    expect(rows.map((q) => q.k)).toEqual([2, 2, 2, 2]);
    expect(rows.filter((q) => q.answer !== null).map((q) => q.question_id).sort()).toEqual(QUESTIONS.map((q) => q.unique_id).sort());
    expect(await roundTrip(run)).toEqual({ agreement: [], table: null });
    const correct = await withStore(run, {}, (s) => s.all<{ q: string; c: boolean }>(
      "SELECT question_id AS q, correct AS c FROM samples WHERE question_id LIKE 'test/%' ORDER BY question_id, sample_index"));
    const byId = new Map(QUESTIONS.map((q, i) => [q.unique_id, RESPONSES[i]!]));
    expect(correct.map((x) => x.c)).toEqual([...byId.keys()].sort().flatMap((id) => byId.get(id)!.map((x) => x.truth)));
  });

  it("SkyThought results.json: ids from the keys, verdicts from correctness, tokens from token_usages", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, skythoughtFile(dir), { model: "sky" });
    expect(r).toMatchObject({ format: "skythought", detected: true, lines: 6, questions: 3 });
    const rows = await perQuestion(run);
    expect(rows).toEqual(QUESTIONS.map((q) => ({ model: "sky", question_id: q.unique_id, k: 2, answer: q.answer })).sort((a, b) => a.question_id.localeCompare(b.question_id)));
    const tokens = await withStore(run, {}, (s) => s.all<{ n: number }>("SELECT n_tokens AS n FROM samples WHERE question_id = 'test/algebra/3.json' ORDER BY sample_index"));
    expect(tokens.map((t) => t.n)).toEqual([30, 31]);
    const { agreement, table } = await roundTrip(run);
    const e = expectedAgreement(RESPONSES.flat());
    expect(agreement).toEqual([{ model: "sky", ...e, agreement: e.agree / e.compared }]);
    expect(table!.rows[0]!.slice(4)).toEqual([String(e.compared - e.agree), String(e.harness_only), String(e.rlvd_only)]);
  });

  it("evalchemy: examples[] with model_outputs[] and model_answers[]", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await importSamplesFile(run, evalchemyFile(dir), { model: "m" });
    expect(r).toMatchObject({ format: "evalchemy", lines: 6, questions: 3 });
    expect(await perQuestion(run)).toEqual(QUESTIONS.map((q, i) => ({ model: "m", question_id: String(60 + i), k: 2, answer: q.answer })));
    const answers = await withStore(run, {}, (s) => s.all<{ e: string }>("SELECT extracted AS e FROM samples ORDER BY question_id, sample_index"));
    expect(answers.map((a) => a.e)).toEqual(RESPONSES.flat().map((x) => x.extracted));
    expect(await roundTrip(run)).toEqual({ agreement: [], table: null });
  });

  it("Qwen eval files of several seeds: sample indices offset by seed x k (automatic), finish_reason kept, re-import a no-op", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const s0 = await importSamplesFile(run, qwenSeedFile(dir, 0), { model: "qwen" });
    const s1 = await importSamplesFile(run, qwenSeedFile(dir, 1), { model: "qwen" });
    expect(s0).toMatchObject({ format: "qwen", seed: 0, seed_offset: 0, inserted: 6 });
    expect(s1).toMatchObject({ seed: 1, seed_offset: 2, inserted: 6 });
    expect(await importSamplesFile(run, qwenSeedFile(dir, 1), { model: "qwen" })).toMatchObject({ inserted: 0, unchanged: 6 });
    const rows = await perQuestion(run);
    expect(rows.map((q) => [q.question_id, q.k, q.answer])).toEqual(QUESTIONS.map((q, i) => [String(i), 4, q.answer]));
    const stored = await withStore(run, {}, (s) => s.all<{ i: number; seed: number; f: string }>(
      "SELECT sample_index AS i, seed::INTEGER AS seed, finish_reason AS f FROM samples WHERE question_id = '0' ORDER BY sample_index"));
    expect(stored).toEqual([{ i: 0, seed: 0, f: "stop" }, { i: 1, seed: 0, f: "stop" }, { i: 2, seed: 1, f: "stop" }, { i: 3, seed: 1, f: "stop" }]);
    const { agreement, table } = await roundTrip(run);
    const e = expectedAgreement([...RESPONSES.flat(), ...RESPONSES.flat()]);
    expect(agreement).toEqual([{ model: "qwen", ...e, agreement: e.agree / e.compared }]);
    expect(table!.rows).toEqual(tableRows(agreement));
  });

  it("a second seed with the offset switched off clashes, and the error says how to fix it", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, qwenSeedFile(dir, 0), { model: "qwen" });
    await expect(importSamplesFile(run, qwenSeedFile(dir, 1), { model: "qwen", seedOffset: 0 })).rejects.toThrow(
      /seed1_t0\.6_s0_e-1\.jsonl:1: sample \(model qwen, question 0, index \d\) is already in the store with different values \(another seed of the same model\? pass --seed-offset N\)/,
    );
    expect(await importSamplesFile(run, qwenSeedFile(dir, 1), { model: "qwen", seedOffset: 10 })).toMatchObject({ seed_offset: 10, inserted: 6 });
  });
});

describe("format detection", () => {
  it("names the closest format and the field it lacks", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "x.jsonl", [{ doc_id: 0, doc: {}, target: "1", resps: [["a"]] }]);
    await expect(importSamplesFile(join(dir, "run"), file, { model: "m" })).rejects.toThrow(
      /x\.jsonl:1: matches no known format; closest is lm-eval \(missing field "filtered_resps"\); name one with --format/,
    );
  });

  it("--format forces a format; a harness format without --model is a usage error", async () => {
    const dir = tmp();
    const file = verlDumpFile(dir, 7);
    expect(await importSamplesFile(join(dir, "run"), file, { model: "m", format: "openrlhf" })).toMatchObject({ format: "openrlhf", detected: false, models: ["m"] });
    await expect(importSamplesFile(join(dir, "run2"), file)).rejects.toThrow(/7\.jsonl: the verl-dump format has no model name; pass --model NAME/);
  });

  it("one question with two gold answers in a file is an error naming both lines", async () => {
    const dir = tmp();
    const lines = [
      { input: "q", output: "a", gts: "1", score: 1, step: 1 },
      { input: "other", output: "a", gts: "5", score: 1, step: 1 },
      { input: "q", output: "b", gts: "2", score: 0, step: 1 },
    ];
    await expect(importSamplesFile(join(dir, "run"), writeJsonl(dir, "1.jsonl", lines), { model: "m" })).rejects.toThrow(
      /1\.jsonl:3: question p-[0-9a-f]{16} has answer "2" but line 1 gave "1"/,
    );
  });

  it("a bad record is file:line with the field, and nothing lands", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const lines = [
      { input: "a", output: "x", gts: "1", score: 1, step: 3 },
      { input: "b", output: 5, gts: "1", score: 1, step: 3 },
    ];
    await expect(importSamplesFile(run, writeJsonl(dir, "3.jsonl", lines), { model: "m" })).rejects.toThrow(/3\.jsonl:2: field "output": must be a string/);
    await importSamplesFile(run, lmEvalFile(dir), { model: "ok" });
    expect(await withStore(run, {}, (s) => s.all<{ model: string }>("SELECT DISTINCT model FROM samples"))).toEqual([{ model: "ok" }]);
  });
});
