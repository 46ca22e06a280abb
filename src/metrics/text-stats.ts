/** Reflection-keyword matching (the study's experiment 4). */

/** The study's reflection keywords (PAPER.md), matched case-insensitively as whole words or phrases. */
export const STUDY_KEYWORDS: readonly string[] = [
  "actually", "aha", "alternatively", "correction:", "another approach", "different method",
  "checking our work", "double-check", "hmm", "however", "I made a mistake", "I need to reconsider",
  "I realize", "let me recalculate", "let me think", "let's check", "let's reconsider", "looking back",
  "make sure", "ok", "on second thought", "retracing", "to be sure", "to confirm", "verify", "wait",
  "we could also",
];

/**
 * One regular expression that finds every keyword occurrence in lowercased text: whole words and phrases
 * (a word boundary on each side that is a word character), longest alternatives first so "let me think" is
 * not shadowed, either apostrophe. The source is valid in both JavaScript and RE2 (DuckDB), so the store
 * counts keywords in SQL with exactly the semantics the tests check here.
 */
export function keywordPattern(keywords: readonly string[] = STUDY_KEYWORDS): string {
  const lowered = [...new Set(keywords.map((k) => k.toLowerCase()))].sort((a, b) => b.length - a.length);
  const alternatives = lowered.map((k) => {
    const body = k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/'/g, "['’]");
    return `${/^\w/.test(k) ? "\\b" : ""}${body}${/\w$/.test(k) ? "\\b" : ""}`;
  });
  return `(?:${alternatives.join("|")})`;
}

/** Maps a matched occurrence back to its keyword's index in `keywords` (-1 if none). */
export function keywordIndex(keywords: readonly string[] = STUDY_KEYWORDS): (match: string) => number {
  const index = new Map(keywords.map((k, i) => [k.toLowerCase(), i]));
  return (match) => index.get(match.replace(/’/g, "'")) ?? -1;
}

/** Counts keyword occurrences in one text: the in-memory twin of the store's SQL count. */
export function keywordCounter(keywords: readonly string[] = STUDY_KEYWORDS): (text: string) => Int32Array {
  const pattern = new RegExp(keywordPattern(keywords), "g");
  const indexOf = keywordIndex(keywords);
  return (text: string) => {
    const counts = new Int32Array(keywords.length);
    for (const m of text.toLowerCase().matchAll(pattern)) {
      const i = indexOf(m[0]);
      if (i >= 0) counts[i]!++;
    }
    return counts;
  };
}

/** Running sums of one statistic for a population of responses. */
export class Tally {
  n = 0;
  sum = 0;
  add(x: number): void {
    this.n++;
    this.sum += x;
  }
  get mean(): number | null {
    return this.n === 0 ? null : this.sum / this.n;
  }
}
