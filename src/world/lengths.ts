import type { SolutionFormat } from "./config.js";
import type { Author } from "./solutions.js";
import type { World } from "./world.js";

/**
 * The longest completion a format can write for a chain of `length` facts (solutions.ts): each step is 5
 * characters (`C*F=X`), steps are joined by `;`, and the answer is `answer: ` plus one symbol per fact. A reflect
 * step adds its check (`;verify F#C=X`, 13) and at most one repair (`;wait, take W`, 13).
 */
export function longestCompletion(format: SolutionFormat, length: number): number {
  const answer = "answer: ".length + length;
  const worked = 5 * length + (length - 1);
  switch (format) {
    case "direct": return answer;
    case "steps": case "shortcut": return worked + 1 + answer;
    case "check": return worked + ";wait, let me check: ".length + worked + 1 + answer;
    case "reflect": return (5 + 13 + 13 + 1) * length + answer;
  }
}

/**
 * The longest document (prompt `Q C FKB\n` plus completion, in characters) the world's corpus can hold for
 * `author`: what a model's context must fit, with its BOS and EOS tokens, before pretraining starts.
 */
export function longestDocument(world: World, author: Author): number {
  const formats: SolutionFormat[] = author === "teacher" ? ["steps"] : (Object.keys(world.config.formats) as SolutionFormat[]).filter((f) => (world.config.formats[f] ?? 0) > 0);
  const length = Math.max(...world.config.chainLengths);
  return "Q X ".length + length + 1 + Math.max(...formats.map((f) => longestCompletion(f, length)));
}
