// Decode-loop and GRPO step speed on the smoke task's trained base: independent rollouts (256 prompts x 1,
// as bench/engine.ts samples, and 32 questions x 8), tree rollouts (32 x 8), then GRPO steps as the study
// runs them (1 update, no KL) and with 2 updates + KL (which also scores every rollout twice per step).
// Median of --reps per figure, in wall seconds and in CPU seconds of the process (steadier than wall time on
// a loaded machine; with RLVD_THREADS=1 no pool thread spins). Figures only, no assertions. Compare two trees
// side by side by running this script from each in turn with the same --checkpoint.
//   RLVD_THREADS=1 npx tsx bench/grpo-step.ts [--checkpoint /tmp/rlvd-bench-grpo-base] [--reps 3] [--steps 4]
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { generate, loadCheckpoint, saveCheckpoint } from "../src/engine/index.js";
import { trainGrpo } from "../src/train/grpo.js";
import { smokeBase, smokeQuestions, smokeVerifier } from "../src/train/smoke.js";

const { values } = parseArgs({ options: { checkpoint: { type: "string", default: "/tmp/rlvd-bench-grpo-base" }, reps: { type: "string", default: "3" }, steps: { type: "string", default: "4" } } });
const dir = values.checkpoint!, reps = Number(values.reps), steps = Number(values.steps);
if (!existsSync(dir)) await saveCheckpoint(await smokeBase(), dir); // trained once, shared by every run
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const questions = smokeQuestions(200, 3);
const prompts = questions.slice(0, 32).map((q) => q.prompt);

const cpuFigures: Record<string, number[]> = {};
let current = "";
/** wall seconds of run(); its CPU seconds go to cpuFigures[current] */
async function time(run: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now(), c0 = process.cpuUsage();
  await run();
  const c = process.cpuUsage(c0);
  (cpuFigures[current] ??= []).push((c.user + c.system) / 1e6);
  return (performance.now() - t0) / 1000;
}
const figures: Record<string, number[]> = { single: [], independent: [], tree: [], grpo: [], grpoKl: [] };
const wide = Array.from({ length: 256 }, (_, i) => questions[i % questions.length]!.prompt.slice(0, 12));
let tokens = 0;
for (let r = 0; r < reps; r++) {
  const model = await loadCheckpoint(dir);
  current = "single";
  figures.single!.push(await time(() => generate(model, wide, { maxTokens: 24, seed: r })));
  current = "independent";
  figures.independent!.push(await time(() => (tokens = generate(model, prompts, { n: 8, maxTokens: 24, seed: r }).reduce((s, c) => s + c.tokens.length, 0))));
  current = "tree";
  figures.tree!.push(await time(() => generate(model, prompts, { n: 8, maxTokens: 24, seed: r, tree: true })));
  const cfg = { steps, questions: 32, group: 8, maxTokens: 24, lr: 3e-4, warmup: 1, seed: r };
  current = "grpo";
  figures.grpo!.push((await time(() => trainGrpo(model, questions, smokeVerifier, cfg))) / steps);
  const policy = await loadCheckpoint(dir), reference = await loadCheckpoint(dir);
  current = "grpoKl";
  figures.grpoKl!.push((await time(() => trainGrpo(policy, questions, smokeVerifier, { ...cfg, updates: 2, beta: 0.04 }, { reference }))) / steps);
  for (const m of [model, policy, reference]) m.dispose();
}
const per = (k: string, steps = 1) => `${median(figures[k]!).toFixed(3)} s wall, ${(median(cpuFigures[k]!) / steps).toFixed(3)} s cpu`;
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${reps} reps, medians:`);
console.log(`independent rollouts 256x1: ${per("single")}`);
console.log(`independent rollouts 32x8: ${per("independent")} (${tokens} tokens in the last rep)`);
console.log(`tree rollouts 32x8: ${per("tree")}`);
console.log(`GRPO step (1 update, beta 0): ${per("grpo", steps)}`);
console.log(`GRPO step (2 updates, beta 0.04): ${per("grpoKl", steps)}`);
