import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Question } from "../../core/types.js";
import { drawQuestions, World, WorldConfigSchema } from "../../world/index.js";
import { defineStageKind } from "../runner.js";
import { WorldFiles } from "./outputs.js";

/** The world's fact table and its disjoint question splits: test, training (never through held-out facts), broad. */
export const worldKind = defineStageKind({
  kind: "world",
  settings: z.object({
    world: WorldConfigSchema, test: z.number().int().positive(), train: z.number().int().positive(),
    /** a "broad" problem set beside the training split, which held-out facts may touch (the knowledge teacher's) */
    broad: z.number().int().nonnegative().default(0),
    seed: z.number().int().nonnegative().default(1),
  }).strict(),
  seeds: ["seed", "world.seed"],
  output: WorldFiles,
  run: async (ctx, s) => {
    const world = new World(s.world);
    const test = drawQuestions(world, s.test, s.seed * 2 + 1);
    const taken = new Set(test.map((q) => q.id));
    const train = drawQuestions(world, s.train, s.seed * 2 + 2, taken, { training: true });
    const files: z.infer<typeof WorldFiles> = { config: join(ctx.stageDir, "world.json"), test: join(ctx.stageDir, "test.jsonl"), train: join(ctx.stageDir, "train.jsonl") };
    const write = (file: string, qs: Question[]) => writeFileSync(file, qs.map((q) => JSON.stringify(q)).join("\n") + "\n");
    writeFileSync(files.config, JSON.stringify(world.config, null, 2));
    write(files.test, test);
    write(files.train, train);
    if (s.broad > 0) {
      for (const q of train) taken.add(q.id);
      write((files.broad = join(ctx.stageDir, "broad.jsonl")), drawQuestions(world, s.broad, s.seed * 2 + 3, taken));
    }
    ctx.log(`${s.test} test, ${s.train} training${s.broad > 0 ? ` and ${s.broad} broad` : ""} questions over ${world.alphabet} symbols`);
    return files;
  },
});
