/**
 * Every stage kind a spec may use: one line per kind, each declared whole in its own file (settings,
 * references, seeds, output, run). Adding a kind is a new file and a line here (docs/design-notes.md).
 */
import type { StageKind } from "../runner.js";
import { analyzeKind } from "./analyze.js";
import { distillKind } from "./distill.js";
import { grpoKind } from "./grpo.js";
import { pretrainKind } from "./pretrain.js";
import { reportKind } from "./report.js";
import { sampleKind } from "./sample.js";
import { seriesKind } from "./series.js";
import { seedsKind } from "./seeds.js";
import { sftKind } from "./sft.js";
import { studyKind } from "./study.js";
import { summaryKind } from "./summary.js";
import { sweepKind } from "./sweep.js";
import { worldKind } from "./world.js";

export const STAGE_KINDS: readonly StageKind[] = [
  worldKind,
  pretrainKind,
  grpoKind,
  sampleKind,
  seriesKind,
  distillKind,
  sftKind,
  analyzeKind,
  reportKind,
  studyKind,
  seedsKind,
  sweepKind,
  summaryKind,
];

export { WORLD_FORMATS } from "./report.js";
