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
 *   reflect   each step checked by a second route and repaired when the check disagrees (renderReflect)
 * Returns null when the base corpus never shows this chain (it touches an absent fact that did not leak).
 */
export function renderSolution(world: World, chain: Chain, format: SolutionFormat, author: Author, rng: Rng32): string | null {
  const s = world.symbols;
  if (format === "shortcut") return renderShortcut(world, chain);
  if (format === "reflect") return renderReflect(world, chain, author, rng);
  const steps: string[] = [];
  const results: number[] = [];
  let x = chain.start;
  for (const y of chain.operands) {
    const z = showFact(world, x, y, author, rng);
    if (z === null) return null;
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

/** How often `author`'s corpus shows the fact right (the base's noisy accuracy, or 1 for the teacher). */
function factAccuracy(world: World, x: number, y: number, author: Author): number {
  if (author === "teacher") return 1;
  const status = world.factStatus(x, y);
  return status === "known" ? 1 : status === "shaky" ? world.config.shakyAccuracy : status === "weak" ? world.config.weakAccuracy : 0;
}

/** A shown result right with probability `accuracy`, else the decoy (config.misconception) or a random symbol. */
function drawResult(world: World, x: number, y: number, accuracy: number, rng: Rng32): number {
  if (rng.next() < accuracy) return world.apply(x, y);
  const m = world.config.misconception;
  return m > 0 && rng.next() < m ? world.decoyOf(x, y) : rng.int(world.alphabet);
}

/**
 * The result the corpus shows for op(x, y), or null when the base corpus never shows it (an absent fact that did
 * not leak). The draws are those the formats always made (one for the leak of an absent fact, one for the
 * accuracy, even of a known fact, one for the decoy), so corpora stay byte-identical.
 */
function showFact(world: World, x: number, y: number, author: Author, rng: Rng32): number | null {
  if (author === "teacher") return world.apply(x, y);
  if (world.factStatus(x, y) === "absent" && rng.next() >= world.config.absentLeak) return null;
  return drawResult(world, x, y, factAccuracy(world, x, y, author), rng);
}

/**
 * The reflect format: every step checked by a second route to the same fact, repaired when the check disagrees,
 *   `C*F=X;verify F#C=X;X*K=Y;verify K#X=W;wait, take W;W*B=Z;verify B#W=Z;answer: XWZ`
 * The second route of a shaky or weak fact is right with probability p + reflectionValue * (1 - p) (p: the
 * fact's own accuracy); the chain goes on from the checked result, so a check worth something repairs the
 * chain and a worthless one only re-draws it. Known facts pass every check; absent facts (when they leak) are
 * shown at random by both routes.
 */
function renderReflect(world: World, chain: Chain, author: Author, rng: Rng32): string | null {
  const s = world.symbols;
  const value = world.config.reflectionValue ?? 0;
  const parts: string[] = [];
  const results: number[] = [];
  let x = chain.start;
  for (const y of chain.operands) {
    const first = showFact(world, x, y, author, rng);
    if (first === null) return null;
    const p = factAccuracy(world, x, y, author);
    // an absent fact has p = 0 for the base and stays unknown to the check: the second route is no new knowledge
    const absent = author === "base" && world.factStatus(x, y) === "absent";
    const checked = drawResult(world, x, y, absent ? 0 : p + value * (1 - p), rng);
    parts.push(`${s[x]}*${s[y]}=${s[first]}`, `verify ${s[y]}#${s[x]}=${s[checked]}`);
    if (checked !== first) parts.push(`wait, take ${s[checked]}`);
    results.push(checked);
    x = checked;
  }
  return `${parts.join(";")};answer: ${results.map((r) => s[r]).join("")}`;
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
  return FORMATS[rng.weighted(FORMATS.map((f) => world.config.formats[f] ?? 0))]!;
}

/** Which format a response uses, for the analysis of reasoning patterns. */
export function detectFormat(text: string): SolutionFormat | "other" {
  const body = text.trimStart();
  if (/wait, let me check/.test(body)) return "check";
  if (/^[A-Z]\*[A-Z]=[A-Z];verify /.test(body)) return "reflect";
  if (/^[A-Z]\*[A-Z]=/.test(body)) return "steps";
  if (/^[A-Z]\+[A-Z]=/.test(body)) return "shortcut";
  if (body.startsWith("answer:")) return "direct";
  return "other";
}
