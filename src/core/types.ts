/** The data model shared by every layer (see docs/design.md). Plain types; zod schemas live at the edges. */

export type Question = {
  id: string;
  prompt: string;
  /** Ground-truth final answer, as text (LaTeX allowed). */
  answer: string;
  meta?: Record<string, unknown>;
};

export type VerifyStatus = "ok" | "no_answer" | "parse_error" | "timeout" | "unverified" | "imported";

export type Sample = {
  model: string;
  question_id: string;
  sample_index: number;
  text: string | null;
  finish_reason?: string | null;
  n_tokens?: number | null;
  extracted?: string | null;
  correct: boolean | null;
  verify_status?: VerifyStatus | null;
  /** the grading convention of an rlvd verdict (verify/conventions.ts gradingLabel); null: "any", or not rlvd's */
  grading?: string | null;
  seed?: number | null;
  latency_ms?: number | null;
  /** the verdict of the harness the sample was imported from, kept beside rlvd's own `correct` */
  harness_correct?: boolean | null;
};

/** Results that arrive as counts only: `correct` of `n` samples of `model` on `question` were right. */
export type QuestionCount = {
  model: string;
  question_id: string;
  n: number;
  correct: number;
};
