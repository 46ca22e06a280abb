import { z } from "zod";
import { readJsonl } from "../core/jsonl.js";
import { recordInManifest } from "../core/run-folder.js";
import { parseLine } from "../core/validate.js";
import { InputError } from "../core/errors.js";
import { CountBatch, commitCounts } from "./counts.js";
import { withStore } from "./store.js";

/** One line of the per-question counts format: `{"question": ID, "model": NAME, "n": 256, "correct": 17}`. */
export const CountLineSchema = z
  .object({
    question: z.union([z.string().min(1), z.number()], { error: "must be a question id (string or number)" }).transform(String),
    model: z.string({ error: "must be a model name (string)" }).min(1, { error: "must not be empty" }),
    n: z.number({ error: "must be a number" }).int({ error: "must be an integer" }).positive({ error: "must be at least 1" }),
    correct: z.number({ error: "must be a number" }).int({ error: "must be an integer" }).nonnegative({ error: "must not be negative" }),
  })
  .refine((v) => v.correct <= v.n, { error: "is larger than n", path: ["correct"] });

export type ImportResult = {
  file: string;
  format: string;
  lines: number;
  models: string[];
  questions: number;
  inserted: number;
  unchanged: number;
};

/** Imports a per-question counts JSONL file into run folder `runDir` (created if needed). All or nothing. */
export async function importCountsFile(runDir: string, file: string): Promise<ImportResult> {
  const result = await withStore(runDir, { create: true }, async (store) => {
    const batch = await CountBatch.begin(store);
    const models = new Set<string>();
    const questions = new Set<string>();
    let lines = 0;
    for await (const { line, value } of readJsonl(file)) {
      const row = parseLine(CountLineSchema, value, file, line);
      batch.add({ model: row.model, question_id: row.question, n: row.n, correct: row.correct }, line);
      models.add(row.model);
      questions.add(row.question);
      lines++;
    }
    if (lines === 0) throw new InputError(file, undefined, "no counts in file");
    const { inserted, unchanged } = await commitCounts(store, batch, { onConflict: "error", source: file });
    return { file, format: "counts", lines, models: [...models].sort(), questions: questions.size, inserted, unchanged };
  });
  await recordInManifest(runDir, { command: "import counts", file, inserted: result.inserted, unchanged: result.unchanged });
  return result;
}
