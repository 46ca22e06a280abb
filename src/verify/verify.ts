/**
 * The verifier's public API: is this response's final answer equal to the gold answer?
 *
 *   verify(gold, response, options?)     synchronous, in-process; never throws
 *   extractAnswer(response)              the answer a response gives, as written, or null
 *   answersEquivalent(a, b)              two already-extracted answers (maj@k grouping, answer entropy)
 *
 * Both sides go through the same stages: extract.ts -> normalize.ts -> parse.ts; then compare.ts decides,
 * with the gold guiding (see compare.ts for the asymmetries). The batch API with hard, preemptive timeouts
 * lives in pool.ts.
 */
import type { Node } from "./ast.js";
import { show } from "./ast.js";
import type { Candidate } from "./extract.js";
import { boxCandidate, extractCandidates, goldCandidates } from "./extract.js";
import { normalizeLatex } from "./normalize.js";
import { parseLatex } from "./parse.js";
import { equivalent, expandPm, TimeoutSignal } from "./compare.js";
import type { ExtractConvention } from "./conventions.js";

/** The verdict statuses (a subset of the store's VerifyStatus). */
export type VerdictStatus = "ok" | "no_answer" | "parse_error" | "timeout";

export type VerifyOptions = {
  /** Time limit for one verification, in ms (default 2000). In-process it is checked cooperatively. */
  timeoutMs?: number;
  /** Decimals floats are rounded to when compared with exact values (default 6). */
  floatRounding?: number;
  /** Variable names must match (default true). */
  strict?: boolean;
  /** Compare a gold set with a predicted inequality too (default true; false: only a gold inequality with a
   * predicted set, as math-verify does by default). */
  allowSetRelationComp?: boolean;
  /** Treat `response` as an already-extracted answer rather than free text (default false). */
  predIsAnswer?: boolean;
  /** What extraction looks for: LaTeX, plain numbers, or both (default both; math-verify's match types). */
  matchTypes?: readonly ("latex" | "expr")[];
  /** Where in the response the answer may sit (conventions.ts): "any" (default), "boxed", "answer-tag", "final". */
  extract?: ExtractConvention;
};

export type SideResult = {
  /** The answer text chosen by extraction, as written; null when none was found. */
  extracted: string | null;
  /** The same after normalisation; null when none was found. */
  normalized: string | null;
  /** The parsed answer rendered compactly; null when it did not parse. */
  parsed: string | null;
};

export type VerifyResult = {
  correct: boolean;
  status: VerdictStatus;
  /** Extracted answer of the response (shortcut for pred.extracted). */
  extracted: string | null;
  pred: SideResult;
  gold: SideResult;
  /** What went wrong, when status is not ok. */
  error?: string;
};

export const DEFAULT_VERIFY_OPTIONS = {
  timeoutMs: 2000,
  floatRounding: 6,
  strict: true,
  allowSetRelationComp: true,
  predIsAnswer: false,
  matchTypes: ["latex", "expr"],
  extract: "any",
} satisfies Required<VerifyOptions>;

type Side = { extracted: string | null; normalized: string | null; node: Node | null; error?: string; lastBox?: string };

/** Parses a normalised answer; when it fails, the part after the last "=" of a chain (a = \foo = 3). */
function parseWithFallback(normalized: string): Node {
  try {
    return parseLatex(normalized);
  } catch (e) {
    const parts = normalized.split(/(?<![<>!\\])=/);
    if (parts.length > 2 && !/[,;]/.test(normalized)) return parseLatex(parts[parts.length - 1]!);
    throw e;
  }
}

/**
 * Parses candidates in order and keeps the first that parses; with none parsing, keeps the first as text.
 * With `boxIsFinal` (the response side), a box that does not parse ends the search: the box is the answer the
 * response gives, and no weaker candidate (a number elsewhere, an earlier math region) stands in for it.
 */
function chooseAnswer(cands: Candidate[], boxIsFinal = false): Side {
  let first: Side | null = null;
  let error: string | undefined;
  for (const c of cands.slice(0, 40)) {
    const normalized = normalizeLatex(c.text);
    if (normalized === "") continue;
    try {
      const node = parseWithFallback(normalized);
      const side: Side = { extracted: c.text, normalized, node };
      if (c.lastBox !== undefined) side.lastBox = c.lastBox;
      return side;
    } catch (e) {
      error ??= e instanceof Error ? e.message : String(e);
      first ??= { extracted: c.text, normalized, node: null };
      if (boxIsFinal && c.source === "boxed") {
        // boxes side by side that do not parse as one list: the last box alone, or nothing
        if (c.lastBox !== undefined) {
          const last = chooseAnswer([{ text: c.lastBox, source: "boxed", priority: c.priority, start: c.start, end: c.end }]);
          if (last.node) return last;
        }
        break;
      }
    }
  }
  return first ? { ...first, error } : { extracted: null, normalized: null, node: null };
}

function sideResult(s: Side): SideResult {
  return { extracted: s.extracted, normalized: s.normalized, parsed: s.node ? show(s.node) : null };
}

function stringKey(s: string | null): string {
  return (s ?? "").replace(/\s+/g, "").toLowerCase();
}

/**
 * Grades `response` against `gold`. Never throws: failures come back as `status` with `correct: false`.
 * The time limit is cooperative here (checked between steps); use verifyBatch for a preemptive one.
 */
export function verify(gold: string, response: string, options: VerifyOptions = {}): VerifyResult {
  const o = { ...DEFAULT_VERIFY_OPTIONS, ...options };
  const deadline = Date.now() + o.timeoutMs;
  let g: Side = { extracted: null, normalized: null, node: null };
  let p: Side = { extracted: null, normalized: null, node: null };
  const result = (correct: boolean, status: VerdictStatus, error?: string): VerifyResult => {
    const r: VerifyResult = { correct, status, extracted: p.extracted, pred: sideResult(p), gold: sideResult(g) };
    if (error !== undefined) r.error = error;
    return r;
  };
  try {
    const x = { matchTypes: o.matchTypes };
    g = chooseAnswer(goldCandidates(String(gold ?? ""), x));
    const text = String(response ?? "");
    if (o.predIsAnswer) p = chooseAnswer(goldCandidates(text, x));
    else {
      const ex = { ...x, extract: o.extract };
      // most responses end in a box that decides alone: skip the scan of the whole response
      const box = boxCandidate(text, ex);
      if (box) p = chooseAnswer(box, true);
      if (p.extracted === null) p = chooseAnswer(extractCandidates(text, ex), true);
    }
    if (p.extracted === null) return result(false, "no_answer", "no answer found in the response");
    // Several boxes read as a list: the last box wins unless the gold is itself a list or set (or a \pm: two values).
    const gNode = g.node && expandPm(g.node);
    if (p.lastBox !== undefined && !(gNode && (gNode.k === "list" || gNode.k === "set"))) {
      const last = chooseAnswer([{ text: p.lastBox, source: "boxed", priority: 50, start: 0, end: 0 }]);
      if (last.node) p = last;
    }
    if (g.extracted === null) return result(false, "parse_error", "no gold answer");
    if (Date.now() > deadline) return result(false, "timeout", "time limit reached while parsing");
    if (g.node && p.node) {
      const ok = equivalent(g.node, p.node, { floatRounding: o.floatRounding, strict: o.strict, allowSetRelationComp: o.allowSetRelationComp, deadline });
      if (ok || stringKey(g.normalized) !== stringKey(p.normalized)) return result(ok, "ok");
      return result(true, "ok");
    }
    // One side did not parse: only identical text counts.
    const same = stringKey(g.normalized) !== "" && stringKey(g.normalized) === stringKey(p.normalized);
    if (same) return result(true, "ok");
    return result(false, "parse_error", (g.node ? p.error : g.error) ?? "unparsed answer");
  } catch (e) {
    if (e instanceof TimeoutSignal) return result(false, "timeout", e.message);
    return result(false, "parse_error", e instanceof Error ? e.message : String(e));
  }
}

/** The final answer a response gives, as written (delimiters removed), or null when it gives none. */
export function extractAnswer(response: string, options: { extract?: ExtractConvention } = {}): string | null {
  try {
    return chooseAnswer(extractCandidates(String(response ?? ""), options), true).extracted;
  } catch {
    return null;
  }
}

/**
 * Are two already-extracted answers equivalent? `a` plays the gold. For grouping sampled answers (maj@k,
 * answer entropy). Never throws; false on timeout or when neither parses and their text differs.
 */
export function answersEquivalent(a: string, b: string, options: VerifyOptions = {}): boolean {
  return verify(a, b, { ...options, predIsAnswer: true }).correct;
}

/**
 * An extracted answer read once (candidates, normalisation, parse), to be compared with many others:
 * grouping a question's answers compares each distinct answer with every class, and parsing is most of a
 * comparison's cost. Opaque outside this file.
 */
export type PreparedAnswer = { readonly side: Side | null; readonly parseMs: number };

export function prepareAnswer(text: string, options: Pick<VerifyOptions, "matchTypes"> = {}): PreparedAnswer {
  const t0 = Date.now();
  try {
    const side = chooseAnswer(goldCandidates(String(text ?? ""), { matchTypes: options.matchTypes ?? DEFAULT_VERIFY_OPTIONS.matchTypes }));
    return { side, parseMs: Date.now() - t0 };
  } catch {
    return { side: null, parseMs: Date.now() - t0 };
  }
}

/**
 * answersEquivalent on prepared answers: the same verdict, `a` playing the gold. The two parses' time counts
 * against `timeoutMs` as it does in answersEquivalent, so a pathological answer is still "not equivalent"
 * when its parse alone took longer than the limit.
 */
export function preparedEquivalent(a: PreparedAnswer, b: PreparedAnswer, options: VerifyOptions = {}): boolean {
  const o = { ...DEFAULT_VERIFY_OPTIONS, ...options };
  const g = a.side;
  let p = b.side;
  // a side whose reading threw: verify reports a parse error
  if (g === null || p === null) return false;
  try {
    if (p.extracted === null) return false;
    const gNode = g.node && expandPm(g.node);
    if (p.lastBox !== undefined && !(gNode && (gNode.k === "list" || gNode.k === "set"))) {
      const last = chooseAnswer([{ text: p.lastBox, source: "boxed", priority: 50, start: 0, end: 0 }]);
      if (last.node) p = last;
    }
    if (g.extracted === null) return false;
    if (a.parseMs + b.parseMs > o.timeoutMs) return false;
    if (g.node && p.node) {
      const deadline = Date.now() + o.timeoutMs - a.parseMs - b.parseMs;
      const ok = equivalent(g.node, p.node, { floatRounding: o.floatRounding, strict: o.strict, allowSetRelationComp: o.allowSetRelationComp, deadline });
      return ok || stringKey(g.normalized) === stringKey(p.normalized);
    }
    return stringKey(g.normalized) !== "" && stringKey(g.normalized) === stringKey(p.normalized);
  } catch {
    return false;
  }
}
