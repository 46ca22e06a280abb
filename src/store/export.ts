import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { RlvdError } from "../core/errors.js";
import { withStore } from "./store.js";
import { hasModel } from "./models.js";

export type SampleExportFormat = "jsonl" | "parquet";

/**
 * Writes the stored samples (joined with their question's gold answer) to a JSONL or Parquet file, optionally
 * for one model. Written to a temp file and renamed, so an interrupted export never leaves a truncated file.
 */
export async function exportSamples(runDir: string, out: string, format: SampleExportFormat, options: { model?: string } = {}): Promise<{ rows: number }> {
  return withStore(runDir, {}, async (store) => {
    const where = options.model ? "WHERE s.model = ?" : "";
    const params = options.model ? [options.model] : [];
    if (options.model) {
      if (!(await hasModel(store, options.model))) throw new RlvdError("NOT_FOUND", `${runDir}: no model named ${options.model}`);
    }
    const select = `SELECT s.model, s.question_id, s.sample_index, q.answer AS gold, s.text, s.extracted, s.correct, s.verify_status, s.grading,
                           s.finish_reason, s.n_tokens, s.seed, s.latency_ms
                      FROM samples s LEFT JOIN questions q ON q.id = s.question_id ${where}
                     ORDER BY s.model, s.question_id, s.sample_index`;
    const tmp = `${out}.tmp-${process.pid}`;
    const sqlFormat = format === "parquet" ? "FORMAT parquet" : "FORMAT json";
    try {
      await store.run(`COPY (${select}) TO '${tmp.replace(/'/g, "''")}' (${sqlFormat})`, params);
      await rename(tmp, out);
    } catch (e) {
      if (existsSync(tmp)) await rm(tmp, { force: true });
      throw new RlvdError("BAD_ARGUMENT", `${out}: cannot write the export (${(e as Error).message.split("\n")[0]})`);
    }
    const count = await store.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM samples s ${where}`, params);
    return { rows: count[0]!.n };
  });
}
