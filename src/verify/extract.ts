/**
 * Stage 1 of 4: answer extraction. Finds where in a free-text response the final answer may sit and returns
 * the candidates best first; verify.ts parses them in that order and keeps the first that parses.
 *
 * Candidates carry a priority (lower is better); within one priority the rightmost candidate comes first:
 *   0   <answer>...</answer>; "final answer is $X$. I hope it is correct"
 *   50  the last \boxed{...} / \fbox{...}; boxes side by side form a list, which verify.ts uses when the
 *       gold is a list too (otherwise the last box wins); "final answer ... is X"
 *   100 "answer:" followed within 50 characters by math or a number
 *   200 "answer" followed within 50 characters by math or a number; "the answer is <text>"
 *   300 any $...$, $$...$$, \(...\), \[...\] (neighbours joined by "," / "and" / "or" form a list) or number
 * Everything after a chat end token (<|im_end|>, <|endoftext|>, ...) is ignored; so is markdown bold.
 */
import { boxContents } from "./normalize.js";

export type CandidateSource = "answer-tag" | "final-answer" | "boxed" | "answer" | "math" | "number" | "text" | "whole";

export type Candidate = {
  /** The answer text as found (math delimiters removed). */
  text: string;
  /** For several boxes read as one list: the last box alone, which wins when the gold is a single value. */
  lastBox?: string;
  source: CandidateSource;
  priority: number;
  start: number;
  end: number;
};

const END_TOKENS = ["<|im_end|>", "<|im_start|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "</s>", "<｜end▁of▁sentence｜>", "<|end_of_text|>"];

/** Drops everything from the first chat end token on, and the reasoning before a closing </think>. */
export function cleanResponse(text: string): string {
  let s = text;
  for (const tok of END_TOKENS) {
    const k = s.indexOf(tok);
    if (k >= 0) s = s.slice(0, k);
  }
  const think = s.lastIndexOf("</think>");
  if (think >= 0 && s.slice(think + 8).trim().length > 0) s = s.slice(think + 8);
  return s.replace(/\*\*/g, "");
}

type Atom = { start: number; end: number; text: string; kind: "math" | "number" | "boxed"; last?: string };

/** Math regions: $$..$$ and \[..\] (may span lines), $..$ and \(..\) (one line). */
function scanMath(s: string): Atom[] {
  const atoms: Atom[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) {
      const d = s[i + 1];
      if (d === "[" || d === "(") {
        const close = d === "[" ? "\\]" : "\\)";
        const end = s.indexOf(close, i + 2);
        if (end >= 0) {
          const body = s.slice(i + 2, end);
          if (d === "[" || !body.includes("\n")) {
            atoms.push({ start: i, end: end + 2, text: body, kind: "math" });
            i = end + 2;
            continue;
          }
        }
      }
      i += 2;
      continue;
    }
    if (c === 36 /* $ */) {
      if (s[i + 1] === "$") {
        const end = s.indexOf("$$", i + 2);
        if (end < 0) {
          i += 2;
          continue;
        }
        atoms.push({ start: i, end: end + 2, text: s.slice(i + 2, end), kind: "math" });
        i = end + 2;
        continue;
      }
      const prev = s.charCodeAt(i - 1);
      if (prev >= 48 && prev <= 57) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n && s[j] !== "\n" && !(s[j] === "$" && s[j - 1] !== "\\")) j++;
      if (j < n && s[j] === "$" && j > i + 1) {
        atoms.push({ start: i, end: j + 1, text: s.slice(i + 1, j), kind: "math" });
        i = j + 1;
        continue;
      }
      i++;
      continue;
    }
    i++;
  }
  return atoms;
}

const NUMBER_RE =
  /(?<=^|[\s=(:])(?:\\?[$€£¥]\s?)?(-?(?:\d+(?:\.\d+)?\s*\/\s*\d+(?:\.\d+)?(?!\d|\.\d)|[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?|\.\d+))(?:\s*(%|percent|pct))?/g;

/** A bare \frac{3}{4} in running text (no math delimiters). */
const FRACTION_RE = /-?\\[dt]?frac\{-?\d+(?:[.,]\d+)?\}\{-?\d+(?:[.,]\d+)?\}/g;

/**
 * Plain-text numbers when only plain text is looked for (matchTypes ["expr"]): also "1 000" and decimal
 * commas ("2,74", "1000,99", "0,111"); a comma followed by exactly three digits stays a thousands separator.
 */
const TEXT_NUMBER_RE =
  /(?<=^|[\s=(:])(?:\\?[$€£¥]\s?)?(-?(?:[1-9]\d{0,2}(?:[ ,]\d{3})+(?:\.\d+)?(?![\d,])|\d+[.,]\d+|\d+|\.\d+))(?:\s*(%|percent|pct))?/g;

function scanNumbers(s: string, textOnly = false): Atom[] {
  const atoms: Atom[] = [];
  for (const m of s.matchAll(FRACTION_RE)) atoms.push({ start: m.index, end: m.index + m[0].length, text: m[0], kind: "number" });
  const re = textOnly ? TEXT_NUMBER_RE : NUMBER_RE;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const start = m.index + m[0].indexOf(m[1]!);
    let text = m[1]!;
    if (textOnly) text = /^-?[1-9]\d{0,2}(?:[ ,]\d{3})+(?:\.\d+)?$/.test(text) ? text.replace(/[ ,]/g, "") : text.replace(",", ".");
    atoms.push({ start, end: m.index + m[0].length, text: text + (m[2] ? "\\%" : ""), kind: "number" });
  }
  return atoms;
}

const PERCENT_AFTER = /^\s*(?:\\?%|percent|pct)/;
const JOINER = /^\s*(?:,?\s*and|,?\s*or|,)\s*$/;
const BOX_JOINER = /^(?:\s|,|;|\.|\$|\\\(|\\\)|\\\[|\\\]|\\quad|\\qquad|\\text\{\s*(?:and|or|,)?\s*\}|\band\b|\bor\b|&|[a-zA-Z](?:_\{?\w+\}?)?\s*=)*$/;

/** Math atoms joined by ",", "and", "or" into one list (up to 6), as `$1$, $2$ and $3$`. */
function groupMath(s: string, math: Atom[]): Atom[] {
  const out: Atom[] = [];
  for (let k = 0; k < math.length; k++) {
    const first = math[k]!;
    let text = withPercent(s, first);
    let end = first.end;
    let j = k + 1;
    while (j < math.length && j - k < 6 && JOINER.test(s.slice(end, math[j]!.start))) {
      text += "," + withPercent(s, math[j]!);
      end = math[j]!.end;
      j++;
    }
    out.push({ start: first.start, end, text, kind: "math" });
    k = j - 1;
  }
  return out;
}

function withPercent(s: string, a: Atom): string {
  return PERCENT_AFTER.test(s.slice(a.end, a.end + 12)) ? `${a.text}\\%` : a.text;
}

/** The atoms of `xs` not inside any of `regions` (both sorted by start; regions do not overlap). Linear. */
function outside(xs: Atom[], regions: Atom[]): Atom[] {
  xs.sort((a, b) => a.start - b.start);
  const out: Atom[] = [];
  let k = 0;
  for (const a of xs) {
    while (k < regions.length && regions[k]!.end <= a.start) k++;
    const r = regions[k];
    if (r && a.start >= r.start && a.end <= r.end) continue;
    out.push(a);
  }
  return out;
}

/** The last box, joined with the boxes right before it when only separators stand between them. */
function lastBoxGroup(s: string): Atom | null {
  const boxes = boxContents(s);
  if (boxes.length === 0) return null;
  let k = boxes.length - 1;
  const last = boxes[k]!;
  const parts = [last.content];
  let start = last.start;
  while (k > 0 && BOX_JOINER.test(s.slice(boxes[k - 1]!.end, boxes[k]!.start))) {
    k--;
    parts.unshift(boxes[k]!.content);
    start = boxes[k]!.start;
  }
  // \boxed{6} ... \boxed{6}: the same answer twice is one answer
  if (parts.every((x) => x.trim() === parts[0]!.trim())) parts.length = 1;
  const pct = PERCENT_AFTER.test(s.slice(last.end, last.end + 12)) && !/%/.test(last.content) ? "\\%" : "";
  const atom: Atom = { start, end: last.end, text: parts.join(",") + pct, kind: "boxed" };
  if (parts.length > 1) atom.last = last.content + pct;
  return atom;
}

/**
 * All answer candidates in `response`, best first. A response without any is unanswered (status no_answer).
 */
export type ExtractOptions = {
  /** Which kinds of answer to look for: LaTeX (boxes, math regions) and plain numbers (default both). */
  matchTypes?: readonly ("latex" | "expr")[];
};

export function extractCandidates(response: string, options: ExtractOptions = {}): Candidate[] {
  const types = options.matchTypes ?? ["latex", "expr"];
  const latex = types.includes("latex");
  const expr = types.includes("expr");
  const s = cleanResponse(response);
  const out: Candidate[] = [];
  const add = (a: Atom, source: CandidateSource, priority: number) => {
    const c: Candidate = { text: a.text, source, priority, start: a.start, end: a.end };
    if (a.last !== undefined) c.lastBox = a.last;
    out.push(c);
  };

  const tag = /<answer>([\s\S]*?)<\/answer>/g;
  let m: RegExpExecArray | null;
  let lastTag: Atom | null = null;
  while ((m = tag.exec(s)) !== null) lastTag = { start: m.index, end: m.index + m[0].length, text: m[1]!.trim(), kind: "math" };
  if (lastTag) {
    // The tag's own contents may hold a box or math: prefer those, else the raw text.
    const inner = extractCandidates(lastTag.text, options);
    for (const c of inner) out.push({ ...c, source: "answer-tag", priority: 0 + c.priority / 1000 });
    out.push({ text: lastTag.text, source: "answer-tag", priority: 0.5, start: lastTag.start, end: lastTag.end });
  }

  const math = latex ? groupMath(s, scanMath(s)) : [];
  // Plain numbers outside math regions (a number inside one that failed to parse is not the answer).
  const numbers = outside(expr ? scanNumbers(s, !latex) : latex ? scanNumbers(s).filter((a) => a.text.includes("frac")) : [], math);
  const atoms = [...math, ...numbers].sort((a, b) => a.start - b.start || b.end - a.end);
  // The first atom starting within `window` characters of pos; a plain number must be on the same line.
  const atomAfter = (pos: number, window: number): Atom | null => {
    let lo = 0;
    let hi = atoms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (atoms[mid]!.start < pos) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < atoms.length && atoms[k]!.start <= pos + window; k++) {
      const a = atoms[k]!;
      if (a.kind === "number" && s.slice(pos, a.start).includes("\n")) continue;
      return a;
    }
    return null;
  };

  const box = latex ? lastBoxGroup(s) : null;
  if (box) add(box, "boxed", 50);

  for (const fm of s.matchAll(/final answer is:?\s*/gi)) {
    const a = atomAfter(fm.index + fm[0].length, 2);
    if (a && /^\.?\s?I hope/.test(s.slice(a.end, a.end + 10))) add(a, "final-answer", 0);
  }
  for (const fm of s.matchAll(/final answer.{0,100}?\s+is:?\s*/gi)) {
    const a = atomAfter(fm.index + fm[0].length, 2);
    if (a) add(a, "final-answer", 50);
  }
  for (const am of s.matchAll(/answer(:?)/gi)) {
    const a = atomAfter(am.index + am[0].length, 50);
    if (a) add(a, "answer", am[1] ? 100 : 200);
  }
  // "the answer is Evelyn.", "Answer: (B)", "the correct option is \textbf{(C)}."
  for (const tm of s.matchAll(/(?:answer(?: is:?|:)|(?:option|choice) is:?)\s*(\\text(?:bf|rm)?\{\s*)?([^\n.$\\]{1,60})(?:[.\n]|$)/gi)) {
    let text = tm[2]!.trim();
    if (tm[1]) text = text.replace(/\}$/, "").trim();
    if (text) out.push({ text, source: "text", priority: 250, start: tm.index, end: tm.index + tm[0].length });
  }
  for (const a of atoms) add(a, a.kind === "math" ? "math" : "number", 300);

  out.sort((a, b) => a.priority - b.priority || b.end - a.end || a.start - b.start);
  // drop repeats of the same text
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.text) ? false : (seen.add(c.text), true)));
}

/** Candidates for a gold answer: bare LaTeX (no $ delimiter, box or "answer"; \$ is currency) is the answer as it stands. */
export function goldCandidates(gold: string, options: ExtractOptions = {}): Candidate[] {
  const plainTextOnly = options.matchTypes !== undefined && !options.matchTypes.includes("latex");
  if (!plainTextOnly && !/(?<!\\)\$|\\boxed|\\fbox|\\\(|\\\[|answer/i.test(gold)) {
    return [{ text: gold.trim(), source: "whole", priority: 0, start: 0, end: gold.length }];
  }
  const cands = extractCandidates(gold, options);
  cands.push({ text: gold.trim(), source: "whole", priority: 1000, start: 0, end: gold.length });
  return cands;
}
