// Model configuration and the one size table that lays out parameters, gradients and optimizer state.
import { z } from "zod";

/** Tiny Llama: token embedding, L x (RMSNorm, RoPE causal MHA, RMSNorm, SwiGLU MLP), RMSNorm, untied lm_head. */
export const ModelConfigSchema = z
  .object({
    /** vocabulary size V (token ids 0..V-1) */
    vocabSize: z.number().int().min(2).max(65536),
    /** channels C (hidden_size) */
    dim: z.number().int().min(2).max(8192),
    /** number of transformer blocks L */
    layers: z.number().int().min(1).max(64),
    /** attention heads H; head size hd = dim / heads must be even (RoPE rotates pairs) */
    heads: z.number().int().min(1).max(128),
    /** MLP hidden size I; default int(8*dim/3 // 8 * 8), the formula torch_reference.py uses */
    intermediate: z.number().int().min(1).optional(),
    /** longest sequence the model handles (max_position_embeddings), also the RoPE table length */
    context: z.number().int().min(1).max(1 << 16),
    ropeTheta: z.number().positive().default(10000),
    rmsNormEps: z.number().positive().default(1e-6),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.dim % c.heads !== 0) ctx.addIssue({ code: "custom", message: `dim ${c.dim} is not a multiple of heads ${c.heads}` });
    else if ((c.dim / c.heads) % 2 !== 0) ctx.addIssue({ code: "custom", message: `head size dim/heads = ${c.dim / c.heads} must be even` });
  });

export type ModelConfigInput = z.input<typeof ModelConfigSchema>;
/** A validated config with every default filled in. */
export type ModelConfig = Required<z.output<typeof ModelConfigSchema>>;

export function defaultIntermediate(dim: number): number {
  return Math.max(8, Math.floor((8 * dim) / 3 / 8) * 8);
}

/** Validates a config (throws a zod error listing every problem) and fills the defaults. */
export function resolveConfig(input: ModelConfigInput): ModelConfig {
  const c = ModelConfigSchema.parse(input);
  return { ...c, intermediate: c.intermediate ?? defaultIntermediate(c.dim) };
}

/**
 * The size table. Tensors are grouped by kind across layers (as in llm.c) so that all matrices that take
 * weight decay come first and the norm gains last: AdamW is one flat loop with one boundary (`nDecay`).
 * q, k, v of a layer are adjacent rows of one [3C, C] matrix and gate, up of one [2I, C] matrix, so a
 * single matmul computes each; the Hugging Face names map onto row ranges of them (see checkpoint.ts).
 */
export type ParamName = "wte" | "wqkv" | "wo" | "wgu" | "wdown" | "lmHead" | "ln1w" | "ln2w" | "lnfw";
export const PARAM_NAMES: readonly ParamName[] = ["wte", "wqkv", "wo", "wgu", "wdown", "lmHead", "ln1w", "ln2w", "lnfw"];

export type ParamLayout = {
  /** elements per tensor kind (all layers together) */
  sizes: Record<ParamName, number>;
  /** first element of each kind in the flat block */
  offsets: Record<ParamName, number>;
  /** total elements */
  total: number;
  /** elements [0, nDecay) take weight decay (the matrices), the rest (norm gains) do not */
  nDecay: number;
};

export function paramLayout(c: ModelConfig): ParamLayout {
  const { vocabSize: V, dim: C, layers: L, intermediate: I } = c;
  const sizes: Record<ParamName, number> = {
    wte: V * C, // [V, C]
    wqkv: L * 3 * C * C, // [L, 3C, C]
    wo: L * C * C, // [L, C, C]
    wgu: L * 2 * I * C, // [L, 2I, C]
    wdown: L * C * I, // [L, C, I]
    lmHead: V * C, // [V, C]
    ln1w: L * C, // [L, C]
    ln2w: L * C, // [L, C]
    lnfw: C, // [C]
  };
  const offsets = {} as Record<ParamName, number>;
  let total = 0;
  for (const n of PARAM_NAMES) {
    offsets[n] = total;
    total += sizes[n];
  }
  return { sizes, offsets, total, nDecay: offsets.ln1w };
}

/** Matrices used in the forward pass through their transposes ([in, out]); one copy is kept per model. */
export const MATRICES = ["wqkv", "wo", "wgu", "wdown", "lmHead"] as const;
export type MatrixName = (typeof MATRICES)[number];

/** [rows (out), cols (in)] of one layer's slice of a matrix kind */
export function matrixShape(c: ModelConfig, n: MatrixName): [number, number] {
  const { vocabSize: V, dim: C, intermediate: I } = c;
  switch (n) {
    case "wqkv": return [3 * C, C];
    case "wo": return [C, C];
    case "wgu": return [2 * I, C];
    case "wdown": return [C, I];
    case "lmHead": return [V, C];
  }
}

export function countParams(c: ModelConfig): number {
  return paramLayout(c).total;
}
