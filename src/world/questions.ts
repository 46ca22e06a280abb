import type { Question } from "../core/types.js";
import { Rng32 } from "./rng.js";
import type { World } from "./world.js";
import { RlvdError } from "../core/errors.js";

/** A chain question: start at `start`, apply op(., y) for each operand in turn; the answer is every result. */
export type Chain = { start: number; operands: number[] };

/** The intermediate results of a chain, each op(previous, operand). */
export function chainResults(world: World, chain: Chain): number[] {
  const out: number[] = [];
  let x = chain.start;
  for (const y of chain.operands) {
    x = world.apply(x, y);
    out.push(x);
  }
  return out;
}

export function chainId(world: World, chain: Chain): string {
  return `${world.symbols[chain.start]}:${chain.operands.map((y) => world.symbols[y]).join("")}`;
}

/** The prompt the model sees: `Q C FKB` then a newline (start symbol, operands). */
export function chainPrompt(world: World, chain: Chain): string {
  return `Q ${world.symbols[chain.start]} ${chain.operands.map((y) => world.symbols[y]).join("")}\n`;
}

export function parseChainId(world: World, id: string): Chain {
  const m = /^([A-Z]):([A-Z]+)$/.exec(id);
  const index = (s: string) => {
    const i = s.charCodeAt(0) - 65;
    if (i < 0 || i >= world.alphabet) throw new RlvdError("BAD_INPUT", `symbol ${s} is outside this world's alphabet`);
    return i;
  };
  if (!m) throw new RlvdError("BAD_INPUT", `not a chain id: ${id}`);
  return { start: index(m[1]!), operands: [...m[2]!].map(index) };
}

/** A chain as a Question: gold answer = the string of all intermediate results; meta tells its difficulty. */
export function chainQuestion(world: World, chain: Chain): Question {
  const results = chainResults(world, chain);
  const statuses: string[] = [];
  let x = chain.start;
  for (let i = 0; i < chain.operands.length; i++) {
    statuses.push(world.factStatus(x, chain.operands[i]!));
    x = results[i]!;
  }
  return {
    id: chainId(world, chain),
    prompt: chainPrompt(world, chain),
    answer: results.map((r) => world.symbols[r]).join(""),
    meta: {
      length: chain.operands.length,
      facts: statuses.join(","),
      absent_facts: statuses.filter((s) => s === "absent").length,
      unreliable_facts: statuses.filter((s) => s !== "known").length,
    },
  };
}

/**
 * Draws `n` distinct chain questions (uniform length from the config, uniform symbols), skipping `exclude`;
 * with `training`, also chains through held-out facts (WorldConfig.heldOut), as the training split must.
 */
export function drawQuestions(world: World, n: number, seed: number, exclude: ReadonlySet<string> = new Set(), options: { training?: boolean } = {}): Question[] {
  const rng = new Rng32(seed);
  const seen = new Set<string>();
  const out: Question[] = [];
  let tries = 0;
  while (out.length < n) {
    if (++tries > n * 100 + 10_000) throw new RlvdError("BAD_ARGUMENT", `cannot draw ${n} distinct questions from this world`);
    const length = rng.pick(world.config.chainLengths);
    const chain = { start: rng.int(world.alphabet), operands: Array.from({ length }, () => rng.int(world.alphabet)) };
    const id = chainId(world, chain);
    if (seen.has(id) || exclude.has(id)) continue;
    seen.add(id);
    if (options.training && usesHeldOut(world, chain)) continue;
    out.push(chainQuestion(world, chain));
  }
  return out;
}

/** Whether the chain applies a held-out fact at any step (following its own intermediate results). */
export function usesHeldOut(world: World, chain: Chain): boolean {
  let x = chain.start;
  for (const y of chain.operands) {
    if (world.isHeldOut(x, y)) return true;
    x = world.apply(x, y);
  }
  return false;
}
