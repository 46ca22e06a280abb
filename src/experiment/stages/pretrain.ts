import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import { CharTokenizer, createModel } from "../../engine/index.js";
import { runSft } from "../../train/run.js";
import { hashedSftConfig, SftConfigSchema } from "../../train/sft.js";
import { buildCorpus, worldCharacters } from "../../world/index.js";
import { defineStageKind } from "../runner.js";
import { Checkpoint, stageRef, WorldFiles } from "./outputs.js";
import { progressEcho, readQuestions, readWorld } from "./shared.js";

/** A model trained from scratch on a corpus of the world's documents (the base's noisy one, or the teacher's). */
export const pretrainKind = defineStageKind({
  kind: "pretrain",
  settings: z.object({
    world: stageRef,
    author: z.enum(["base", "teacher"]),
    documents: z.number().int().positive(),
    corpusSeed: z.number().int().nonnegative().default(0),
    model: z.object({ dim: z.number().int(), layers: z.number().int(), heads: z.number().int(), context: z.number().int() }).strict(),
    seed: z.number().int().nonnegative().default(1),
    train: SftConfigSchema.partial().default({}),
  }).strict(),
  references: { world: WorldFiles },
  seeds: ["seed", "corpusSeed", "train.seed"],
  // the held-out rule enters the hash only where it changes the training (train/sft.ts hashedSftConfig)
  hashed: (s) => ({ ...s, train: hashedSftConfig(s.train) }),
  output: Checkpoint,
  run: async (ctx, s, inputs) => {
    const world = readWorld(inputs.world.config);
    const test = new Set(readQuestions(inputs.world.test).map((q) => q.id));
    const corpus = buildCorpus(world, { author: s.author, documents: s.documents, seed: s.corpusSeed, exclude: test });
    // checked before training, not at the batch that first holds the document (minutes in): one token per
    // character, plus BOS and EOS, of which the model reads all but the last
    const longest = corpus.reduce((m, d) => Math.max(m, d.prompt.length + d.completion.length), 0) + 2;
    if (longest - 1 > s.model.context) {
      throw new RlvdError("BAD_ARGUMENT", `stage ${ctx.id}: the corpus has a document of ${longest} tokens, more than model.context ${s.model.context} holds (set it to at least ${longest - 1})`);
    }
    const tokenizer = CharTokenizer.fromText(worldCharacters(world));
    const model = await createModel({ vocabSize: tokenizer.vocabSize, ...s.model }, s.seed, { tokenizer });
    const checkpoint = join(ctx.stageDir, "model");
    const r = await runSft({ from: model, out: checkpoint, name: ctx.id, where: `stage ${ctx.id}`, data: corpus, config: s.train, echo: progressEcho(ctx, "pretrain") });
    model.dispose();
    ctx.log(`pretrained on ${s.documents} ${s.author} documents: train loss ${r.trainLoss.toFixed(4)}`);
    return { checkpoint };
  },
});
