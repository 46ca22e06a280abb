import { activeWriters, type WriterInfo } from "./writers.js";
import { modelMeta } from "./sampling-records.js";
import { withStore, type SampleStore } from "./store.js";
import { liveSegments } from "./live-set.js";
import { modelFolder } from "./segments.js";
import { basename, dirname } from "node:path";

/** Per model, how far a run is: what `rlvd status RUN` prints. */
export type ModelStatus = {
  model: string;
  /** samples per question the model is sampled to (the largest k its sampling runs asked for; null: imported) */
  k: number | null;
  /** questions with at least k samples, with some but fewer, and with none (of the run's questions) */
  complete: number;
  partial: number;
  missing: number;
  samples: number;
  graded: number;
  /** repeats of a key by a second writer (a race; the first write is kept) and those with different content */
  duplicates: number;
  clashes: number;
  writers: number;
  /** samples per second over the active writers of this model (since each started), and seconds left at that rate */
  rate: number | null;
  eta_s: number | null;
  /** sample segments a reader reads (the live set): many small ones make reads slower until `rlvd compact` */
  segments: number;
};

export type RunStatus = { questions: number; models: ModelStatus[]; writers: WriterInfo[] };

export async function runStatus(store: SampleStore): Promise<RunStatus> {
  const questions = (await store.all<{ n: number }>("SELECT count(*)::INTEGER AS n FROM questions"))[0]!.n;
  const perQuestion = await store.all<{ model: string; question_id: string; n: number; graded: number }>(
    "SELECT model, question_id, count(*)::INTEGER AS n, count(correct)::INTEGER AS graded FROM samples GROUP BY ALL",
  );
  const dropped = await store.droppedRows();
  const writers = activeWriters(store.dir);
  const models = [...new Set([...perQuestion.map((r) => r.model), ...(await store.all<{ name: string }>("SELECT name FROM models")).map((m) => m.name)])].sort();
  const segments = new Map<string, number>();
  for (const f of liveSegments(store.dir, "samples")) segments.set(basename(dirname(f.path)), (segments.get(basename(dirname(f.path))) ?? 0) + 1);
  const out: ModelStatus[] = [];
  for (const model of models) {
    const rows = perQuestion.filter((r) => r.model === model);
    const meta = await modelMeta(store, model);
    const k = typeof meta.k === "number" ? meta.k : null;
    const target = k ?? Math.max(0, ...rows.map((r) => r.n));
    const complete = rows.filter((r) => r.n >= target).length;
    const mine = writers.filter((w) => w.model === model);
    const rate = mine.length === 0 ? null : mine.reduce((s, w) => s + w.written / Math.max(1, (Date.parse(w.updated_at) - Date.parse(w.started_at)) / 1000), 0);
    const samples = rows.reduce((s, r) => s + r.n, 0);
    const left = k === null ? 0 : rows.reduce((s, r) => s + Math.max(0, k - r.n), 0) + k * Math.max(0, questions - rows.length);
    out.push({
      model, k, complete, partial: rows.length - complete, missing: Math.max(0, questions - rows.length), samples,
      graded: rows.reduce((s, r) => s + r.graded, 0),
      duplicates: dropped.filter((d) => d.model === model).reduce((s, d) => s + d.n, 0),
      clashes: dropped.filter((d) => d.model === model).reduce((s, d) => s + d.differs, 0),
      writers: mine.length, rate, eta_s: rate && rate > 0 ? left / rate : left === 0 ? 0 : null,
      segments: segments.get(modelFolder(model)) ?? 0,
    });
  }
  return { questions, models: out, writers };
}

/** The status of run folder `runDir` (read-only: needs no write access). */
export async function statusOf(runDir: string): Promise<RunStatus> {
  return withStore(runDir, {}, (store) => runStatus(store));
}
