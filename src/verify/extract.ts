/**
 * Stage 1 of 4: answer extraction. Finds where in a free-text response the final answer may sit and returns
 * the candidates best first; verify.ts parses them in that order and keeps the first that parses (but a box
 * that does not parse is the answer given, unparsed: nothing after it is tried, see verify.ts).
 *
 * Candidates carry a priority (lower is better); within one priority the rightmost candidate comes first:
 *   0   <answer>...</answer>; "final answer is $X$. I hope it is correct"
 *   50  the last \boxed{...} / \fbox{...}; boxes side by side form a list, which verify.ts uses when the
 *       gold is a list too (otherwise the last box wins); "final answer ... is X"
 *   99  "answer:" (or "####", or an answer word of another language) followed by nothing but an answer up to
 *       the end of the line: that whole answer ("Answer: 3x - 1" gives 3x - 1, not 3)
 *   100 "answer:" followed within 50 characters by math or a number
 *   199/200 the same after "answer" without a colon
 *   250 "the answer is <text>"
 *   280 the whole response, when it is nothing but an answer (a bare prediction such as `(x-2)(x+2)`)
 *   300 any $...$, $$...$$, \(...\), \[...\] (neighbours joined by "," / "and" / "or" form a list) or number
 * Everything after a chat end token (<|im_end|>, <|endoftext|>, ...) is ignored; so is markdown bold. Nothing
 * inside a box is a candidate of its own: a box that does not parse is never read as a fragment of it.
 *
 * The convention (conventions.ts) narrows the search: `boxed` keeps only the last box, `answer-tag` only the
 * last <answer> tag (searched inside), `final` only the anchored candidates (priorities 0 to 280).
 */
import { boxContents } from "./normalize.js";
import type { ExtractConvention } from "./conventions.js";

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

/** What may stand right before a plain number: a space, "=", "(", a colon, or a CJK character ("答案是15个"). */
const NUMBER_BEFORE = String.raw`(?<=^|[\s=(:：]|[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])`;

const NUMBER_RE = new RegExp(
  NUMBER_BEFORE +
    String.raw`(?:\\?[$€£¥]\s?)?(-?(?:\d+(?:\.\d+)?\s*\/\s*\d+(?:\.\d+)?(?!\d|\.\d)|[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?|\.\d+))(?:\s*(%|percent|pct))?`,
  "gu",
);

/** A bare \frac{3}{4} in running text (no math delimiters). */
const FRACTION_RE = /-?\\[dt]?frac\{-?\d+(?:[.,]\d+)?\}\{-?\d+(?:[.,]\d+)?\}/g;

/**
 * Plain-text numbers when only plain text is looked for (matchTypes ["expr"]): also "1 000" and decimal
 * commas ("2,74", "1000,99", "0,111"); a comma followed by exactly three digits stays a thousands separator.
 */
const TEXT_NUMBER_RE = new RegExp(
  NUMBER_BEFORE +
    String.raw`(?:\\?[$€£¥]\s?)?(-?(?:[1-9]\d{0,2}(?:[ ,]\d{3})+(?:\.\d+)?(?![\d,])|\d+[.,]\d+|\d+|\.\d+))(?:\s*(%|percent|pct))?`,
  "gu",
);

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

export type ExtractOptions = {
  /** Which kinds of answer to look for: LaTeX (boxes, math regions) and plain numbers (default both). */
  matchTypes?: readonly ("latex" | "expr")[];
  /** Where the answer may sit (conventions.ts; default "any": the whole response). */
  extract?: ExtractConvention;
};

/**
 * The word "answer" in the languages lighteval knows one for: `answer=` of each TranslationLiterals entry in
 * huggingface/lighteval src/lighteval/tasks/templates/utils/translation_literals.py (0.13.1.dev0, commit
 * 3fd15266), where the anchor regexes of src/lighteval/metrics/utils/extractive_match_utils.py look for them
 * case-insensitively, followed by the language's colon (`:` or the full-width `：`). lighteval uses one
 * language at a time; rlvd accepts them all at once, so words in alphabetic scripts must stand alone (no letter
 * either side: "svar" is not read in "svaret", nor "sagot" in "sagoth"). English keeps its own, older rule below.
 * 最终答案 and 最終答案 ("final answer") end in 答案 and are found through it.
 */
const ANSWER_WORDS_SPACED = [
  "إجابة", "яуап", "erantzuna", "адказ", "উত্তর", "отговор", "resposta", "tubag", "odgovor", "odpověď", "svar", "antwoord",
  "vastus", "vastaus", "réponse", "antwort", "απάντηση", "જવાબ", "उत्तर", "válasz", "jawaban", "risposta", "одговор",
  "odpowiedź", "ਜਵਾਬ", "răspuns", "ответ", "odpoveď", "respuesta", "jibu", "sagot", "பதில்", "җавап", "జవాబు", "cevap",
  "валэктон", "відповідь", "جواب", "javob", "trả lời",
];
/** Scripts without spaces between words: the anchor may be glued to what surrounds it. */
const ANSWER_WORDS_GLUED = ["答案", "回答", "คำตอบ", "ၶေႃႈတွပ်ႇ"];
// The word boundaries of spaced words are checked in code (a lookbehind here costs 3x the whole scan), and
// words outside ASCII are looked for only in responses that have a character outside ASCII.
const asciiWords = ANSWER_WORDS_SPACED.filter((w) => /^[\x00-\x7f]+$/.test(w));
const FOREIGN_ASCII_RE = new RegExp(`(${asciiWords.join("|")})`, "gi");
const FOREIGN_OTHER_RE = new RegExp(String.raw`(${ANSWER_WORDS_SPACED.filter((w) => !asciiWords.includes(w)).join("|")})|(?:${ANSWER_WORDS_GLUED.join("|")})`, "giu");
const LETTER = /[\p{L}\p{M}]/u;

/** The foreign answer anchors of `s`: where each ends (after a colon, if any) and whether it had one. */
function foreignAnchors(s: string): { end: number; colon: boolean }[] {
  const out: { end: number; colon: boolean }[] = [];
  const matches = [...s.matchAll(FOREIGN_ASCII_RE)];
  if (/[^\x00-\x7f]/.test(s)) matches.push(...s.matchAll(FOREIGN_OTHER_RE));
  for (const m of matches) {
    let end = m.index + m[0].length;
    if (m[1] !== undefined && (LETTER.test(s[m.index - 1] ?? "") || LETTER.test(s[end] ?? ""))) continue;
    const colon = /^\s*[:：]/.exec(s.slice(end, end + 8));
    if (colon) end += colon[0].length;
    out.push({ end, colon: colon !== null });
  }
  return out;
}

/** What may stand between an answer word and the answer: "is", 是/为 (zh), est/es/ist/é, a dash. */
const ANCHOR_LINK = /^\s*(?:(?:is|est|es|ist|é|è|это)(?![\p{L}])|是|为|為|は|—|–|-(?!\d))?\s*[:：]?\s*/iu;

/** Words that may stand in an answer given alone on a line (function names, "and"/"or" between items). */
const WORDS_IN_ANSWERS = /^(?:and|or|sqrt|sin|cos|tan|cot|sec|csc|arcsin|arccos|arctan|log|ln|exp|pi|inf|infinity|undefined|none|true|false)$/i;

/**
 * Is `t` nothing but an answer, e.g. `(x-2)(x+2)`, `3x - 1`, `\frac{1}{2}`, `x = 5`: one line, no prose word
 * (a run of two or more letters outside LaTeX commands and \text{}, other than function names and and/or),
 * no letters of other scripts. The parser decides whether it is a valid one.
 */
export function isOnlyAnswer(t: string): boolean {
  const s = t.trim();
  if (s === "" || s.length > 300 || /[\n\r]/.test(s)) return false;
  const bare = s.replace(/\\text\{[^{}]*\}/g, " ").replace(/\\[a-zA-Z]+/g, " ");
  if (/[^\x00-\x7F°π√∞≤≥≠±×÷−·]/u.test(bare)) return false;
  for (const w of bare.match(/[a-zA-Z]{2,}/g) ?? []) if (!WORDS_IN_ANSWERS.test(w)) return false;
  return /[0-9a-zA-Z\\]/.test(s);
}

/** The rest of the line from `pos`, as an answer when it is nothing but one (delimiters and a final full stop dropped). */
function restOfLineAnswer(s: string, pos: number): Atom | null {
  // a line longer than an answer can be is not one (and looking no further keeps many anchors linear)
  const head = s.slice(pos, pos + 302);
  const eol = head.indexOf("\n");
  if (eol < 0 && pos + head.length < s.length) return null;
  const end = eol < 0 ? s.length : pos + eol;
  let text = s.slice(pos, end).trim().replace(/[.。]\s*$/u, "").trim();
  const m = /^(?:\$\$?|\\\(|\\\[)([\s\S]*?)(?:\$\$?|\\\)|\\\])$/.exec(text);
  if (m) text = m[1]!.trim();
  if (!isOnlyAnswer(text) || /\$/.test(text)) return null;
  return { start: pos, end, text, kind: "math" };
}

/**
 * All answer candidates in `response`, best first, under the convention `options.extract` (default "any").
 * A response without any is unanswered (status no_answer).
 */
export function extractCandidates(response: string, options: ExtractOptions = {}): Candidate[] {
  const convention = options.extract ?? "any";
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

  if (convention === "boxed") {
    // the study's convention: the last box (boxes side by side stay a list for a list gold, see verify.ts)
    const box = lastBoxGroup(s);
    if (box) add(box, "boxed", 50);
    return out;
  }

  const tag = /<answer>([\s\S]*?)<\/answer>/g;
  let m: RegExpExecArray | null;
  let lastTag: Atom | null = null;
  while ((m = tag.exec(s)) !== null) lastTag = { start: m.index, end: m.index + m[0].length, text: m[1]!.trim(), kind: "math" };
  if (lastTag) {
    // The tag's own contents may hold a box or math: prefer those, else the raw text.
    const inner = extractCandidates(lastTag.text, { ...options, extract: "any" });
    for (const c of inner) out.push({ ...c, source: "answer-tag", priority: 0 + c.priority / 1000 });
    out.push({ text: lastTag.text, source: "answer-tag", priority: 0.5, start: lastTag.start, end: lastTag.end });
  }
  if (convention === "answer-tag") return dedupe(out);

  const boxes = latex ? boxContents(s).map((b): Atom => ({ start: b.start, end: b.end, text: b.content, kind: "boxed" })) : [];
  const math = latex ? groupMath(s, outside(scanMath(s), boxes)) : [];
  // Plain numbers outside math regions (a number inside one that failed to parse is not the answer) and
  // outside boxes (a box is read whole or not at all).
  const numbers = outside(outside(expr ? scanNumbers(s, !latex) : latex ? scanNumbers(s).filter((a) => a.text.includes("frac")) : [], math), boxes);
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
  // An anchor word ending at `pos`: the whole rest of the line when it is only an answer, else the first
  // math or number within 50 characters.
  const anchored = (pos: number, colon: boolean, lineOnly = false) => {
    const link = ANCHOR_LINK.exec(s.slice(pos, pos + 12));
    const line = restOfLineAnswer(s, pos + (link ? link[0].length : 0));
    if (line) add(line, "answer", colon ? 99 : 199);
    if (lineOnly) return;
    const a = atomAfter(pos, 50);
    if (a) add(a, "answer", colon ? 100 : 200);
  };
  for (const am of s.matchAll(/answer(:?)/gi)) anchored(am.index + am[0].length, am[1] !== "");
  for (const a of foreignAnchors(s)) anchored(a.end, a.colon);
  // GSM8K's "#### 42": only a whole answer after it (a markdown heading "#### Step 2: ..." gives none)
  for (const hm of s.matchAll(/####[ \t]*/g)) anchored(hm.index + hm[0].length, true, true);
  // "the answer is Evelyn.", "Answer: (B)", "the correct option is \textbf{(C)}."
  for (const tm of s.matchAll(/(?:answer(?: is:?|:)|(?:option|choice) is:?)\s*(\\text(?:bf|rm)?\{\s*)?([^\n.$\\]{1,60})(?:[.\n]|$)/gi)) {
    let text = tm[2]!.trim();
    if (tm[1]) text = text.replace(/\}$/, "").trim();
    if (text) out.push({ text, source: "text", priority: 250, start: tm.index, end: tm.index + tm[0].length });
  }
  // a bare prediction: the response is nothing but an answer (plain-text numbers alone: the number scan
  // reads their decimal commas)
  const whole = boxes.length === 0 && !lastTag ? restOfLineAnswer(s, 0) : null;
  const plainNumber = !latex && whole !== null && /^[-\d\s.,]+$/.test(whole.text);
  if (whole && !plainNumber && s.trim() === s.slice(0, whole.end).trim()) add({ ...whole, start: 0, end: s.length }, "whole", 280);
  if (convention === "any") for (const a of atoms) add(a, a.kind === "math" ? "math" : "number", 300);
  return dedupe(out);
}

/**
 * The last box alone, when it is sure to be the first candidate extractCandidates would give: LaTeX is looked
 * for, the convention is not answer-tag, and nothing that can outrank a box is there (no <answer> tag, no "final answer"). Since a box that does
 * not parse ends the search (verify.ts), the verdict then depends on the box alone, and the response need not
 * be scanned for math, numbers and anchors. Null: use extractCandidates.
 */
export function boxCandidate(response: string, options: ExtractOptions = {}): Candidate[] | null {
  if (options.extract === "answer-tag" || (options.matchTypes !== undefined && !options.matchTypes.includes("latex"))) return null;
  const s = cleanResponse(response);
  if (s.includes("<answer>") || /final answer/i.test(s)) return null;
  const box = lastBoxGroup(s);
  if (!box || box.text.trim() === "") return null;
  const c: Candidate = { text: box.text, source: "boxed", priority: 50, start: box.start, end: box.end };
  if (box.last !== undefined) c.lastBox = box.last;
  return [c];
}

/** Best first (priority, then rightmost), each text once. */
function dedupe(out: Candidate[]): Candidate[] {
  out.sort((a, b) => a.priority - b.priority || b.end - a.end || a.start - b.start);
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
