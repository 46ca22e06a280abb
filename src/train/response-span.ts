// Where the response starts in an OpenRLHF reward query. OpenRLHF sends `query` = decode(prompt_ids +
// response_ids) with special tokens kept (openrlhf/utils/agent.py, SingleTurnAgentExecutor.execute, v0.11.0;
// v0.8 batch-decoded left-padded sequences, openrlhf/trainer/ppo_utils/experience_maker.py), and `prompts` =
// the prompt text before tokenization. So `query` need not start with the prompt: pad tokens may precede it,
// the prompt may be left-truncated to fit max_len, and decoding may change spacing or Unicode forms. Grading
// the whole query would grade the prompt's own \boxed{} examples, so the response is found here or the item
// is refused.

/** Assistant-turn openers of common chat templates, as their decoded text. */
export const ASSISTANT_MARKERS = [
  "<|im_start|>assistant", // ChatML: Qwen 2/2.5/3, QwQ, many fine-tunes
  "<|start_header_id|>assistant<|end_header_id|>", // Llama 3.x
  "<｜Assistant｜>", // DeepSeek V3 / R1 and its distills (full-width bars)
  "<|assistant|>", // Phi-3, Zephyr
  "<start_of_turn>model", // Gemma
  "[/INST]", // Mistral, Llama 2
] as const;

/** End-of-turn and padding tokens a decode with special tokens kept leaves after the response. */
const TRAILING_SPECIALS = /(?:\s*(?:<\|(?:im_end|endoftext|eot_id|end_of_text|end|eos|pad)\|>|<｜end▁of▁sentence｜>|<\/s>|<eos>|<pad>|<end_of_turn>))+\s*$/;
/** What may stand before a left-truncated prompt in a query: padding and BOS-like tokens, a broken character. */
const JUNK = /^(?:<[|｜]?[^<>\s]{0,40}[|｜]?>|\uFFFD)*$/u;
/** The shortest prompt tail trusted to locate a truncated prompt (shorter prompts must appear whole). */
const MIN_TAIL = 8;

export type ResponseSpan = { response: string; how: "prefix" | "contained" | "truncated" | "marker" | "whole" };

/**
 * The response inside `query`: after the prompt (byte for byte, or after padding, or modulo whitespace and
 * Unicode compatibility forms), after the surviving end of a left-truncated prompt, or after the assistant
 * marker that opens the generation. Without a prompt: after the last assistant marker, else the whole query.
 * Returns a one-line reason instead when a prompt is given but cannot be located.
 */
export function findResponse(query: string, prompt: string | undefined): ResponseSpan | { error: string } {
  const done = (start: number, how: ResponseSpan["how"]): ResponseSpan => ({ response: query.slice(start).replace(TRAILING_SPECIALS, ""), how });
  if (prompt === undefined || prompt === "") {
    const m = lastMarker(query);
    return m === undefined ? done(0, "whole") : done(skipSpace(query, m), "marker");
  }
  if (query.startsWith(prompt)) return done(prompt.length, "prefix");
  const q = fold(query), p = fold(prompt);
  if (p.text.length === 0) return done(0, "whole");
  const at = q.text.indexOf(p.text);
  if (at >= 0) return done(skipSpace(query, q.end[at + p.text.length - 1]!), "contained");
  const tail = longestSuffixIn(p.text, q.text);
  if (tail && (tail.length >= MIN_TAIL || tail.length === p.text.length) && JUNK.test(q.text.slice(0, tail.at))) {
    return done(skipSpace(query, q.end[tail.at + tail.length - 1]!), "truncated");
  }
  const m = markerAfterPrompt(query, prompt);
  if (m !== undefined) return done(m, "marker");
  return {
    error:
      "cannot find where the response starts: the prompt is not in the query (not as a prefix, nor after padding, nor modulo spacing, " +
      `nor left-truncated) and the query has no assistant-turn marker (${ASSISTANT_MARKERS.join(", ")})`,
  };
}

/**
 * `s` with whitespace removed and each character in its NFKC form, and for each folded code unit the index in
 * `s` just past the character it came from: spacing and compatibility forms are what decoding tends to change.
 */
function fold(s: string): { text: string; end: number[] } {
  const parts: string[] = [];
  const end: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      if (c === 32 || (c >= 9 && c <= 13)) continue; // ASCII whitespace
      parts.push(s[i - 1]!);
      end.push(i);
      continue;
    }
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    i += ch.length;
    const f = ch.normalize("NFKC").replace(/\s+/gu, "");
    parts.push(f);
    for (let k = 0; k < f.length; k++) end.push(i);
  }
  return { text: parts.join(""), end };
}

/** The longest suffix of `p` that occurs in `q`, and where it first occurs (binary search: occurring is monotone). */
function longestSuffixIn(p: string, q: string): { length: number; at: number } | undefined {
  let lo = 0, hi = p.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (q.includes(p.slice(p.length - mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? undefined : { length: lo, at: q.indexOf(p.slice(p.length - lo)) };
}

/** Index just past the last assistant marker in `s` (of whichever template ends latest), or undefined. */
function lastMarker(s: string): number | undefined {
  let best: number | undefined;
  for (const m of ASSISTANT_MARKERS) {
    const i = s.lastIndexOf(m);
    if (i >= 0 && (best === undefined || i + m.length > best)) best = i + m.length;
  }
  return best;
}

/**
 * The generation's opening marker in the query: the prompt's template ends with an assistant marker (its
 * generation prompt); the response follows its j-th occurrence in the query, j = the prompt's count of it (or
 * fewer where left truncation cut earlier turns), so a response that invents a further turn is still cut at
 * its own start. Text the template puts after the marker (a newline, "<think>\n") is skipped when present.
 */
function markerAfterPrompt(query: string, prompt: string): number | undefined {
  const inPrompt = lastMarker(prompt);
  if (inPrompt === undefined) {
    const m = lastMarker(query);
    return m === undefined ? undefined : skipSpace(query, m);
  }
  const marker = ASSISTANT_MARKERS.find((m) => prompt.lastIndexOf(m) + m.length === inPrompt)!;
  const count = (s: string) => s.split(marker).length - 1;
  const j = Math.min(count(prompt), count(query));
  if (j === 0) return undefined;
  let at = -1;
  for (let k = 0; k < j; k++) at = query.indexOf(marker, at + 1);
  let start = skipSpace(query, at + marker.length);
  const after = prompt.slice(inPrompt).trim();
  if (after && query.startsWith(after, start)) start = skipSpace(query, start + after.length);
  return start;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return i;
}
