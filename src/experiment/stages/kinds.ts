// Every stage kind a spec may use, one line each; each kind is declared whole in its own file (settings,
// references, seeds, output, run). Adding a kind is a new file and a line here (docs/design-notes.md).
export { analyzeKind } from "./analyze.js";
export { distillKind } from "./distill.js";
export { exportKind } from "./export.js";
export { grpoKind } from "./grpo.js";
export { pretrainKind } from "./pretrain.js";
export { reportKind } from "./report.js";
export { sampleKind } from "./sample.js";
export { seriesKind } from "./series.js";
export { seedsKind } from "./seeds.js";
export { sftKind } from "./sft.js";
export { studyKind } from "./study.js";
export { subsetKind } from "./subset.js";
export { summaryKind } from "./summary.js";
export { surveyKind } from "./survey.js";
export { sweepKind } from "./sweep.js";
export { worldKind } from "./world.js";
