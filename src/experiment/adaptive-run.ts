import { RlvdError } from "../core/errors.js";
import { AdaptiveAllocator, ADAPTIVE_DEFAULTS, type AdaptiveOptions, type AdaptiveSummary } from "../metrics/adaptive.js";

export type { AdaptiveSummary };
import { studyBins } from "../metrics/bins.js";
import { seededRng } from "../metrics/rng.js";
import { answersByQuestion } from "../store/queries.js";
import { generationStats, modelMeta, setModelMeta } from "../store/sampling-records.js";
import { withStore } from "../store/store.js";
import { requestSeed, sampleRun, type Grader, type SampleRunOptions, type SampleRunResult } from "./sample-run.js";

/**
 * Adaptive sampling against any backend (docs/analysis.md, "Adaptive sampling"): rounds on the allocator's
 * schedule, each round one ordinary `sampleRun` of the still-active questions up to the round's count, so every
 * question's samples keep sample_index 0..n-1 contiguous and a killed run resumes like `rlvd sample`.
 *
 * Resume. The allocator's state is never stored: it is replayed from the store. Round r's count of a question is
 * the verdicts of its first schedule[r] samples by sample_index, and round r's random keep/stop draws come from a
 * generator seeded by (seed, r), so a rerun takes the same decisions and requests only what is missing.
 */
export type AdaptiveRunOptions = Omit<SampleRunOptions, "k" | "grader"> & {
  /** verdicts are what the decisions rest on: an adaptive run grades as it goes */
  grader: Grader;
  adaptive: AdaptiveOptions;
};

export type AdaptiveRunResult = SampleRunResult & { adaptive: AdaptiveSummary };

export async function adaptiveSampleRun(options: AdaptiveRunOptions): Promise<AdaptiveRunResult> {
  const started = Date.now();
  const settings = { ...ADAPTIVE_DEFAULTS, ...options.adaptive };
  const { questions } = options;
  const full = settings.schedule[settings.schedule.length - 1]!;
  let alloc: AdaptiveAllocator;
  try {
    alloc = new AdaptiveAllocator(questions.length, studyBins(full), settings);
  } catch (e) {
    throw new RlvdError("USAGE", `adaptive sampling: ${(e as Error).message}`);
  }
  const seed = options.seed ?? 0;
  let written = 0, already = 0, requested = 0, rounds = 0;
  for (let req = alloc.request(); req.length > 0; req = alloc.request()) {
    const target = settings.schedule[rounds]!;
    const active = req.map((r) => questions[r.question]!);
    // round 0 always runs, so `fresh` and `replaceOtherSpec` act before anything is read back
    const r = await sampleRun({
      ...options, questions: active, k: target, progress: options.progress ?? null,
      fresh: rounds === 0 && (options.fresh ?? false), replaceOtherSpec: rounds === 0 && (options.replaceOtherSpec ?? false),
    });
    written += r.written;
    already += r.already;
    requested += r.requested;
    if (r.failed.length > 0) {
      throw new RlvdError(
        "BACKEND",
        `adaptive sampling of ${options.model}: ${r.failed.length} question(s) could not be sampled in round ${rounds + 1} (${r.failed.slice(0, 3).map((f) => `${f.question_id}: ${f.error.slice(0, 120)}`).join("; ")}); ` +
          `every question needs its samples before the round can be decided: ${written} new samples were kept, rerun to retry, or leave those questions out of the dataset`,
      );
    }
    const outcomes = await storedOutcomes(options.runDir, options.model, new Set(active.map((q) => q.id)));
    for (const { question, samples } of req) {
      const q = questions[question]!;
      const seen = outcomes.get(q.id) ?? [];
      if (seen.length < target) throw new RlvdError("BACKEND", `adaptive sampling of ${options.model}: question ${q.id} has ${seen.length} graded samples after a round that asked for ${target}; rerun to resume`);
      const fresh = seen.slice(target - samples, target);
      alloc.record(question, samples, fresh.filter(Boolean).length);
    }
    alloc.decide(seededRng(requestSeed(seed, "adaptive-round", rounds)));
    rounds++;
  }
  const estimates = alloc.estimates();
  const summary = await withStore(options.runDir, {}, async (store) => {
    const mean = (await generationStats(store)).find((g) => g.model === options.model);
    const meanTokens = mean && mean.counted > 0 ? mean.mean_tokens : null;
    const saved = estimates.samples_full - estimates.samples;
    const s: AdaptiveSummary = {
      settings, seed, rounds, estimates, bins: alloc.scheme.bins.map((b) => b.label), samples_saved: saved,
      mean_tokens: meanTokens, tokens_saved: meanTokens === null ? null : Math.round(saved * meanTokens),
    };
    await setModelMeta(store, options.model, { ...(await modelMeta(store, options.model)), adaptive: s });
    return s;
  });
  return { model: options.model, questions: questions.length, requested, written, already, seconds: (Date.now() - started) / 1000, failed: [], adaptive: summary };
}

/** The verdicts of each listed question's graded samples, in sample_index order (the store's own reader). */
async function storedOutcomes(runDir: string, model: string, ids: ReadonlySet<string>): Promise<Map<string, boolean[]>> {
  return withStore(runDir, {}, async (store) => {
    const out = new Map<string, boolean[]>();
    for await (const q of answersByQuestion(store, model)) if (ids.has(q.question_id)) out.set(q.question_id, q.correct);
    return out;
  });
}
