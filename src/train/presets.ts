// The training presets of `rlvd train grpo|sft --preset NAME`, declared once: what each trains on and with
// which settings. The command only looks a preset up; flags the user sets override its settings.
import type { Question } from "../core/types.js";
import type { Model } from "../engine/index.js";
import { buildCorpus } from "../world/index.js";
import type { GrpoConfig, Verifier } from "./grpo.js";
import type { SftConfig, SftExample } from "./sft.js";
import { SMOKE_WORLD, smokeBase, smokeQuestions, smokeVerifier } from "./smoke.js";

export type TrainPreset = {
  /** one line for --help */
  description: { grpo: string; sft: string };
  /** the starting model when no --checkpoint is given, pretrained on the spot */
  base: () => Promise<Model>;
  /** the preset's own questions and their checker (used when no --data is given) */
  grpo: { config: Partial<GrpoConfig>; questions: () => Question[]; verify: Verifier };
  sft: { config: Partial<SftConfig>; data: () => SftExample[] };
};

export const TRAIN_PRESETS = {
  /** the built-in smoke task (train/smoke.ts): trains in under a minute, for tests and quick checks */
  smoke: {
    description: { grpo: "smoke: a tiny built-in task that trains in under a minute", sft: "smoke: teacher solutions of a tiny built-in task" },
    base: () => smokeBase(),
    grpo: { config: { steps: 80, questions: 32, group: 8, maxTokens: 24, lr: 3e-4, warmup: 5 }, questions: () => smokeQuestions(200, 3), verify: smokeVerifier },
    sft: {
      config: { steps: 60, batch: 32, lr: 1e-3, warmup: 5, evalFraction: 0.1, evalEvery: 20 },
      data: () => buildCorpus(SMOKE_WORLD, { author: "teacher", documents: 600, seed: 5 }),
    },
  },
} as const satisfies Record<string, TrainPreset>;

export type TrainPresetName = keyof typeof TRAIN_PRESETS;
export const TRAIN_PRESET_NAMES = Object.keys(TRAIN_PRESETS) as TrainPresetName[];
