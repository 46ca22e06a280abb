/**
 * The question explorer's data: every question with each model's result and bin, its most frequent answers,
 * and a capped, balanced handful of samples per model. Compact arrays, because MATH-500 x 4 models must stay
 * within a few megabytes of HTML.
 */
import { binIndex, type BinScheme } from "../metrics/bins.js";
import { getQuestions } from "../store/questions.js";
import { questionResults } from "../store/queries.js";
import { sampleExcerpts, textVolume, topAnswers } from "../store/excerpts.js";
import type { SampleStore } from "../store/store.js";
import type { Analysis } from "./analyze-run.js";

export type ExplorerOptions = {
  /** most samples shown per (model, question) (default 4) */
  samplesPerQuestion?: number;
  /** characters of each sample's text kept (default 3000) */
  maxChars?: number;
  /**
   * approximate budget for all sample texts together, in characters (default 12 million): lowers the per-question
   * cap, and once the cap is 1, shortens each shown text (never below MIN_EXCERPT_CHARS), so the HTML stays a
   * few tens of MB at 7,500 questions x several models
   */
  textBudget?: number;
  /** characters of each prompt kept (default 3000) */
  maxPromptChars?: number;
};

/** [sample_index, verdict (1 right, 0 wrong, null ungraded), extracted answer, text, full text length] */
export type ExplorerSample = [number, 0 | 1 | null, string | null, string | null, number];
/** [answer, samples giving it, of which graded right] */
export type ExplorerAnswer = [string, number, number];

export type ExplorerQuestion = {
  id: string;
  prompt: string;
  answer: string;
  subject: string | null;
  level: string | null;
  /** per model (in `models` order): [n, correct, bin index] or null when the model did not answer it */
  r: Array<[number, number, number] | null>;
  /** per model: most frequent answers (absent when no model has answers) */
  a?: ExplorerAnswer[][];
  /** per model: shown samples (absent when no model has samples) */
  s?: ExplorerSample[][];
};

export type ExplorerData = {
  models: string[];
  base: string | null;
  bins: string[];
  /** samples shown per (model, question), at most */
  cap: number;
  max_chars: number;
  questions: ExplorerQuestion[];
};

const MATH_ID = /^(?:test|train)\/([a-z_]+)\/\d+\.json$/;

/** Subject and level from question meta (`subject`/`type`, `level`), or a MATH-style id such as `test/algebra/1.json`. */
export function subjectAndLevel(id: string, meta: Record<string, unknown> | undefined): { subject: string | null; level: string | null } {
  const s = meta?.subject ?? meta?.type;
  const l = meta?.level;
  const fromId = MATH_ID.exec(id)?.[1] ?? null;
  return {
    subject: typeof s === "string" || typeof s === "number" ? String(s) : fromId,
    level: typeof l === "string" || typeof l === "number" ? String(l) : null,
  };
}

/** The per-question sample cap that keeps all shown texts near `budget` characters. */
export function explorerCap(volumes: Array<{ questions: number; mean_chars: number }>, wanted: number, budget: number): number {
  const perSample = volumes.reduce((s, v) => s + v.questions * (v.mean_chars + 40), 0);
  if (perSample === 0) return wanted;
  return Math.max(1, Math.min(wanted, Math.floor(budget / perSample)));
}

/** The shortest excerpt the budget may cut a shown text to. */
export const MIN_EXCERPT_CHARS = 200;

/**
 * Characters kept per shown text: `maxChars` while `cap` samples per question fit the budget, else what one
 * sample per question can have (at 2 models x 7,500 questions and 12 M characters: 760).
 */
export function excerptChars(volumes: Array<{ questions: number; mean_chars: number }>, cap: number, budget: number, maxChars: number): number {
  const shown = volumes.reduce((s, v) => s + v.questions * cap, 0);
  const need = volumes.reduce((s, v) => s + v.questions * cap * (v.mean_chars + 40), 0);
  if (shown === 0 || need <= budget) return maxChars;
  return Math.min(maxChars, Math.max(MIN_EXCERPT_CHARS, Math.floor(budget / shown) - 40));
}

export async function explorerData(store: SampleStore, analysis: Analysis, models: string[], options: ExplorerOptions = {}): Promise<ExplorerData> {
  const { samplesPerQuestion = 4, maxChars = 3000, textBudget = 12_000_000, maxPromptChars = 3000 } = options;
  const binner = analysis.base ?? models[0]!;
  const reference = analysis.models[binner]!;
  // the bins refer to the modal n (older analyses: the smallest, which was the same thing when counts were equal)
  const scheme: BinScheme = { n: reference.modal_n ?? reference.samples_per_question, bins: reference.bins.map(({ label, lo, hi }) => ({ label, lo, hi })) };
  const modelIndex = new Map(models.map((m, i) => [m, i]));

  const byId = new Map<string, ExplorerQuestion>();
  const question = (id: string): ExplorerQuestion => {
    let q = byId.get(id);
    if (!q) byId.set(id, (q = { id, prompt: "", answer: "", subject: null, level: null, r: models.map(() => null) }));
    return q;
  };
  for (const q of await getQuestions(store)) {
    const e = question(q.id);
    e.prompt = cut(q.prompt, maxPromptChars);
    e.answer = q.answer;
    Object.assign(e, subjectAndLevel(q.id, q.meta));
  }
  for (const r of await questionResults(store)) {
    const m = modelIndex.get(r.model);
    if (m === undefined) continue;
    const q = question(r.question_id);
    if (q.subject === null) Object.assign(q, subjectAndLevel(q.id, undefined));
    q.r[m] = [r.n, r.correct, binIndex(scheme, r.correct, r.n)];
  }

  for (const t of await topAnswers(store)) {
    const m = modelIndex.get(t.model);
    if (m === undefined) continue;
    const q = question(t.question_id);
    q.a ??= models.map(() => []);
    q.a[m]!.push([t.extracted, t.samples, t.correct]);
  }

  // sized from the models shown: snapshots of a series (NAME@step-N) stored beside them take no share
  const volumes = (await textVolume(store, maxChars)).filter((v) => modelIndex.has(v.model));
  const cap = explorerCap(volumes, samplesPerQuestion, textBudget);
  const chars = excerptChars(volumes, cap, textBudget, maxChars);
  for (const e of await sampleExcerpts(store, { perQuestion: cap, maxChars: chars, models })) {
    const m = modelIndex.get(e.model);
    if (m === undefined) continue;
    const q = question(e.question_id);
    q.s ??= models.map(() => []);
    q.s[m]!.push([e.sample_index, e.correct === null ? null : e.correct ? 1 : 0, e.extracted, e.text, e.text_chars]);
  }

  const questions = [...byId.values()].filter((q) => q.r.some((r) => r !== null)).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  return { models, base: analysis.base, bins: scheme.bins.map((b) => b.label), cap, max_chars: chars, questions };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
