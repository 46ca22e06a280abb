// The engine benchmark, same protocol as ../shared/bench/torch_reference.py `speed`: training = zeroGrad +
// forward + backward + AdamW on batch x context random tokens (3 warmup steps, 10 timed); sampling =
// 256 sequences, 16-token random prompts, 64 new tokens at temperature 1 with the KV cache (one warmup
// run, one timed).
import { RlvdError } from "../core/errors.js";
import { resolveConfig, type ModelConfig } from "./config.js";
import { createModel, type Model } from "./model.js";
import { AdamW } from "./optim.js";
import { Xoshiro128 } from "./rng.js";
import { generate } from "./sample.js";

export type EngineBenchOptions = {
  dim?: number;
  layers?: number;
  heads?: number;
  vocab?: number;
  context?: number;
  batch?: number;
  /** timed training steps (default 10) */
  steps?: number;
  /** skip the sampling half */
  noSample?: boolean;
};

export type EngineBenchResult = {
  engine: string;
  threads: number;
  params: number;
  config: { dim: number; layers: number; heads: number; vocab: number; context: number; batch: number };
  train_ms_per_step: number;
  train_tokens_per_s: number;
  /** useful float operations per second in training (matmuls + causal attention, x3 for fwd+bwd) */
  train_gflops: number;
  sample_tokens_per_s: number;
  sample_gflops: number;
  sample_config: { batch: number; prompt: number; new_tokens: number };
};

/** Forward FLOPs for one token at a given number of attended positions. */
export function forwardFlopsPerToken(c: ModelConfig, attended: number): number {
  const { dim: C, layers: L, intermediate: I, vocabSize: V } = c;
  return 2 * (L * (4 * C * C + 3 * I * C) + V * C) + L * 4 * C * attended;
}

export async function benchEngine(o: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const a = { dim: 128, layers: 2, heads: 4, vocab: 48, context: 128, batch: 32, ...o };
  const cfg = resolveConfig({ vocabSize: a.vocab, dim: a.dim, layers: a.layers, heads: a.heads, context: a.context });
  const model = await createModel(cfg, 0);
  try {
    const train = benchTrain(model, a.batch, a.context, a.steps ?? 10);
    const S = 256, P = 16, G = Math.min(64, a.context - P);
    if (G < 1) throw new RlvdError("BAD_ARGUMENT", `context ${a.context} is too short for the sampling benchmark (prompt 16)`);
    let sampleTps = 0, sampleGflops = 0;
    if (!o.noSample) {
      const rng = new Xoshiro128(1);
      const prompts = Array.from({ length: S }, () => Array.from({ length: P }, () => rng.int(a.vocab)));
      const opts = { maxTokens: G, temperature: 1, stopTokens: [], seed: 1 };
      generate(model, prompts, opts);
      const t0 = performance.now();
      const out = generate(model, prompts, opts);
      const s = (performance.now() - t0) / 1000;
      const tokens = out.reduce((n, c) => n + c.tokens.length, 0);
      sampleTps = tokens / s;
      let flops = 0;
      for (let p = 0; p < P + G - 1; p++) flops += S * forwardFlopsPerToken(cfg, p + 1);
      sampleGflops = flops / s / 1e9;
    }
    const fwd = forwardFlopsPerToken(cfg, (a.context + 1) / 2) * a.batch * a.context;
    return {
      engine: `rlvd wasm-simd`,
      threads: model.kernels.threads,
      params: model.layout.total,
      config: { dim: a.dim, layers: a.layers, heads: a.heads, vocab: a.vocab, context: a.context, batch: a.batch },
      train_ms_per_step: round(train * 1000, 1),
      train_tokens_per_s: Math.round((a.batch * a.context) / train),
      train_gflops: round((3 * fwd) / train / 1e9, 1),
      sample_tokens_per_s: Math.round(sampleTps),
      sample_gflops: round(sampleGflops, 1),
      sample_config: { batch: S, prompt: P, new_tokens: G },
    };
  } finally {
    model.dispose();
  }
}

/** seconds per training step */
function benchTrain(model: Model, B: number, T: number, steps: number): number {
  const V = model.config.vocabSize, rng = new Xoshiro128(0);
  const tokens = Array.from({ length: B * T }, () => rng.int(V));
  const batch = { B, T, tokens, targets: tokens };
  const opt = new AdamW(model, { beta1: 0.9, beta2: 0.999, weightDecay: 0.01 });
  const step = () => {
    model.zeroGrad();
    model.forwardBackward(batch);
    opt.step(1e-3);
  };
  for (let i = 0; i < 3; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const s = (performance.now() - t0) / 1000 / steps;
  opt.dispose();
  model.releaseActivations();
  return s;
}

function round(x: number, d: number): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}
