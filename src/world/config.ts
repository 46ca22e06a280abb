import { z } from "zod";

/**
 * The synthetic reasoning world of the embedded study (docs/world.md). Every lever the study needs is an
 * explicit field here; nothing about the outcome is scripted.
 */
export const WorldConfigSchema = z
  .object({
    /** seeds the fact table and every generated question */
    seed: z.number().int().nonnegative().default(1),
    /** number of symbols (uppercase letters): facts are op(x, y) over this alphabet. Larger = harder to guess */
    alphabet: z.number().int().min(4).max(26).default(16),
    /** chain lengths of questions (number of fact applications), drawn uniformly */
    chainLengths: z.array(z.number().int().min(1).max(12)).min(1).default([1, 2, 3, 4]),
    /**
     * How the BASE corpus shows each fact (shares of the fact table; they must sum to 1):
     * known: always right; shaky: right with `shakyAccuracy`, else a random symbol; weak: right with
     * `weakAccuracy`; absent: never shown. The teacher's corpus shows every fact right.
     */
    facts: z
      .object({ known: z.number().min(0).max(1), shaky: z.number().min(0).max(1), weak: z.number().min(0).max(1), absent: z.number().min(0).max(1) })
      .default({ known: 0.45, shaky: 0.25, weak: 0.15, absent: 0.15 })
      .refine((f) => Math.abs(f.known + f.shaky + f.weak + f.absent - 1) < 1e-9, { message: "fact shares must sum to 1" }),
    shakyAccuracy: z.number().min(0).max(1).default(0.5),
    weakAccuracy: z.number().min(0).max(1).default(0.15),
    /**
     * Discoverability of absent facts: the chance that a base-corpus solution touching an absent fact still
     * appears (with a uniformly random result). 0: absent facts never appear, so the base model has no
     * evidence at all; higher values leak more guessing signal for RL to find.
     */
    absentLeak: z.number().min(0).max(1).default(0),
    /**
     * How the base corpus is wrong when it shows a fact wrongly: with this probability the fact's decoy (one
     * fixed wrong symbol per fact, a misconception), else a uniformly random symbol. 0: wrong answers are noise,
     * so the right answer stays the most frequent one a model learns; near 1: a misconception outweighs the
     * truth for weak facts, and sharpening the base's distribution moves away from the right answer.
     */
    misconception: z.number().min(0).max(1).default(0),
    /**
     * Share of the absent facts that no training question uses (test questions still do). RL then never gets
     * a reward on them, as with knowledge the RL data never exercises: a test question through such a fact is
     * solved only by a lucky guess, which sharpening takes away. 0: every fact can turn up in training.
     */
    heldOut: z.number().min(0).max(1).default(0),
    /**
     * Share of the facts the base corpus shows (absent ones agree only by chance) on which the shortcut rule,
     * op(x, y) = the symbol after y (wrapping round the alphabet), gives the right answer. The rule is a heuristic the base corpus's `shortcut` format applies: it needs no
     * knowledge, so it also answers chains through facts the base never saw, but it is right on a chain only
     * when every fact the chain touches agrees with it. 0: the table is left as drawn (a random table agrees
     * with the rule on about 1/A of its facts by chance).
     */
    shortcutAgreement: z.number().min(0).max(1).default(0),
    /**
     * What checking a step is worth in the `reflect` format (solutions.ts): each step `C*F=X` is followed by a
     * check of the same fact by a second route, `verify F#C=Z`, and a check that disagrees repairs the step
     * (`wait, take Z`) and the chain goes on from Z. The base corpus shows the second route of a shaky or weak fact
     * right with probability p + value * (1 - p), where p is the fact's own accuracy (known facts are always
     * right, absent ones never shown, by either route). 0: the check is as noisy as the step it checks, so
     * repairing with it changes nothing on average (as the `check` format's re-reading does today); 1: the
     * check is always right and repairs every slip on the facts the base has seen. Unset: 0, and no `reflect`
     * documents unless `formats.reflect` asks for them.
     */
    reflectionValue: z.number().min(0).max(1).optional(),
    /** solution formats in the BASE corpus (shares); the teacher always writes steps */
    formats: z
      .object({
        direct: z.number().min(0).max(1),
        steps: z.number().min(0).max(1),
        check: z.number().min(0).max(1),
        shortcut: z.number().min(0).max(1).default(0),
        // optional, not defaulted: a world without it parses (and hashes, and writes world.json) as before
        reflect: z.number().min(0).max(1).optional(),
      })
      .default({ direct: 0.7, steps: 0.2, check: 0.1, shortcut: 0 })
      .refine((f) => Math.abs(f.direct + f.steps + f.check + f.shortcut + (f.reflect ?? 0) - 1) < 1e-9, { message: "format shares must sum to 1" }),
  })
  .strict();

export type WorldConfig = z.infer<typeof WorldConfigSchema>;
export type WorldConfigInput = z.input<typeof WorldConfigSchema>;

export const FORMATS = ["direct", "steps", "check", "shortcut", "reflect"] as const;
export type SolutionFormat = (typeof FORMATS)[number];
export const FACT_STATUSES = ["known", "shaky", "weak", "absent"] as const;
export type FactStatus = (typeof FACT_STATUSES)[number];
