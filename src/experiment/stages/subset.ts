import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { mulberry32 } from "../../core/mulberry32.js";
import { defineStageKind } from "../runner.js";
import { stageRef, WorldFiles } from "./outputs.js";

/**
 * A seeded subset of a world stage's test split (and optionally its training split), left as a world of its
 * own: sample stages pointed at it (`world: SUBSET`) evaluate on fewer questions, e.g. a first look at a large
 * k before the whole test set. Pretrain from the full world: its corpus leaves out that world's test questions.
 */
export const subsetKind = defineStageKind({
  kind: "subset",
  settings: z.object({
    world: stageRef,
    test: z.number().int().positive(),
    train: z.number().int().positive().optional(),
    seed: z.number().int().nonnegative().default(0),
  }).strict(),
  references: { world: WorldFiles },
  seeds: ["seed"],
  output: WorldFiles,
  run: async (ctx, s, inputs) => {
    const random = mulberry32(s.seed);
    const pick = (file: string, n: number, split: string): string => {
      const lines = readFileSync(file, "utf8").trim().split("\n");
      if (n > lines.length) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: ${split}: ${n} questions asked, stage "${s.world}" has ${lines.length}`);
      // the first n of a seeded Fisher-Yates shuffle, kept in the file's order
      const order = lines.map((_, i) => i);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(random() * (order.length - i));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const out = join(ctx.stageDir, `${split}.jsonl`);
      writeFileSync(out, order.slice(0, n).sort((a, b) => a - b).map((i) => lines[i]).join("\n") + "\n");
      return out;
    };
    const test = pick(inputs.world.test, s.test, "test");
    const train = s.train !== undefined ? pick(inputs.world.train, s.train, "train") : inputs.world.train;
    ctx.log(`${s.test} of the test questions${s.train !== undefined ? ` and ${s.train} of the training ones` : ""} (seed ${s.seed})`);
    return { ...inputs.world, test, train };
  },
});
