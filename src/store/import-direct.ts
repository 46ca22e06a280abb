import { InputError } from "../core/errors.js";
import type { Question } from "../core/types.js";
import { ParquetFileWriter, utf8Less, type ParquetColumn } from "./parquet-writer.js";
import { upsertQuestions } from "./questions.js";
import { forgetStoredKeys, writePlaceholders } from "./sample-writes.js";
import { removeTmp, storageError, tmpDir, tmpSegmentPath } from "./segments.js";
import type { SampleStore } from "./store.js";
import { SEGMENT_COLUMNS } from "./views.js";

/**
 * The generic import's write path for the usual file: every key new to the store and none repeated in the file.
 * The scan (import-samples.ts) hands each validated line to `add`, which appends it to its model's segment, a
 * Parquet file in store/tmp/ written one 16,384-row group at a time (parquet-writer.ts, uncompressed as the
 * samplers' segments; `rlvd compact` compresses). At the end `land` publishes the question rows, the id-only
 * placeholders and one samples segment per model in one transaction, as commit.ts does for the SQL path.
 *
 * Why: the SQL path (DuckDB reads the file beside the JS validation, stages it, checks keys with a GROUP BY and an
 * anti-join, then a zstd COPY per model) spent most of bench/store-analyze.ts's import after the validation
 * itself (docs/store.md, "Imports"). With no repeated and no stored key those checks find nothing, so here they
 * are an index set per question; the rows are written while the file is read, in bounded memory (a row group
 * per model).
 *
 * Where the SQL path's rules have something to say, `add` throws NeedsSqlPath and the caller imports the file
 * the SQL way instead, with its exact clash messages and counts: a key repeated in the file (identical or not),
 * a model the snapshot already holds samples of (a rerun, more samples of a model), or more than MAX_MODELS
 * models (an open file and buffers each). Nothing is published before `land`; `discard` removes the files.
 */
export class DirectImport {
  private readonly segments = new Map<string, ModelSegment>();
  private last: ModelSegment | null = null;

  constructor(private readonly store: SampleStore) {}

  /** One validated sample of the file (line `line`); `key` is the scan's state of its (model, question id). */
  add(model: string, qid: string, index: number, text: string | null, extracted: string | null, correct: boolean | null,
    nTokens: number | null, finishReason: string | null, key: KeyState): void {
    if (!addIndex(key, index)) throw new NeedsSqlPath(`sample (${model}, ${qid}, ${index}) repeats in the file`);
    let seg = this.last;
    if (seg === null || seg.model !== model) seg = this.last = this.segmentOf(model);
    const i = seg.n;
    seg.question_id[i] = qid;
    seg.sample_index[i] = index;
    seg.text[i] = text;
    seg.finish_reason[i] = finishReason;
    seg.n_tokens[i] = nTokens;
    seg.extracted[i] = extracted;
    seg.correct[i] = correct;
    seg.verify_status[i] = correct === null ? "unverified" : "imported";
    seg.n = i + 1;
    if (seg.n === GROUP_ROWS) this.flush(seg);
  }

  private segmentOf(model: string): ModelSegment {
    const known = this.segments.get(model);
    if (known !== undefined) return known;
    if (this.store.hasSamples(model)) throw new NeedsSqlPath(`model ${model} has stored samples`);
    if (this.segments.size >= MAX_MODELS) throw new NeedsSqlPath(`more than ${MAX_MODELS} models`);
    const tmp = tmpSegmentPath(this.store.dir);
    let file: ParquetFileWriter;
    try {
      file = new ParquetFileWriter(tmp, SCHEMA, { bufferBytes: 1 << 20 });
    } catch (e) {
      throw storageError(tmpDir(this.store.dir), e, "cannot write the segment");
    }
    const seg = newSegment(model, tmp, file);
    this.segments.set(model, seg);
    return seg;
  }

  private flush(seg: ModelSegment): void {
    try {
      seg.file.writeRowGroup(seg.columns, 0, seg.n);
    } catch (e) {
      throw storageError(tmpDir(this.store.dir), e, "cannot write the segment");
    }
    seg.rows += seg.n;
    seg.n = 0;
  }

  /**
   * Publishes what `add` took, in one transaction: the questions with a prompt or gold answer (checked against
   * the store, as upsertQuestions always does), the placeholders for new model names and question ids, then one
   * samples segment per model in byte order of the names. Returns the samples written.
   */
  async land(file: string, questions: Iterable<{ question: Partial<Question> & { id: string }; line: number }>, questionIds: ReadonlySet<string>): Promise<number> {
    const models = [...this.segments.keys()].sort((a, b) => (utf8Less(a, b) ? -1 : utf8Less(b, a) ? 1 : 0));
    let rows = 0;
    for (const model of models) {
      const seg = this.segments.get(model)!;
      if (seg.n > 0) this.flush(seg);
      try {
        seg.file.finish();
      } catch (e) {
        throw storageError(tmpDir(this.store.dir), e, "cannot write the segment");
      } finally {
        seg.file.close();
      }
      rows += seg.rows;
    }
    if (rows === 0) throw new InputError(file, undefined, "no samples in file");
    const landed = new Set<string>();
    const placeholders = await this.store.transaction(async () => {
      const withFields = [...questions];
      if (withFields.length > 0) {
        await upsertQuestions(this.store, withFields, file);
        for (const q of withFields) landed.add(q.question.id);
      }
      // ids whose question row was just written need no placeholder (the questions view would fold it away)
      const ids = landed.size === 0 ? [...questionIds] : [...questionIds].filter((id) => !landed.has(id));
      const written = await writePlaceholders(this.store, models, ids);
      for (const model of models) await this.store.queueSegment(this.segments.get(model)!.tmp, "samples", model);
      return written;
    });
    placeholders.acknowledge();
    // the key caches of both write paths reload these models from the new snapshot when next needed
    forgetStoredKeys(this.store, models);
    await this.store.forgetKnownKeys(models);
    this.segments.clear();
    return rows;
  }

  /** Closes and removes every file not yet published (a failed or redirected import). */
  discard(): void {
    for (const seg of this.segments.values()) {
      seg.file.close();
      removeTmp(seg.tmp);
    }
    this.segments.clear();
    this.last = null;
  }
}

/** A file needs the SQL path's checks (import-samples.ts imports it that way): a detour, not an error. */
export class NeedsSqlPath extends Error {}

/**
 * The scan's state of one (model, question id): `next` is the index a line without `sample_index` gets; `dense`
 * and `seen` are the indices taken so far, for the direct path's repeat check: while they are exactly
 * 0..dense-1 (the usual file: in order, or numbered by the scan) a count is enough; otherwise `seen` holds them.
 */
export type KeyState = { next: number; dense: number; seen: IndexSet | null };

export function newKeyState(): KeyState {
  return { next: 0, dense: 0, seen: null };
}

/** Takes `index` for `key`; false when it was taken already. */
function addIndex(key: KeyState, index: number): boolean {
  if (key.seen === null) {
    if (index === key.dense) {
      key.dense++;
      return true;
    }
    if (index < key.dense) return false;
    key.seen = new IndexSet();
    for (let i = 0; i < key.dense; i++) key.seen.add(i);
  }
  return key.seen.add(index);
}

/** Sample indices: a bitmap below BITMAP_LIMIT (8 KB at most), a Set above. */
class IndexSet {
  private bits = new Uint8Array(32);
  private big: Set<number> | null = null;

  /** Adds `i`; false when it was there. */
  add(i: number): boolean {
    if (i < BITMAP_LIMIT) {
      const byte = i >> 3;
      if (byte >= this.bits.length) {
        const next = new Uint8Array(Math.max(this.bits.length * 2, byte + 1));
        next.set(this.bits);
        this.bits = next;
      }
      const mask = 1 << (i & 7);
      if ((this.bits[byte]! & mask) !== 0) return false;
      this.bits[byte]! |= mask;
      return true;
    }
    this.big ??= new Set();
    if (this.big.has(i)) return false;
    this.big.add(i);
    return true;
  }
}

const BITMAP_LIMIT = 1 << 16;
/** rows per row group (the store's segments' size, parquet-writer.ts) */
const GROUP_ROWS = 16_384;
/** models written at once, each with an open file and a row group of buffers; beyond, the SQL path */
const MAX_MODELS = 64;

const SCHEMA = SEGMENT_COLUMNS.samples.map(([name, type]) => ({ name, type: type as ParquetColumn["type"] }));

/** One model's segment being written: the current row group's values per column (reused), and its file. */
type ModelSegment = {
  model: string;
  tmp: string;
  file: ParquetFileWriter;
  /** rows in the current row group; rows already written */
  n: number;
  rows: number;
  question_id: Array<string | null>;
  sample_index: Array<number | null>;
  text: Array<string | null>;
  finish_reason: Array<string | null>;
  n_tokens: Array<number | null>;
  extracted: Array<string | null>;
  correct: Array<boolean | null>;
  verify_status: Array<string | null>;
  /** the columns in SEGMENT_COLUMNS order: the arrays above, the model's name and NULLs for the rest */
  columns: ParquetColumn[];
};

function newSegment(model: string, tmp: string, file: ParquetFileWriter): ModelSegment {
  const filled = <T,>(v: T) => new Array<T>(GROUP_ROWS).fill(v);
  const seg = {
    model, tmp, file, n: 0, rows: 0,
    question_id: filled<string | null>(null), sample_index: filled<number | null>(null), text: filled<string | null>(null),
    finish_reason: filled<string | null>(null), n_tokens: filled<number | null>(null), extracted: filled<string | null>(null),
    correct: filled<boolean | null>(null), verify_status: filled<string | null>(null), columns: [] as ParquetColumn[],
  };
  // what a generic line never carries (seed, latency_ms, grading, harness_correct): NULL
  const nulls = filled(null);
  const values: Record<string, unknown[]> = {
    model: filled(model), question_id: seg.question_id, sample_index: seg.sample_index, text: seg.text, finish_reason: seg.finish_reason,
    n_tokens: seg.n_tokens, extracted: seg.extracted, correct: seg.correct, verify_status: seg.verify_status,
  };
  seg.columns = SCHEMA.map(({ name, type }) => ({ name, type, values: values[name] ?? nulls }));
  return seg;
}
