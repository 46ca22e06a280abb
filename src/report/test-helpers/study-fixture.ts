/**
 * A small run folder shaped like the embedded study, for report tests: 40 questions x 32 samples.
 * `base` and `rlvr` have texts, extracted answers and verdicts (Qwen evaluation schema, with subject and
 * level); the distilled models are counts only; two train-log.jsonl files (one in a checkpoint folder).
 *
 * The numbers are constructed, not sampled, so the study's findings hold by design: rlvr gains in the middle
 * bins, loses the rarely-solved questions, answers wrong questions with one repeated answer (lower entropy),
 * writes shorter responses without reflection keywords; distill-knowledge also solves unsolved questions.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importCountsFile } from "../../store/import-counts.js";
import { importSamplesFile } from "../../store/import-samples.js";
import { writeJsonl } from "../../test-helpers/tmp.js";

export const FIXTURE_N = 32;
const SUBJECTS = ["algebra", "geometry", "number_theory", "precalculus"];

/** The base model's correct count for each of the 40 questions: every bin of the study's scheme is used. */
export const BASE_COUNTS = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 17, 18, 20, 22, 24, 25, 26, 27, 28, 29, 30, 30, 31, 31, 32, 32, 32, 31, 29];

export const questionId = (i: number) => `test/${SUBJECTS[i % 4]}/${i + 1}.json`;

export type StudyCounts = Record<string, number[]>;

/** Correct counts per model and question. */
export function studyCounts(): StudyCounts {
  const rl = BASE_COUNTS.map((c) => (c === 0 ? 0 : c <= 2 ? 0 : c <= 24 ? Math.min(FIXTURE_N, c + 8) : Math.min(FIXTURE_N, c + 1)));
  return {
    base: BASE_COUNTS,
    rlvr: rl,
    "base<-base": BASE_COUNTS.map((c, i) => (i % 3 === 0 ? c : Math.min(FIXTURE_N, c + 1))),
    "base<-rlvr": rl.map((c, i) => (i % 2 === 0 ? c : Math.max(0, c - 1))),
    "distill-patterns": BASE_COUNTS.map((c) => (c === 0 ? 0 : c <= 2 ? 0 : c <= 24 ? Math.min(FIXTURE_N, c + 6) : c)),
    "distill-knowledge": BASE_COUNTS.map((c) => (c === 0 ? 6 : Math.min(FIXTURE_N, c + 5))),
  };
}

function qwenLine(i: number, correct: number, style: "base" | "rlvr") {
  const gold = String(i + 7);
  const code: string[] = [];
  const pred: string[] = [];
  const score: boolean[] = [];
  for (let s = 0; s < FIXTURE_N; s++) {
    const ok = s < correct;
    // base: wrong answers spread over four values; rlvr: one repeated wrong answer (lower entropy)
    const answer = ok ? gold : style === "base" ? String(100 + (s % 4)) : "100";
    const text = style === "base"
      ? `Let me think about question ${i + 1}. First we compute the sum step by step, wait, let's check the carry again. Hmm, to be sure we verify it once more. So the answer is \\boxed{${answer}}.`
      : `We compute the sum step by step. So the answer is \\boxed{${answer}}.`;
    code.push(text);
    pred.push(answer);
    score.push(ok);
  }
  return { idx: questionId(i), question: `Question ${i + 1}: what is ${i} + 7? <b>not html</b>`, gt: gold, type: SUBJECTS[i % 4], level: `Level ${(i % 5) + 1}`, code, pred, score };
}

/** Builds the run folder at `dir/run` and returns its path. */
export async function studyFixture(dir: string, options: { trainLogs?: boolean } = {}): Promise<string> {
  const run = join(dir, "run");
  const counts = studyCounts();
  for (const style of ["base", "rlvr"] as const) {
    const file = writeJsonl(dir, `${style}.jsonl`, counts[style]!.map((c, i) => qwenLine(i, c, style)));
    await importSamplesFile(run, file, { model: style });
  }
  const countLines = Object.entries(counts)
    .filter(([m]) => m !== "base" && m !== "rlvr")
    .flatMap(([model, cs]) => cs.map((correct, i) => ({ question: questionId(i), model, n: FIXTURE_N, correct })));
  await importCountsFile(run, writeJsonl(dir, "distilled.jsonl", countLines));
  if (options.trainLogs !== false) {
    mkdirSync(join(run, "checkpoints", "rlvr"), { recursive: true });
    const steps = Array.from({ length: 30 }, (_, s) => ({
      step: s + 1, model: "rlvr", reward_mean: -0.4 + s * 0.03, accuracy: 0.3 + s * 0.015, zero_adv_frac: 0.2 + s * 0.01,
      entropy: 0.9 - s * 0.02, kl: s * 1e-3, mean_length: 400 - s * 3, loss: 0.05 - s * 0.001, lr: s < 5 ? (s + 1) * 2e-7 : 1e-6, step_time_s: 1.5,
    }));
    writeFileSync(join(run, "checkpoints", "rlvr", "train-log.jsonl"), [...steps.map((l) => JSON.stringify(l)), "not json", ""].join("\n"));
    // a trainer that logs fewer fields and no model name: named after its folder
    mkdirSync(join(run, "checkpoints", "distill-patterns"), { recursive: true });
    writeFileSync(
      join(run, "checkpoints", "distill-patterns", "train-log.jsonl"),
      Array.from({ length: 10 }, (_, s) => JSON.stringify({ step: s * 10, loss: 1.2 - s * 0.1, lr: 1e-5 })).join("\n") + "\n",
    );
  }
  return run;
}
