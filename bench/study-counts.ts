/**
 * Per-question counts by model, from a counts JSONL file (rlvd's `import counts` format, e.g. the study's
 * ../shared/data/paper/math500-base-correct-counts.jsonl) or from a run folder's store. Shared by the
 * extrapolation, plan and adaptive benchmarks.
 */
import { readFileSync } from "node:fs";
import { answersByQuestion, modelContents, questionResults } from "../src/store/queries.js";
import { withStore } from "../src/store/store.js";

export type Counts = { n: number; correct: number };

export async function countsByModel(source: { counts?: string; run?: string }): Promise<Map<string, Counts[]>> {
  const byModel = new Map<string, Counts[]>();
  const add = (model: string, r: Counts) => {
    let l = byModel.get(model);
    if (!l) byModel.set(model, (l = []));
    l.push({ n: r.n, correct: r.correct });
  };
  if (source.run) {
    for (const r of await withStore(source.run, {}, (s) => questionResults(s))) add(r.model, r);
    return byModel;
  }
  for (const line of readFileSync(source.counts!, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { model: string } & Counts;
    add(r.model, r);
  }
  return byModel;
}

/**
 * Every model's graded outcomes per question in sample_index order, from a run folder's store: the first m of
 * them are what a run of m samples would have drawn (the full preset's validation of extrapolation).
 */
export async function outcomesByModel(run: string): Promise<Map<string, boolean[][]>> {
  return withStore(run, {}, async (s) => {
    const out = new Map<string, boolean[][]>();
    for (const { model } of await modelContents(s)) {
      const rows: boolean[][] = [];
      for await (const q of answersByQuestion(s, model)) rows.push(q.correct);
      if (rows.length > 0) out.set(model, rows);
    }
    return out;
  });
}
