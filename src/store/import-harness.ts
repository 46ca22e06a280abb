import { basename } from "node:path";
import { InputError, RlvdError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import { readRecords } from "./formats/read-records.js";
import { promptId, type FormatContext, type HarnessFormat } from "./formats/types.js";
import type { ImportResult } from "./import-counts.js";
import { QuestionMatcher } from "./question-match.js";
import { commitStagedQuestions, pushQuestion, stageQuestions } from "./questions.js";
import { stageInDuckDb, type StagedHarnessFile } from "./import-harness-duckdb.js";
import { commitSamples, SampleBatch } from "./samples.js";
import type { StagingTable } from "./staging.js";
import { modelMeta, setModelMeta } from "./sampling-records.js";
import type { SampleStore } from "./store.js";
import { recordSeriesStep } from "./series.js";

export type HarnessImportOptions = {
  /** the model name (harness files carry none); verl dumps append `@step-N` */
  model?: string;
  idField?: string;
  /** a dataset whose ids, gold answers and metadata the file's questions are matched to */
  dataset?: string;
  /**
   * Added to every sample index, so several files of one model (one per seed) sit side by side. "auto": the
   * seed N in a file name `..._seed<N>_...` times the responses per question of the file's first record (for
   * formats that list a question's responses together; 0 otherwise) — a function of the file alone, so
   * re-importing a file is still a no-op, which an offset read from what the store already holds would break.
   */
  seedOffset?: number | "auto";
  /** lm-eval: the filter whose lines to keep (default: the first in the file) */
  filter?: string;
  /** "auto": formats that DuckDB can read are read by it; "js": always record by record (same rows) */
  staging?: "auto" | "js";
};

export type HarnessImportResult = ImportResult & {
  /** lines/rows skipped on purpose (lm-eval lines of another filter) */
  skipped: number;
  /** with --dataset: questions of the file found in it / not found (ids as imported, first 20) */
  matched?: number;
  unmatched?: string[];
  unmatched_count?: number;
  /** the sample-index offset applied, and the seed read from the file name */
  seed_offset: number;
  seed: number | null;
  /** how the file was read: by DuckDB in one query (formats with readInDuckDb), or record by record */
  reader: "duckdb" | "records";
};

/** The start of a prompt, one line, for listing questions that have no id of their own. */
function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 60 ? flat.slice(0, 57) + "..." : flat;
}

/** The seed a file name carries (`test_qwen25-math-cot_-1_seed3_t0.6_s0_e-1.jsonl` -> 3), or null. */
export function seedFromFileName(file: string): number | null {
  const m = /(?:^|[^a-z])seed[-_]?(\d+)/i.exec(basename(file));
  return m ? Number(m[1]) : null;
}

/**
 * Reads a harness's results file into the store: every record converted by its format, questions matched to
 * the dataset when given, samples staged and committed in one transaction (all or nothing, `file:line`
 * errors, re-import a no-op). The harness's verdict lands twice: as `harness_correct`, kept as the harness
 * gave it, and as `correct` (status "imported") until rlvd grades the sample itself.
 */
export async function importHarnessRecords(store: SampleStore, file: string, format: HarnessFormat, options: HarnessImportOptions): Promise<HarnessImportResult> {
  if (format.needsModel && !options.model) {
    throw new RlvdError("BAD_ARGUMENT", `${file}: the ${format.name} format has no model name; pass --model NAME`);
  }
  const matcher = options.dataset ? await QuestionMatcher.load(options.dataset) : null;
  const seed = seedFromFileName(file);
  if (options.staging !== "js") {
    // DuckDB reads the file itself where the format can (several times faster); an error on the way, or a
    // clash when landing, is reported by the line-by-line path below with its true line numbers
    const fast = await stageInDuckDb(store, file, format, options, matcher, seed);
    if (fast) {
      try {
        const questions = await countQuestions(store, fast.batch);
        const committed = await land(store, file, fast.questions, fast.batch, new Map(), fast.offset, questions);
        return summary(file, format, { ...fast, questions, reader: "duckdb" }, [options.model!], committed, seed);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }
  }
  return importLineByLine(store, file, format, options, matcher, seed);
}

async function importLineByLine(
  store: SampleStore, file: string, format: HarnessFormat, options: HarnessImportOptions, matcher: QuestionMatcher | null, seed: number | null,
): Promise<HarnessImportResult> {
  const ctx: FormatContext = { file, idField: options.idField, filter: options.filter ?? null, skipped: 0 };
  // questions stream to a staging table too (checked there for clashing gold answers): a multi-gigabyte
  // file of a million documents must not hold a million questions in memory
  const batch = await SampleBatch.begin(store);
  const staged = await stageQuestions(store);
  const nextIndex = new Map<string, number>();
  const models = new Set<string>();
  const steps = new Map<string, { series: string; step: number }>();
  const matched = new Set<string>();
  /** id -> how the import names it: derived ids with the start of their prompt */
  const unmatched = new Map<string, string>();
  let samples = 0;
  // auto: fixed by the first grouped record; responses per question must not exceed it
  let offset = typeof options.seedOffset === "number" ? options.seedOffset : null;
  let autoWidth: { k: number; line: number } | null = null;

  for await (const { line, value, key } of readRecords(file)) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InputError(file, line, "not a JSON object");
    const rec = format.convert(value as Record<string, unknown>, line, ctx, key);
    if (rec === null) continue;
    const series = rec.model ?? options.model!;
    const model = rec.step === undefined ? series : `${series}@step-${rec.step}`;
    if (rec.step !== undefined) steps.set(model, { series, step: rec.step });
    models.add(model);

    const text = rec.prompt ?? rec.input;
    let id = rec.id ?? (text !== undefined ? promptId(text) : undefined);
    if (id === undefined || id === "") throw new InputError(file, line, "the record has no question id and no prompt to derive one from");
    let question: Partial<Question> & { id: string } = { id, prompt: text, answer: rec.gold, ...(rec.meta ? { meta: rec.meta } : {}) };
    if (matcher) {
      const q = matcher.match(rec.id, rec.prompt, rec.input);
      if (q) {
        id = q.id;
        question = q;
        matched.add(id);
      } else if (!unmatched.has(id)) unmatched.set(id, rec.id === undefined && text !== undefined ? `${id} (${JSON.stringify(excerpt(text))})` : id);
    }
    pushQuestion(staged, question, line);

    if (offset === null) {
      if (rec.grouped && seed !== null) {
        autoWidth = { k: rec.samples.length, line };
        offset = seed * rec.samples.length;
      } else offset = 0;
    }
    if (autoWidth && rec.samples.length > autoWidth.k) {
      throw new InputError(file, line, `${rec.samples.length} responses but line ${autoWidth.line} had ${autoWidth.k}: --seed-offset auto needs the same number per question; pass --seed-offset N`);
    }
    const slot = `${model}\u0000${id}`;
    let index = rec.grouped ? offset : nextIndex.get(slot) ?? offset;
    for (const s of rec.samples) {
      batch.add({
        model, question_id: id, sample_index: index++, text: s.text, extracted: s.extracted ?? null, correct: s.harness,
        verify_status: s.harness === null ? "unverified" : "imported", harness_correct: s.harness,
        n_tokens: s.n_tokens ?? null, finish_reason: s.finish_reason ?? null, seed,
      }, line);
      samples++;
    }
    if (!rec.grouped) nextIndex.set(slot, index);
  }
  if (samples === 0) {
    throw new InputError(file, undefined, ctx.skipped > 0 ? `no lines of filter ${ctx.filter} (the file's lines are of other filters)` : "no samples in file");
  }

  const questions = await countQuestions(store, batch);
  const committed = await land(store, file, staged, batch, steps, offset ?? 0, questions);
  return summary(file, format, {
    questions, samples, skipped: ctx.skipped, offset: offset ?? 0, reader: "records",
    ...(matcher ? { matched: matched.size, unmatched: [...unmatched.values()].slice(0, 20), unmatched_count: unmatched.size } : {}),
  }, [...models], committed, seed);
}

/** Lands staged questions and samples in one transaction: the one write path of every harness import. */
async function land(
  store: SampleStore, file: string, questions: StagingTable, batch: SampleBatch, steps: Map<string, { series: string; step: number }>, offset: number,
  distinctQuestions: number,
): Promise<{ inserted: number; unchanged: number }> {
  // every staged question row is a question of the samples, and each sample's question is staged: as many
  // distinct ids among the samples as question rows means no id is staged twice (the usual file, one line
  // per document), so commitStagedQuestions need not fold repeats
  const distinct = distinctQuestions === questions.rows;
  try {
    return await store.transaction(async () => {
      await commitStagedQuestions(store, questions, file, { distinct });
      const r = await commitSamples(store, batch, { onConflict: "error", source: file, harness: true, questionsLanded: true });
      // a verl dump by step lands as the series NAME with the step as a number (store/series.ts)
      for (const [name, m] of steps) await recordSeriesStep(store, name, m.series, m.step);
      return r;
    });
  } catch (e) {
    if (e instanceof InputError && offset === 0 && /already in the store with different values$/.test(e.message)) {
      const prefix = `${e.file}${e.line === undefined ? "" : `:${e.line}`}: `;
      throw new InputError(file, e.line, `${e.message.slice(prefix.length)} (another seed of the same model? pass --seed-offset N)`);
    }
    throw e;
  }
}

/** Distinct questions of a staged batch (read before landing: landing drops the staging table). */
async function countQuestions(store: SampleStore, batch: SampleBatch): Promise<number> {
  await batch.table.finish();
  return (await store.all<{ n: number }>(`SELECT count(DISTINCT question_id)::INTEGER AS n FROM ${batch.table.name}`))[0]!.n;
}

function summary(
  file: string, format: HarnessFormat,
  staged: Pick<StagedHarnessFile, "samples" | "skipped" | "offset" | "matched" | "unmatched" | "unmatched_count"> & { questions: number; reader: HarnessImportResult["reader"] },
  models: string[], committed: { inserted: number; unchanged: number }, seed: number | null,
): HarnessImportResult {
  return {
    file, format: format.name, lines: staged.samples, models: models.sort(), questions: staged.questions, ...committed,
    skipped: staged.skipped, seed_offset: staged.offset, seed, reader: staged.reader,
    ...(staged.matched !== undefined ? { matched: staged.matched, unmatched: staged.unmatched, unmatched_count: staged.unmatched_count } : {}),
  };
}
