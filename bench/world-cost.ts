// What a world costs to pretrain on, side by side: the quick preset's world against the candidate reflect world
// (presets/studies/reflect.yaml), each with its own base model settings, plus the candidate world at a larger
// model. Prints per-step time (after a first, untimed step) and corpus lengths, alternating the configs so both see the same machine load, and
// the ratios the quick preset's budget scales by. Figures only, no assertions.
// Run: npx tsx bench/world-cost.ts [--steps 5] [--reps 2]
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parse } from "yaml";
import { CharTokenizer, createModel } from "../src/engine/index.js";
import { trainSft } from "../src/train/sft.js";
import { keywordCounter } from "../src/metrics/text-stats.js";
import { buildCorpus, longestDocument, World, worldCharacters } from "../src/world/index.js";

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const steps = opt("steps", 5), reps = opt("reps", 2);

type Stage = { id: string; world?: unknown; model?: { dim: number; layers: number; heads: number; context: number }; train?: { batch?: number } };
const spec = (file: string) => parse(readFileSync(new URL(`../presets/${file}`, import.meta.url), "utf8")) as { stages: Stage[] };
const setup = (file: string, model?: Stage["model"]) => {
  const stages = spec(file).stages;
  const base = stages.find((s) => s.id === "base")!;
  return { world: new World(stages.find((s) => s.id === "world")!.world as never), model: model ?? base.model!, batch: base.train?.batch ?? 64 };
};
const configs = [
  { name: "quick world, quick base", ...setup("quick.yaml") },
  { name: "reflect world, its base", ...setup("studies/reflect.yaml") },
  { name: "reflect world, d 128 x 4", ...setup("studies/reflect.yaml", { dim: 128, layers: 4, heads: 4, context: 240 }) },
];

const count = keywordCounter();
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${steps} steps per timing, ${reps} reps`);
const prepared = await Promise.all(configs.map(async (c) => {
  const corpus = buildCorpus(c.world, { author: "base", documents: 4000, seed: 0 });
  const chars = corpus.reduce((s, d) => s + d.completion.length, 0) / corpus.length;
  const keywords = corpus.reduce((s, d) => s + count(d.completion).reduce((a, b) => a + b, 0), 0) / corpus.length;
  const tokenizer = CharTokenizer.fromText(worldCharacters(c.world));
  console.log(`${c.name}: corpus completions ${chars.toFixed(1)} chars, ${keywords.toFixed(2)} keywords each, longest possible document ${longestDocument(c.world, "base")} characters; model ${JSON.stringify(c.model)}`);
  return { ...c, corpus, chars, tokenizer, times: [] as number[] };
}));
for (let r = 0; r < reps; r++) {
  for (const c of prepared) {
    const model = await createModel({ vocabSize: c.tokenizer.vocabSize, ...c.model }, 1, { tokenizer: c.tokenizer });
    // the first step pays for starting the engine (seconds): timed from its end
    let t0 = 0;
    trainSft(model, c.corpus, { steps: steps + 1, batch: c.batch, lr: 0.002, warmup: 1, evalFraction: 0 }, { afterStep: (step) => void (step === 1 && (t0 = performance.now())) });
    const perStep = (performance.now() - t0) / 1000 / steps;
    model.dispose();
    c.times.push(perStep);
    console.log(`rep ${r + 1} ${c.name}: ${perStep.toFixed(3)} s/step (load ${loadavg()[0]!.toFixed(1)})`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ref = median(prepared[0]!.times);
for (const c of prepared) console.log(`${c.name}: median ${median(c.times).toFixed(3)} s/step, ${(median(c.times) / ref).toFixed(2)}x the quick base's step; completions ${(c.chars / prepared[0]!.chars).toFixed(2)}x as long`);
