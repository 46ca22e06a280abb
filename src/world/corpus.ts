import type { Question } from "../core/types.js";
import { drawFormat, renderSolution, type Author } from "./solutions.js";
import { chainId, chainPrompt, type Chain } from "./questions.js";
import { Rng32 } from "./rng.js";
import type { SolutionFormat } from "./config.js";
import type { World } from "./world.js";
import { RlvdError } from "../core/errors.js";

export type Document = { prompt: string; completion: string };

export type CorpusOptions = {
  author: Author;
  documents: number;
  seed: number;
  /** question ids that must never appear (the test set) */
  exclude?: ReadonlySet<string>;
  /** force one format (default: the base corpus mix for "base", steps for "teacher") */
  format?: SolutionFormat;
};

/**
 * A pretraining corpus: random chains with solutions written by `author`. The base corpus shows facts at
 * their confidence level and skips chains through absent facts (unless they leak); the teacher's shows every
 * fact right, in the steps format. Test questions are excluded, so test accuracy measures generalisation.
 */
export function buildCorpus(world: World, options: CorpusOptions): Document[] {
  const rng = new Rng32(options.seed);
  const docs: Document[] = [];
  let tries = 0;
  while (docs.length < options.documents) {
    if (++tries > options.documents * 50 + 10_000) throw new RlvdError("BAD_ARGUMENT", "the corpus settings leave too few chains to draw from");
    const length = rng.pick(world.config.chainLengths);
    const chain: Chain = { start: rng.int(world.alphabet), operands: Array.from({ length }, () => rng.int(world.alphabet)) };
    if (options.exclude?.has(chainId(world, chain))) continue;
    const format = options.format ?? (options.author === "teacher" ? "steps" : drawFormat(world, rng));
    const completion = renderSolution(world, chain, format, options.author, rng);
    if (completion === null) continue;
    docs.push({ prompt: chainPrompt(world, chain), completion });
  }
  return docs;
}

/** Every character the world's texts can contain (for the character tokenizer). */
export function worldCharacters(world: World): string {
  // "+" only in worlds whose base corpus uses the shortcut, so other worlds keep their vocabulary
  // likewise "#" and "verify" (new letters) only in worlds whose base corpus writes the reflect format
  const words = `Q answer: wait, let me check;*=\n${world.config.formats.shortcut > 0 ? "+" : ""}${(world.config.formats.reflect ?? 0) > 0 ? "#verify take" : ""}`;
  return [...new Set([...world.symbols.join(""), ...words])].sort().join("");
}

export type { Question };
