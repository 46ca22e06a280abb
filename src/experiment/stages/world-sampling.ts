import { EmbeddedBackend } from "../../backends/embedded.js";
import { TEMPLATES } from "../../backends/templates.js";
import type { Question } from "../../core/types.js";
import { checkWorldAnswer } from "../../world/index.js";
import { recordedPath } from "../run-paths.js";
import type { StageContext } from "../runner.js";
import { sampleRun } from "../sample-run.js";
import { adaptiveSampleRun, type AdaptiveRunResult } from "../adaptive-run.js";
import type { AdaptiveOptions } from "../../metrics/adaptive.js";

/** A sample or series stage's sampling settings (spec keys camelCase; the request fields keep the OpenAI names). */
export type WorldSampling = { temperature: number; topP: number; topK: number; maxTokens: number };

/**
 * Samples an embedded checkpoint k times per question into the store of run folder `store`, graded by the world's
 * checker: what a sample stage does, and a series stage for each snapshot.
 */
export async function sampleWorldCheckpoint(
  ctx: StageContext,
  o: { store: string; checkpoint: string; model: string; questions: Question[]; k: number; sampling: WorldSampling; seed: number; adaptive?: AdaptiveOptions },
): Promise<{ written: number; already: number; adaptive?: AdaptiveRunResult["adaptive"] }> {
  const backend = await EmbeddedBackend.open(o.checkpoint);
  try {
    const common = {
      // the stage hash in the spec: a rerun after its model was retrained replaces the old samples, a resumed one keeps them;
      // the checkpoint as records name it (within the run folder), so a resume from another cwd or a moved run keeps them too
      runDir: o.store, backend, model: o.model, spec: `embedded:${recordedPath(ctx.runDir, o.checkpoint)}#stage-${ctx.hash}`, replaceOtherSpec: true, fresh: ctx.forced, questions: o.questions, template: TEMPLATES.question!,
      // many questions in flight: the backend decodes them together, and tree sampling leaves few rows per question
      params: { temperature: o.sampling.temperature, top_p: o.sampling.topP, top_k: o.sampling.topK, max_tokens: o.sampling.maxTokens }, nPerRequest: o.k, concurrency: 64, seed: o.seed,
      grader: async (items: Array<{ gold: string; response: string }>) => items.map(({ gold, response }) => {
        const r = checkWorldAnswer(gold, response);
        // the world's own checker, not the math verifier: its verdicts are labelled so in the store and report
        return { correct: r.correct, extracted: r.extracted, status: r.extracted === null ? "no_answer" as const : "ok" as const, grading: "world" };
      }),
    };
    // adaptive: in rounds of ordinary sampling passes (experiment/adaptive-run.ts)
    return o.adaptive ? await adaptiveSampleRun({ ...common, adaptive: o.adaptive }) : await sampleRun({ ...common, k: o.k });
  } finally {
    backend.model.dispose();
  }
}
