import type { FormatContext, HarnessFormat } from "./formats/types.js";
import { DUCKDB_RECORD_COLUMNS } from "./formats/types.js";
import type { QuestionMatcher } from "./question-match.js";
import { stageQuestionsFrom } from "./questions.js";
import { SampleBatch } from "./samples.js";
import { StagingTable } from "./staging.js";
import type { StagingTable as Staged } from "./staging.js";
import type { SampleStore } from "./store.js";

/** What import-harness lands: the same staging tables its line-by-line path fills, and the summary it reports. */
export type StagedHarnessFile = {
  batch: SampleBatch;
  questions: Staged;
  samples: number;
  skipped: number;
  filter: string | null;
  offset: number;
  matched?: number;
  unmatched?: string[];
  unmatched_count?: number;
};

/** Distinct (id, prompt, input) of the file handed to the matcher per page, in file order. */
const MATCH_PAGE = 50_000;

/**
 * Stages a harness file that its format reads in DuckDB (HarnessFormat.readInDuckDb), doing in SQL what
 * import-harness's loop does per record: the sample indices (grouped records: the seed offset plus the
 * position), the questions (the file's, or the dataset's where --dataset matches one), the sample rows. Returns
 * null where the line-by-line path must take the file: DuckDB cannot read it, a record is not plain, or the
 * loop would stop with an error (no samples; --seed-offset auto with more responses than the first record).
 * Then nothing is left behind but TEMP tables the other path replaces.
 */
export async function stageInDuckDb(
  store: SampleStore,
  file: string,
  format: HarnessFormat,
  options: { model?: string; filter?: string; idField?: string; seedOffset?: number | "auto" },
  matcher: QuestionMatcher | null,
  seed: number | null,
): Promise<StagedHarnessFile | null> {
  // only files read as JSONL (readRecords reads .parquet and .json otherwise)
  if (!format.readInDuckDb || file.endsWith(".parquet") || file.endsWith(".json")) return null;
  const ctx: FormatContext = { file, idField: options.idField, filter: options.filter ?? null, skipped: 0, needsInput: matcher !== null };
  let t: string | null;
  try {
    t = await format.readInDuckDb(store, file, ctx);
  } catch {
    return null; // malformed JSON, a line that is no object, ...: the exact path names the line
  }
  if (t === null) return null;
  const cols = DUCKDB_RECORD_COLUMNS.join(", ");
  const [s] = await store.all<{ kept: number; skipped: number; plain: boolean; samples: number; first_k: number | null; max_k: number | null }>(
    `SELECT count(*) FILTER (WHERE kept)::INTEGER AS kept, count(*) FILTER (WHERE NOT kept)::INTEGER AS skipped,
            coalesce(bool_and(coalesce(plain, false) AND (NOT kept OR coalesce(id, '') <> '')), true) AS plain,
            coalesce(sum(len(texts)) FILTER (WHERE kept), 0)::INTEGER AS samples,
            arg_min(len(texts), line) FILTER (WHERE kept)::INTEGER AS first_k, max(len(texts)) FILTER (WHERE kept)::INTEGER AS max_k
       FROM (SELECT ${cols} FROM ${t})`,
  );
  const offset = typeof options.seedOffset === "number" ? options.seedOffset : seed !== null ? seed * (s!.first_k ?? 0) : 0;
  const autoWidth = typeof options.seedOffset !== "number" && seed !== null;
  if (!s!.plain || s!.samples === 0 || (autoWidth && s!.max_k! > s!.first_k!)) {
    await store.run(`DROP TABLE IF EXISTS temp.main.${t}`);
    return null;
  }

  // --dataset: the matcher runs in JavaScript (NFKC normalisation, containment) once per distinct record key
  const matches = await StagingTable.create(store, "harness_matches", [
    ["id", "VARCHAR"], ["prompt", "VARCHAR"], ["input", "VARCHAR"], ["qid", "VARCHAR"], ["qprompt", "VARCHAR"], ["qanswer", "VARCHAR"], ["qmeta", "VARCHAR"],
  ]);
  const report: Pick<StagedHarnessFile, "matched" | "unmatched" | "unmatched_count"> = {};
  if (matcher) {
    const matched = new Set<string>();
    const unmatched = new Set<string>();
    await store.run(`CREATE OR REPLACE TEMP TABLE harness_keys AS SELECT id, prompt, input, min(line) AS line FROM ${t} WHERE kept GROUP BY id, prompt, input`);
    for (let after = 0; ;) {
      const page = await store.all<{ id: string; prompt: string | null; input: string | null; line: number }>(
        `SELECT id, prompt, input, line FROM harness_keys WHERE line > ? ORDER BY line LIMIT ${MATCH_PAGE}`, [after],
      );
      for (const k of page) {
        const q = matcher.match(k.id, k.prompt ?? undefined, k.input ?? undefined);
        if (q) {
          matched.add(q.id);
          matches.push([k.id, k.prompt, k.input, q.id, q.prompt ?? null, q.answer ?? null, q.meta ? JSON.stringify(q.meta) : null]);
        } else unmatched.add(k.id);
      }
      if (page.length < MATCH_PAGE) break;
      after = page[page.length - 1]!.line;
    }
    await store.run("DROP TABLE IF EXISTS temp.main.harness_keys");
    Object.assign(report, { matched: matched.size, unmatched: [...unmatched].slice(0, 20), unmatched_count: unmatched.size });
  }
  await matches.finish();

  // without --dataset every question is the file's own: no join (with an empty table, but over every record)
  const joined = matcher ? `${t} r LEFT JOIN harness_matches m ON m.id = r.id AND m.prompt IS NOT DISTINCT FROM r.prompt AND m.input IS NOT DISTINCT FROM r.input` : `${t} r`;
  const own = (fromFile: string, fromDataset: string) => (matcher ? `CASE WHEN m.qid IS NULL THEN ${fromFile} ELSE ${fromDataset} END` : fromFile);
  const qid = matcher ? "coalesce(m.qid, r.id)" : "r.id";
  // a question as the loop pushes it: the dataset's where matched, else the file's (prompt, else the full input)
  const questions = await stageQuestionsFrom(
    store,
    `SELECT ${qid} AS id, ${own("coalesce(r.prompt, r.input)", "m.qprompt")} AS prompt,
            ${own("r.gold", "m.qanswer")} AS answer, ${own("r.meta", "m.qmeta")} AS meta, r.line
       FROM ${joined} WHERE r.kept`,
  );
  const batch = await SampleBatch.fromSelect(
    store,
    `SELECT ?::VARCHAR AS model, question_id, (${offset} + position)::INTEGER AS sample_index, text, finish_reason, NULL::INTEGER AS n_tokens,
            extracted, harness AS correct, CASE WHEN harness IS NULL THEN 'unverified' ELSE 'imported' END AS verify_status,
            ${seed === null ? "NULL" : seed}::BIGINT AS seed, NULL::DOUBLE AS latency_ms, NULL::VARCHAR AS grading, harness AS harness_correct, line
       FROM (SELECT r.line, ${qid} AS question_id, unnest(r.texts) AS text, unnest(range(len(r.texts))) AS position,
                    unnest(r.extracted) AS extracted, unnest(r.harness) AS harness, unnest(r.finish_reason) AS finish_reason
               FROM ${joined} WHERE r.kept)`,
    [options.model ?? ""],
  );
  await matches.drop();
  await store.run(`DROP TABLE IF EXISTS temp.main.${t}`);
  return { batch, questions, samples: s!.samples, skipped: s!.skipped, filter: ctx.filter, offset, ...report };
}
