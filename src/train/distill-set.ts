import { writeFile, rename } from "node:fs/promises";
import { RlvdError } from "../core/errors.js";
import { recordInManifest } from "../core/run-folder.js";
import { binIndex, studyBins } from "../metrics/bins.js";
import { correctResponses, questionResults } from "../store/queries.js";
import { withStore } from "../store/store.js";

export type DistillSetOptions = {
  /** the model whose correct responses are taken */
  from: string;
  /** at most this many responses per question */
  perQuestion: number;
  /** the model whose results the filters read (default: "base" when the store has it) */
  base?: string;
  /** keep questions whose base accuracy c/n lies in [min, max] */
  minBaseAccuracy?: number;
  maxBaseAccuracy?: number;
  /** keep questions in these base bins (labels as `rlvd analyze` prints them, e.g. "193-256") */
  bins?: string[];
  /**
   * each response text at most once per question (the first sample index of its copies stands for them), so up
   * to `perQuestion` distinct correct responses. Off by default: the study takes "up to 8 correct responses per
   * question" from the model's samples (PAPER.md, experiment 3), copies included, which is what rejection
   * sampling from the model's own distribution gives.
   */
  distinct?: boolean;
  /** makes the choice among a question's correct responses (deterministic for a given seed) */
  seed?: number;
};

export type DistillExample = { question_id: string; prompt: string; completion: string; model: string; sample_index: number };

/** What a distillation set holds: examples, questions, and distinct (question, response) pairs among them. */
export type DistillSetStats = { examples: number; questions: number; distinct: number };

/**
 * Counts a set's examples, questions and distinct (question, completion) pairs. A confident model repeats its
 * response: without `distinct`, most of its set can be copies (issue 18: 13-15% of RL's examples were distinct
 * in the quick and full runs, against 27-29% of the base's), so the count says how much a set really holds.
 */
export function distillSetStats(examples: readonly Pick<DistillExample, "question_id" | "completion">[]): DistillSetStats {
  const questions = new Set<string>();
  const pairs = new Set<string>();
  for (const e of examples) {
    questions.add(e.question_id);
    pairs.add(`${e.question_id}\u0000${e.completion}`);
  }
  return { examples: examples.length, questions: questions.size, distinct: pairs.size };
}

/**
 * Rejection-sampled SFT data from stored samples: for each question, up to `perQuestion` of `from`'s correct
 * responses, chosen by a seeded hash of (question, sample index) so the same settings always give the same set.
 * Filters on the base model's per-question results select, e.g., only questions the base already solves
 * (the study's "reasoning patterns only" distillation).
 */
export async function buildDistillSet(runDir: string, options: DistillSetOptions): Promise<DistillExample[]> {
  const { from, perQuestion, seed = 0 } = options;
  if (!Number.isInteger(perQuestion) || perQuestion < 1) throw new RlvdError("BAD_ARGUMENT", `per-question must be a positive integer (got ${perQuestion})`);
  return withStore(runDir, {}, async (store) => {
    const results = await questionResults(store);
    const models = new Set(results.map((r) => r.model));
    if (!models.has(from)) throw new RlvdError("NOT_FOUND", `${runDir}: no graded samples of model ${from}`);
    const filtering = options.minBaseAccuracy !== undefined || options.maxBaseAccuracy !== undefined || options.bins !== undefined;
    const baseName = options.base ?? (models.has("base") ? "base" : undefined);
    let allowed: Set<string> | null = null;
    if (filtering) {
      if (!baseName || !models.has(baseName)) throw new RlvdError("NOT_FOUND", `${runDir}: filters need the base model's results; no model ${baseName ?? "base"} (pass --base)`);
      const base = results.filter((r) => r.model === baseName);
      const n = Math.min(...base.map((r) => r.n));
      const scheme = studyBins(n);
      const labels = scheme.bins.map((b) => b.label);
      for (const label of options.bins ?? []) {
        if (!labels.includes(label)) throw new RlvdError("BAD_ARGUMENT", `no bin "${label}" at n = ${n} (bins: ${labels.join(", ")})`);
      }
      allowed = new Set(
        base
          .filter((r) => {
            const acc = r.correct / r.n;
            if (options.minBaseAccuracy !== undefined && acc < options.minBaseAccuracy) return false;
            if (options.maxBaseAccuracy !== undefined && acc > options.maxBaseAccuracy) return false;
            if (options.bins && !options.bins.includes(labels[binIndex(scheme, r.correct, r.n)]!)) return false;
            return true;
          })
          .map((r) => r.question_id),
      );
    }
    const rows = await correctResponses(store, from);
    const byQuestion = new Map<string, typeof rows>();
    for (const r of rows) {
      if (allowed && !allowed.has(r.question_id)) continue;
      if (r.prompt === null) throw new RlvdError("BAD_INPUT", `${runDir}: question ${r.question_id} has no prompt in the store`);
      let list = byQuestion.get(r.question_id);
      if (!list) byQuestion.set(r.question_id, (list = []));
      if (options.distinct && list.some((x) => x.text === r.text)) continue;
      list.push(r);
    }
    const out: DistillExample[] = [];
    for (const [qid, list] of byQuestion) {
      const chosen = list
        .map((r) => ({ r, key: mix(seed, qid, r.sample_index) }))
        .sort((a, b) => a.key - b.key || a.r.sample_index - b.r.sample_index)
        .slice(0, perQuestion)
        .sort((a, b) => a.r.sample_index - b.r.sample_index);
      for (const { r } of chosen) out.push({ question_id: qid, prompt: r.prompt!, completion: r.text, model: from, sample_index: r.sample_index });
    }
    return out;
  });
}

/** Writes a distillation set as JSONL (atomically) and records it in the run manifest. */
export async function writeDistillSet(runDir: string, out: string, examples: DistillExample[], options: DistillSetOptions): Promise<void> {
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, examples.map((e) => JSON.stringify(e)).join("\n") + (examples.length ? "\n" : ""));
  await rename(tmp, out);
  await recordInManifest(runDir, { command: "distill-set", out, ...options, ...distillSetStats(examples) });
}

function mix(seed: number, qid: string, index: number): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of `${qid}\u0000${index}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  return (h ^ (h >>> 15)) >>> 0;
}
