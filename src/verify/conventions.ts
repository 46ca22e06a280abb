/**
 * Grading conventions: where in a response the graded answer may sit (`extract`) and how strictly it is
 * compared (`strict`). Declared once here; the CLI flags, the store's `grading` column, the report and
 * `rlvd analyze`'s mixed-grading check all read this table.
 *
 * `strict` is math-verify's own option of that name (huggingface/Math-Verify 0.8.0, src/math_verify/grader.py,
 * `verify(..., strict=True)`): when false, variables are matched by position (`x + 1` = `y + 1`). In
 * math-verify, as in rlvd, an assignment and a bare value match in either mode (`x = 5` vs `5`: grader.py's
 * `sympy_expr_eq` unwraps a predicted equation against a non-equation gold, and an assignment gold against a
 * bare prediction), so that is not a strictness choice there and is not one here.
 */
import { z } from "zod";
import { RlvdError } from "../core/errors.js";

export const EXTRACT_CONVENTIONS = {
  any: "search the whole response: <answer> tags, answer anchors, the last box, then any math or number (default)",
  boxed: "only the last \\boxed{}/\\fbox{}; no box is no answer (the study's convention)",
  "answer-tag": "only the last <answer>...</answer> (R1 style; a box inside it is preferred); no tag is no answer",
  final: 'only answer anchors ("final answer is", "answer:", "####", 答案, Réponse, Ответ, ...) and the last box',
} as const satisfies Record<string, string>;

export type ExtractConvention = keyof typeof EXTRACT_CONVENTIONS;

export const EXTRACT_NAMES = Object.keys(EXTRACT_CONVENTIONS) as ExtractConvention[];

export const ExtractConventionSchema = z.enum(EXTRACT_NAMES as [ExtractConvention, ...ExtractConvention[]]);

/** One line naming the allowed values, for errors and --help. */
export function extractUsage(): string {
  return EXTRACT_NAMES.join(" | ");
}

/** Reads a convention name; anything else is a one-line usage error naming `where` and the allowed values. */
export function parseExtractConvention(value: unknown, where = "--extract"): ExtractConvention {
  const r = ExtractConventionSchema.safeParse(value);
  if (r.success) return r.data;
  throw new RlvdError("BAD_ARGUMENT", `${where} must be one of ${EXTRACT_NAMES.join(", ")} (got ${JSON.stringify(value)})`);
}

/** The grading a verdict was made under. */
export type Grading = { extract: ExtractConvention; strict: boolean };

export const DEFAULT_GRADING: Grading = { extract: "any", strict: true };

/**
 * How a grading reads in the store and the report: the convention name, with " non-strict" when strict is
 * off ("boxed", "any non-strict"). A store written before conventions existed has none: that is "any".
 */
export function gradingLabel(g: Partial<Grading> = {}): string {
  const extract = g.extract ?? "any";
  return g.strict === false ? `${extract} non-strict` : extract;
}

/** The inverse of gradingLabel; null or empty (an old store) is the default grading. */
export function parseGradingLabel(label: string | null | undefined): Grading {
  if (label === null || label === undefined || label === "") return { ...DEFAULT_GRADING };
  const [name, flag] = label.split(" ");
  return { extract: parseExtractConvention(name, "grading"), strict: flag !== "non-strict" };
}
