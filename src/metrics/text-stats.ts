/** Response length and reflection-keyword statistics (the study's experiment 4). */

/** The study's reflection keywords (PAPER.md), matched case-insensitively as whole words or phrases. */
export const STUDY_KEYWORDS: readonly string[] = [
  "actually", "aha", "alternatively", "correction:", "another approach", "different method",
  "checking our work", "double-check", "hmm", "however", "I made a mistake", "I need to reconsider",
  "I realize", "let me recalculate", "let me think", "let's check", "let's reconsider", "looking back",
  "make sure", "ok", "on second thought", "retracing", "to be sure", "to confirm", "verify", "wait",
  "we could also",
];

/**
 * Compiles a keyword list into one matcher that counts occurrences of each keyword in a text, in one pass.
 * The returned counts array is reused by the next call: copy it to keep it.
 */
export function keywordCounter(keywords: readonly string[] = STUDY_KEYWORDS): (text: string) => Int32Array {
  const lowered = keywords.map((k) => k.toLowerCase());
  // Longest first, so "let me think" is not shadowed by a shorter keyword sharing its start.
  const order = lowered.map((_, i) => i).sort((a, b) => lowered[b]!.length - lowered[a]!.length);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/'/g, "['’]");
  const alternatives = order.map((i) => {
    const k = lowered[i]!;
    const tail = /[a-z0-9]$/.test(k) ? "(?![a-z0-9])" : "";
    return `(${escape(k)}${tail})`;
  });
  const pattern = new RegExp(`(?<![a-z0-9])(?:${alternatives.join("|")})`, "gi");
  const counts = new Int32Array(keywords.length);
  return (text: string) => {
    counts.fill(0);
    pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = pattern.exec(text)) !== null) {
      for (let a = 1; a < m.length; a++) {
        if (m[a] !== undefined) {
          counts[order[a - 1]!]!++;
          break;
        }
      }
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
