/**
 * Results files as each harness writes them, built from the field names of the harness's own writer code (cited
 * in each format's file under src/store/formats/). Three questions; each response's truth is known by hand, and
 * some harness verdicts are deliberately wrong so the harness-vs-rlvd agreement has something to find.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { writeJsonl } from "./tmp.js";

export const QUESTIONS = [
  { unique_id: "test/algebra/1.json", problem: "What is $1+1$?", answer: "2", subject: "Algebra", level: 1 },
  { unique_id: "test/prealgebra/2.json", problem: "Compute $3 \\times 4$.", answer: "12", subject: "Prealgebra", level: 2 },
  { unique_id: "test/algebra/3.json", problem: "What is $\\frac{1}{2} + \\frac{1}{4}$?", answer: "\\frac{3}{4}", subject: "Algebra", level: 3 },
] as const;

/**
 * Responses per question, with the harness's verdict and the truth (what rlvd's verifier says).
 * - q0 "0.75"-style: rlvd accepts an equivalent form the harness's string match rejects;
 * - "13 ... 12": the harness read the last number, the boxed answer is 13: the harness is wrong the other way.
 */
export const RESPONSES: ReadonlyArray<ReadonlyArray<{ text: string; harness: boolean; truth: boolean; extracted: string }>> = [
  [
    { text: "1+1 is two, so the answer is $\\boxed{2}$.", harness: true, truth: true, extracted: "2" },
    { text: "Adding gives $\\boxed{3}$.", harness: false, truth: false, extracted: "3" },
  ],
  [
    { text: "Three fours are $\\boxed{12}$.", harness: true, truth: true, extracted: "12" },
    { text: "I get $\\boxed{13}$, which is 12 less one... 12", harness: true, truth: false, extracted: "12" },
  ],
  [
    { text: "The sum is $\\boxed{0.75}$.", harness: false, truth: true, extracted: "0.75" },
    { text: "The sum is $\\boxed{\\frac{3}{4}}$.", harness: true, truth: true, extracted: "\\frac{3}{4}" },
  ],
];

/** Hand count over RESPONSES: the harness and the truth agree on 4 of 6; 1 harness-only, 1 rlvd-only. */
export const AGREEMENT = { compared: 6, agree: 4, harness_only: 1, rlvd_only: 1 };

const chat = (q: string) => `<|im_start|>system\nPlease reason step by step.<|im_end|>\n<|im_start|>user\n${q}<|im_end|>\n<|im_start|>assistant\n`;

export function writeDataset(dir: string): string {
  return writeJsonl(dir, "math500.jsonl", QUESTIONS.map((q) => ({ ...q, solution: "..." })));
}

/** One lm-eval `--log_samples` line (one document) in the shape evaluation_tracker.py writes (see
 *  store/formats/lm-eval.ts), with document docId's question and first response; fields overridable. */
export function lmEvalLine(docId: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const q = QUESTIONS[docId % 3]!;
  const r = RESPONSES[docId % 3]![0]!;
  return {
    doc_id: docId, doc: { problem: `${q.problem} (${docId})`, level: `Level ${q.level}`, type: q.subject }, target: q.answer,
    arguments: { gen_args_0: { arg_0: `Problem: ${q.problem}`, arg_1: { until: [] } } }, resps: [[r.text]], filtered_resps: [r.extracted],
    filter: "strict-match", metrics: ["exact_match"], doc_hash: "d", prompt_hash: "p", target_hash: "t", exact_match: r.harness ? 1 : 0, ...over,
  };
}

/** lm-eval samples file, k = 1, with two filters per document (as gsm8k/hendrycks tasks write). */
export function lmEvalFile(dir: string): string {
  const lines: unknown[] = [];
  QUESTIONS.forEach((q, docId) => {
    for (const filter of ["strict-match", "flexible-extract"]) {
      const r = RESPONSES[docId]![0]!;
      lines.push({
        doc_id: docId, doc: { problem: q.problem, solution: "...", answer: q.answer, level: `Level ${q.level}`, type: q.subject },
        target: q.answer, arguments: { gen_args_0: { arg_0: `Problem: ${q.problem}\nAnswer:`, arg_1: { until: ["Problem:"], do_sample: false } } },
        resps: [[r.text]], filtered_resps: [filter === "strict-match" ? r.extracted : "[invalid]"], filter, metrics: ["exact_match"],
        doc_hash: "d" + docId, prompt_hash: "p" + docId, target_hash: "t" + docId, exact_match: filter === "strict-match" ? (r.harness ? 1.0 : 0.0) : 0.0,
      });
    }
  });
  return writeJsonl(dir, "samples_hendrycks_math500_2025-01-01T00-00-00.jsonl", lines);
}

/** lm-eval with `repeats: 2`: one request per document whose resps hold both responses; metric per document. */
export function lmEvalRepeatsFile(dir: string): string {
  return writeJsonl(dir, "samples_math500_repeats_2025-01-01.jsonl", QUESTIONS.map((q, docId) => ({
    doc_id: docId, doc: { problem: q.problem, answer: q.answer }, target: q.answer,
    arguments: { gen_args_0: { arg_0: q.problem, arg_1: { until: [], do_sample: true, temperature: 0.6 } } },
    resps: [RESPONSES[docId]!.map((r) => r.text)], filtered_resps: [RESPONSES[docId]!.map((r) => r.extracted)], filter: "maj@2-extract",
    metrics: ["exact_match"], doc_hash: "d", prompt_hash: "p", target_hash: "t", exact_match: RESPONSES[docId]!.filter((r) => r.harness).length / 2,
  })));
}

/** Writes records to Parquet through DuckDB (structs and lists become nested columns, as datasets.to_parquet does). */
export async function writeParquet(dir: string, name: string, rows: unknown[]): Promise<string> {
  const ndjson = writeJsonl(dir, name + ".ndjson", rows);
  const file = join(dir, name);
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  await db.run(`COPY (SELECT * FROM read_json(?, format = 'newline_delimited')) TO '${file}' (FORMAT parquet)`, [ndjson]);
  db.closeSync();
  instance.closeSync();
  return file;
}

/** lighteval <= 0.9 details (Detail dataclass fields), one row per document, both responses as predictions (n = 2). */
export function lightevalOldRows(): unknown[] {
  return QUESTIONS.map((q, i) => ({
    example: q.problem, instruction: "", full_prompt: `Question: ${q.problem}\nAnswer:`, num_effective_few_shots: 0, num_asked_few_shots: 0,
    predictions: [RESPONSES[i]![0]!.text], input_tokens: [1, 2], cont_tokens: [3], truncated: [0], padded: [0], gold: [q.answer],
    choices: [q.answer], gold_index: [0], metrics: { qem: RESPONSES[i]![0]!.harness ? 1 : 0 }, specifics: { extracted: RESPONSES[i]![0]!.extracted },
  }));
}

/** lighteval >= 0.10 details: {doc, model_response, metric}, one response per document. */
export function lightevalRows(): unknown[] {
  return QUESTIONS.flatMap((q, i) => RESPONSES[i]!.slice(1).map((r) => ({
    doc: { query: q.problem, choices: [q.answer], gold_index: 0, instruction: "", task_name: "lighteval|math_500|0", id: "" , num_samples: 1 },
    model_response: { input: chat(q.problem), text: [r.text], output_tokens: [[1, 2, 3]], text_post_processed: null, reasonings: [], truncated_tokens_count: 0, padded_tokens_count: 0 },
    metric: { extractive_match: r.harness ? 1.0 : 0.0 },
  })));
}

/** A verl validation dump `<step>.jsonl`: val n = 2, consecutive lines per prompt, DAPO scorer extras acc/pred. */
export function verlDumpFile(dir: string, step: number): string {
  const lines = QUESTIONS.flatMap((q, i) => RESPONSES[i]!.map((r) => ({
    input: chat(`${q.problem} Let's think step by step and output the final answer within \\boxed{}.`), output: r.text, gts: q.answer,
    score: r.harness ? 1.0 : -1.0, step, acc: r.harness, pred: r.extracted,
  })));
  return writeJsonl(dir, `${step}.jsonl`, lines);
}

/** verl main_generation output: the RL dataset's columns plus responses[n_samples]. */
export function verlGenerationRows(): unknown[] {
  return QUESTIONS.map((q, i) => ({
    data_source: "HuggingFaceH4/MATH-500", prompt: [{ role: "user", content: q.problem }], ability: "math",
    reward_model: { style: "rule", ground_truth: q.answer }, extra_info: { split: "test", index: i, level: q.level, subject: q.subject },
    responses: RESPONSES[i]!.map((r) => r.text),
  }));
}

/** OpenRLHF batch_generate_vllm with best_of_n = 2: `prompts * N`, so all prompts, then all prompts again; one prompt not in the dataset. */
export function openrlhfFile(dir: string): string {
  const prompts = [...QUESTIONS.map((q) => `User: ${q.problem}\nAssistant:`), "User: Name a prime.\nAssistant:"];
  const extra = ["2 is prime.", "3 is prime."];
  const lines = [0, 1].flatMap((round) => prompts.map((input, i) => ({ input, output: i < 3 ? RESPONSES[i]![round]!.text : extra[round]! })));
  return writeJsonl(dir, "openrlhf-output.jsonl", lines);
}

/** SkyThought results.json: id -> dataset row + prompt, input_conversation, responses[], token_usages[]. */
export function skythoughtFile(dir: string): string {
  const doc = Object.fromEntries(QUESTIONS.map((q, i) => [q.unique_id, {
    problem: q.problem, answer: q.answer, unique_id: q.unique_id, subject: q.subject, level: q.level, _index: i,
    prompt: q.problem, input_conversation: [{ role: "system", content: "..." }, { role: "user", content: q.problem }],
    responses: RESPONSES[i]!.map((r) => ({ content: r.text, correctness: r.harness, reason: "" })),
    token_usages: RESPONSES[i]!.map((_, j) => ({ completion_tokens: 10 * (i + 1) + j, prompt_tokens: 20 })),
  }]));
  const file = join(dir, "results.json");
  writeFileSync(file, JSON.stringify(doc, null, 4));
  return file;
}

/** evalchemy AIME24-style results: {"examples": [row + model_outputs[], model_answers[]]} (no per-response verdict). */
export function evalchemyFile(dir: string): string {
  const file = join(dir, "evalchemy-results.json");
  writeFileSync(file, JSON.stringify({
    examples: QUESTIONS.map((q, i) => ({
      id: 60 + i, problem: q.problem, reference_solution: "...", expected_answer: q.answer, source: "aime",
      model_outputs: RESPONSES[i]!.map((r) => r.text), model_answers: RESPONSES[i]!.map((r) => r.extracted),
    })),
    num_total: 3, accuracy_avg: 0.5,
  }));
  return file;
}

/** A Qwen2.5-Math / limit-of-RLVR eval file of one seed (responses `seed`-th of the pair first). */
export function qwenSeedFile(dir: string, seed: number): string {
  return writeJsonl(dir, `test_qwen25-math-cot_-1_seed${seed}_t0.6_s0_e-1.jsonl`, QUESTIONS.map((q, i) => {
    const rs = seed === 0 ? RESPONSES[i]! : [...RESPONSES[i]!].reverse();
    return {
      idx: i, question: q.problem, gt: q.answer, level: `Level ${q.level}`, type: q.subject,
      code: rs.map((r) => r.text), pred: rs.map((r) => r.extracted), score: rs.map((r) => r.harness), finish_reason: rs.map(() => "stop"),
    };
  }));
}
