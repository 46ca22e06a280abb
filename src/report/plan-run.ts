/**
 * `rlvd plan`: from a pilot run folder, how many samples per question each model needs for a chosen interval width
 * on accuracy and pass@k (metrics/plan.ts does the arithmetic on the pilot's fitted difficulty distribution).
 */
import { RlvdError } from "../core/errors.js";
import { countPatterns, type MixtureFit } from "../metrics/fit-beta-binomial.js";
import { fitBest } from "../metrics/fit-predict.js";
import { planSamples, type SamplePlan } from "../metrics/plan.js";
import { questionResults } from "../store/queries.js";
import { withStore } from "../store/store.js";
import { ANALYZE_FIT } from "./analyze-fit.js";

export type RunPlanOptions = { width: number; ks?: number[]; models?: string[]; questions?: number; maxN?: number; confidence?: number };
export type ModelPlan = SamplePlan & { model: string; pilot_samples_per_question: number; /** for accuracy */ fit: MixtureFit; /** for pass@k, k > 1 */ tail_fit: MixtureFit };

export async function planRun(runDir: string, options: RunPlanOptions): Promise<ModelPlan[]> {
  if (!(options.width > 0 && options.width < 1)) throw new RlvdError("BAD_ARGUMENT", `--width must be between 0 and 1 (got ${options.width})`);
  const rows = await withStore(runDir, {}, (s) => questionResults(s));
  const byModel = new Map<string, Array<{ n: number; correct: number }>>();
  for (const r of rows) {
    let l = byModel.get(r.model);
    if (!l) byModel.set(r.model, (l = []));
    l.push({ n: r.n, correct: r.correct });
  }
  if (byModel.size === 0) throw new RlvdError("NOT_FOUND", `${runDir}: the store holds no graded samples or counts to plan from`);
  for (const m of options.models ?? []) {
    if (!byModel.has(m)) throw new RlvdError("NOT_FOUND", `${runDir}: no model named ${m} (models: ${[...byModel.keys()].join(", ")})`);
  }
  const out: ModelPlan[] = [];
  for (const [model, results] of byModel) {
    if (options.models && !options.models.includes(model)) continue;
    const patterns = countPatterns(results);
    const fit = fitBest(patterns, "auto");
    const tail = fitBest(patterns, ANALYZE_FIT.variant, ANALYZE_FIT.censorAbove);
    const plan = planSamples((k) => (k === 1 ? fit : tail), {
      width: options.width, ks: options.ks ?? [1], questions: options.questions ?? results.length, maxN: options.maxN, confidence: options.confidence,
    });
    out.push({ model, pilot_samples_per_question: Math.min(...results.map((r) => r.n)), fit, tail_fit: tail, ...plan });
  }
  return out;
}

export function formatPlan(plans: readonly ModelPlan[]): string {
  let out = "";
  for (const p of plans) {
    const ks = p.targets.map((t) => t.k);
    out += `${p.model}: pilot of ${p.pilot_samples_per_question} samples per question; planning for ${p.questions} questions, ${Math.round(100 * p.confidence)}% intervals of width ${p.target_width}\n`;
    out += `  expected interval width (under the pilot's fitted difficulty distribution)\n`;
    out += `  ${"n".padStart(6)}  ${ks.map((k) => (k === 1 ? "accuracy" : `pass@${k}`).padStart(9)).join(" ")}\n`;
    for (const r of p.rows) out += `  ${String(r.n).padStart(6)}  ${ks.map((k) => (r.width[String(k)] === null ? "-" : r.width[String(k)]!.toFixed(4)).padStart(9)).join(" ")}\n`;
    for (const t of p.targets) {
      const what = t.k === 1 ? "accuracy" : `pass@${t.k}`;
      if (t.n !== null) out += `  ${what}: ${t.n} samples per question (${t.n * p.questions} in all)\n`;
      else out += `  ${what}: no n up to ${p.rows[p.rows.length - 1]!.n} reaches ${p.target_width} with ${p.questions} questions (floor ${t.floor_width.toFixed(4)}); about ${t.questions_needed} questions needed\n`;
    }
    out += "\n";
  }
  return out;
}
