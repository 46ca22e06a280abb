export { analyzeRun, analyzeStore } from "./analyze-run.js";
export type { Analysis, AnalyzeOptions, ModelAnalysis } from "./analyze-run.js";
export { formatAnalysis } from "./analysis-text.js";
