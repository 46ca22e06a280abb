import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TEMPLATES } from "../backends/templates.js";
import { STUDY_SAMPLING, type Backend, type Completion, type GenerateRequest } from "../backends/types.js";
import { seededRng } from "../metrics/rng.js";
import { modelMeta } from "../store/sampling-records.js";
import { withStore } from "../store/store.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { adaptiveSampleRun, type AdaptiveSummary } from "./adaptive-run.js";

const tmp = useTmpDirs();

/** 24 questions with known success rates: never, rarely, half the time, always. */
const ps = Array.from({ length: 24 }, (_, i) => [0, 0.03, 0.5, 1][i % 4]!);
const questions = ps.map((_, i) => ({ id: `q${i}`, prompt: `Q${i}`, answer: "yes" }));

/**
 * A backend whose choice j of a request is right with the question's p, drawn from (request seed, j): the same
 * request gives the same completions, so an interrupted run resumed must land exactly where an uninterrupted one
 * does. `failAfter` makes every request after that many throw (a server that dies).
 */
function knownRateBackend(failAfter = Infinity): Backend & { calls: number } {
  const backend = {
    description: "known-rate",
    calls: 0,
    async generate(req: GenerateRequest): Promise<Completion[]> {
      if (++backend.calls > failAfter) throw new Error("server went away");
      const text = req.prompt.kind === "text" ? req.prompt.text : req.prompt.messages.at(-1)!.content;
      const p = ps[Number(/Q(\d+)/.exec(text)![1])]!;
      const rng = seededRng(req.params.seed ?? 0);
      return Array.from({ length: req.n }, () => ({ text: rng() < p ? "yes" : "no", finish_reason: "stop", n_tokens: 3 }));
    },
    async close() {},
  };
  return backend;
}

const grader = async (items: Array<{ gold: string; response: string }>) =>
  items.map(({ gold, response }) => ({ correct: response === gold, extracted: response, status: "ok" as const }));

function options(runDir: string, backend: Backend) {
  return {
    runDir, backend, model: "m", spec: "test:known-rate", questions, template: TEMPLATES.question!, params: STUDY_SAMPLING,
    nPerRequest: 4, concurrency: 2, seed: 5, grader, adaptive: { schedule: [4, 8, 16, 32], settle: 0.8, keep: 0.25 },
  };
}

async function perQuestion(run: string) {
  return withStore(run, {}, (s) =>
    s.all<{ question_id: string; n: number; max_idx: number; correct: number }>(
      `SELECT question_id, count(*)::INTEGER AS n, max(sample_index)::INTEGER AS max_idx, count_if(correct)::INTEGER AS correct
         FROM samples WHERE model = 'm' GROUP BY question_id ORDER BY question_id`,
    ),
  );
}

describe("adaptiveSampleRun", () => {
  it("samples in rounds, stops settled questions, keeps sample_index contiguous, and records what it saved", async () => {
    const run = join(tmp(), "run");
    const result = await adaptiveSampleRun(options(run, knownRateBackend()));
    const rows = await perQuestion(run);
    expect(rows).toHaveLength(24);
    for (const r of rows) {
      expect(r.max_idx).toBe(r.n - 1); // indices 0..n-1, no gaps
      expect([4, 8, 16, 32]).toContain(r.n); // every question stops at a round's count
    }
    const n = new Map(rows.map((r) => [r.question_id, r.n]));
    // always right: settled after the first round unless kept at random (keep 0.25), so most of them stop at 4
    const always = questions.filter((_, i) => ps[i] === 1).map((q) => n.get(q.id)!);
    expect(always.filter((x) => x === 4).length).toBeGreaterThanOrEqual(3);
    const total = rows.reduce((s, r) => s + r.n, 0);
    expect(result.adaptive.estimates.samples).toBe(total);
    expect(result.adaptive.samples_saved).toBe(24 * 32 - total);
    expect(result.adaptive.tokens_saved).toBe(3 * (24 * 32 - total));
    expect(result.adaptive.estimates.samples_per_bin.reduce((s, x) => s + x, 0)).toBe(total);
    const meta = await withStore(run, {}, (s) => modelMeta(s, "m"));
    expect((meta.adaptive as AdaptiveSummary).estimates).toEqual(result.adaptive.estimates);
    expect(meta.sampling).toBeDefined(); // the sampling record is kept beside it
  });

  it("a run whose server dies resumes to exactly the uninterrupted run's samples and estimates", async () => {
    const straight = join(tmp(), "straight");
    const whole = await adaptiveSampleRun(options(straight, knownRateBackend()));
    const broken = join(tmp(), "broken");
    await expect(adaptiveSampleRun(options(broken, knownRateBackend(20)))).rejects.toThrow(/rerun|resume|kept/);
    const partial = await perQuestion(broken);
    expect(partial.reduce((s, r) => s + r.n, 0)).toBeLessThan(whole.adaptive.estimates.samples);
    const resumed = await adaptiveSampleRun(options(broken, knownRateBackend()));
    expect(await perQuestion(broken)).toEqual(await perQuestion(straight));
    expect(resumed.adaptive.estimates).toEqual(whole.adaptive.estimates);
    expect(resumed.already).toBeGreaterThan(0);
    // and a rerun of a finished run samples nothing
    expect((await adaptiveSampleRun(options(straight, knownRateBackend()))).written).toBe(0);
  });

  it("names bad settings as a usage error", async () => {
    const run = join(tmp(), "run");
    await expect(adaptiveSampleRun({ ...options(run, knownRateBackend()), adaptive: { schedule: [8, 4] } })).rejects.toThrow(/adaptive sampling: the adaptive schedule must be increasing/);
  });
});
