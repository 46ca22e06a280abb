import { FORMATS, type SolutionFormat } from "./config.js";
import type { Chain } from "./questions.js";
import type { Rng32 } from "./rng.js";
import type { World } from "./world.js";

/** Who wrote a solution: the base corpus (facts shown at their confidence) or the teacher (always right). */
export type Author = "base" | "teacher";

/**
 * One solution text for a chain, as it appears in a corpus (without the prompt). Formats:
 *   direct  `answer: XYZ`
 *   steps   `C*F=X;X*K=Y;Y*B=Z;answer: XYZ`
 *   check   steps, then `wait, let me check: ` and the steps again, then the answer
 *   shortcut  `C+F=X;X+K=Y;Y+B=Z;answer: XYZ` — each step by the shortcut rule, not by the fact table: it
 *             needs no knowledge (so it also writes chains through absent facts) and is right only where the
 *             table agrees with the rule
 * Returns null when the base corpus never shows this chain (it touches an absent fact that did not leak).
 */
export function renderSolution(world: World, chain: Chain, format: SolutionFormat, author: Author, rng: Rng32): string | null {
  const s = world.symbols;
  if (format === "shortcut") return renderShortcut(world, chain);
  const steps: string[] = [];
  const results: number[] = [];
  let x = chain.start;
  for (const y of chain.operands) {
    let z = world.apply(x, y);
    if (author === "base") {
      const status = world.factStatus(x, y);
      if (status === "absent" && rng.next() >= world.config.absentLeak) return null;
      const accuracy = status === "known" ? 1 : status === "shaky" ? world.config.shakyAccuracy : status === "weak" ? world.config.weakAccuracy : 0;
      if (rng.next() >= accuracy) {
        const m = world.config.misconception;
        z = m > 0 && rng.next() < m ? world.decoyOf(x, y) : rng.int(world.alphabet);
      }
    }
    steps.push(`${s[x]}*${s[y]}=${s[z]}`);
    results.push(z);
    x = z;
  }
  const answer = `answer: ${results.map((r) => s[r]).join("")}`;
  if (format === "direct") return answer;
  const worked = steps.join(";");
  if (format === "steps") return `${worked};${answer}`;
  return `${worked};wait, let me check: ${worked};${answer}`;
}

function renderShortcut(world: World, chain: Chain): string {
  const s = world.symbols;
  const steps: string[] = [];
  const results: number[] = [];
  let x = chain.start;
  for (const y of chain.operands) {
    const z = world.shortcut(x, y);
    steps.push(`${s[x]}+${s[y]}=${s[z]}`);
    results.push(z);
    x = z;
  }
  return `${steps.join(";")};answer: ${results.map((r) => s[r]).join("")}`;
}

/** A format drawn with the base corpus's shares. */
export function drawFormat(world: World, rng: Rng32): SolutionFormat {
  return FORMATS[rng.weighted(FORMATS.map((f) => world.config.formats[f]))]!;
}

/** Which format a response uses, for the analysis of reasoning patterns. */
export function detectFormat(text: string): SolutionFormat | "other" {
  const body = text.trimStart();
  if (/wait, let me check/.test(body)) return "check";
  if (/^[A-Z]\*[A-Z]=/.test(body)) return "steps";
  if (/^[A-Z]\+[A-Z]=/.test(body)) return "shortcut";
  if (body.startsWith("answer:")) return "direct";
  return "other";
}
