// Checkpoints in the Hugging Face Llama layout: config.json (LlamaForCausalLM), model.safetensors (float32,
// HF tensor names), tokenizer.json (character level) with tokenizer_config.json and special_tokens_map.json,
// and generation_config.json. A checkpoint loads in
// `transformers`; torch_reference.py logits reads it too. Every malformed file gets a one-line InputError
// naming the file.
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError, RlvdError } from "../core/errors.js";
import { resolveConfig, type ModelConfig } from "./config.js";
import { kernelsFor, Model, type KernelBackend } from "./model.js";
import type { AdamW } from "./optim.js";
import { CharTokenizer, SPECIAL_TOKENS } from "./tokenizer.js";

export const CHECKPOINT_FILES = {
  config: "config.json",
  weights: "model.safetensors",
  tokenizer: "tokenizer.json",
  tokenizerConfig: "tokenizer_config.json",
  specialTokens: "special_tokens_map.json",
  generation: "generation_config.json",
} as const;

/** One HF tensor and where it lives in the flat parameter block: rows [row0, row0 + shape[0]) of a kind. */
type TensorEntry = { name: string; shape: [number, number] | [number]; offset: number };

/** The HF tensor names in file order, each mapped onto the flat parameter block. */
export function hfTensors(m: Model): TensorEntry[] {
  const c = m.config, o = m.layout.offsets;
  const { dim: C, intermediate: I, vocabSize: V } = c;
  const out: TensorEntry[] = [{ name: "model.embed_tokens.weight", shape: [V, C], offset: o.wte }];
  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}.`;
    const qkv = o.wqkv + l * 3 * C * C, gu = o.wgu + l * 2 * I * C;
    out.push(
      { name: `${p}input_layernorm.weight`, shape: [C], offset: o.ln1w + l * C },
      { name: `${p}self_attn.q_proj.weight`, shape: [C, C], offset: qkv },
      { name: `${p}self_attn.k_proj.weight`, shape: [C, C], offset: qkv + C * C },
      { name: `${p}self_attn.v_proj.weight`, shape: [C, C], offset: qkv + 2 * C * C },
      { name: `${p}self_attn.o_proj.weight`, shape: [C, C], offset: o.wo + l * C * C },
      { name: `${p}post_attention_layernorm.weight`, shape: [C], offset: o.ln2w + l * C },
      { name: `${p}mlp.gate_proj.weight`, shape: [I, C], offset: gu },
      { name: `${p}mlp.up_proj.weight`, shape: [I, C], offset: gu + I * C },
      { name: `${p}mlp.down_proj.weight`, shape: [C, I], offset: o.wdown + l * C * I },
    );
  }
  out.push({ name: "model.norm.weight", shape: [C], offset: o.lnfw }, { name: "lm_head.weight", shape: [V, C], offset: o.lmHead });
  return out;
}

/** The config.json object for a model (Hugging Face LlamaConfig fields, plus rlvd's own under "rlvd"). */
export function hfConfig(m: Model): Record<string, unknown> {
  const c = m.config, t = m.tokenizer;
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    hidden_size: c.dim,
    intermediate_size: c.intermediate,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.heads,
    head_dim: c.dim / c.heads,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.context,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    hidden_act: "silu",
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    tie_word_embeddings: false,
    initializer_range: 0.02,
    torch_dtype: "float32",
    use_cache: true,
    ...(t ? { bos_token_id: t.bos, eos_token_id: t.eos, pad_token_id: t.pad } : {}),
    rlvd: { step: m.step },
  };
}

/**
 * tokenizer_config.json and special_tokens_map.json: rlvd's own special tokens by name. Without them
 * AutoTokenizer picks the class config.json's model_type implies, LlamaTokenizerFast, whose defaults are
 * bos "<s>", eos "</s>" and add_bos_token=True (transformers, models/llama/tokenization_llama_fast.py, 4.x):
 * tokens this vocabulary lacks, which transformers then adds as new ids past vocab_size. The plain fast class
 * keeps tokenizer.json as it is, post-processor included (which adds <bos> as rlvd does).
 */
export function hfTokenizerFiles(t: CharTokenizer, context: number): { config: Record<string, unknown>; specialTokens: Record<string, string> } {
  const specialTokens = { bos_token: SPECIAL_TOKENS.bos, eos_token: SPECIAL_TOKENS.eos, pad_token: SPECIAL_TOKENS.pad, unk_token: SPECIAL_TOKENS.unk };
  const addedTokensDecoder: Record<string, unknown> = {};
  for (const role of ["pad", "bos", "eos", "unk"] as const) {
    addedTokensDecoder[String(t[role])] = { content: SPECIAL_TOKENS[role], lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  }
  return {
    config: {
      tokenizer_class: "PreTrainedTokenizerFast",
      ...specialTokens,
      add_bos_token: true,
      add_eos_token: false,
      added_tokens_decoder: addedTokensDecoder,
      clean_up_tokenization_spaces: false,
      model_max_length: context,
    },
    specialTokens,
  };
}

/** Writes the checkpoint into `dir` (created if missing; each file written to a temp name, then renamed). */
export async function saveCheckpoint(model: Model, dir: string): Promise<void> {
  await writeCheckpointFiles(checkpointFiles(model), dir);
}

/** A checkpoint's files, by name, encoded now. */
export type CheckpointFileSet = ReadonlyArray<[name: string, data: string | Uint8Array]>;

/**
 * Encodes a checkpoint's files synchronously: a trainer that keeps training while they are written (a snapshot
 * taken inside a synchronous loop) saves the weights as they were at this call, not as they are later.
 */
export function checkpointFiles(model: Model): CheckpointFileSet {
  const files: Array<[string, string | Uint8Array]> = [[CHECKPOINT_FILES.weights, encodeSafetensors(model)], [CHECKPOINT_FILES.config, JSON.stringify(hfConfig(model), null, 2) + "\n"]];
  const t = model.tokenizer;
  if (t) {
    const tf = hfTokenizerFiles(t, model.config.context);
    files.push([CHECKPOINT_FILES.tokenizer, JSON.stringify(t.toJSON(), null, 2) + "\n"]);
    files.push([CHECKPOINT_FILES.tokenizerConfig, JSON.stringify(tf.config, null, 2) + "\n"]);
    files.push([CHECKPOINT_FILES.specialTokens, JSON.stringify(tf.specialTokens, null, 2) + "\n"]);
  }
  files.push([CHECKPOINT_FILES.generation, JSON.stringify({
    ...(t ? { bos_token_id: t.bos, eos_token_id: t.eos, pad_token_id: t.pad } : {}),
    do_sample: true,
    temperature: 1.0,
    max_length: model.config.context,
  }, null, 2) + "\n"]);
  return files;
}

/** Writes encoded checkpoint files into `dir`, each atomically (temporary file, then rename). */
export async function writeCheckpointFiles(files: CheckpointFileSet, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, data] of files) {
    const tmp = join(dir, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, data);
    await rename(tmp, join(dir, name));
  }
}

function encodeSafetensors(m: Model): Uint8Array {
  const entries = hfTensors(m);
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let at = 0;
  for (const e of entries) {
    const bytes = e.shape.reduce((a, b) => a * b, 1) * 4;
    header[e.name] = { dtype: "F32", shape: e.shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // data starts 8-byte aligned
  const hbytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + hbytes.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  const data = new Float32Array(out.buffer, 8 + hbytes.length, at / 4);
  let k = 0;
  for (const e of entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) data[k++] = m.params[e.offset + i];
  }
  return out;
}

export type LoadOptions = { backend?: KernelBackend };

/** Loads a checkpoint directory written by saveCheckpoint (or any float32 HF Llama checkpoint of this shape). */
export async function loadCheckpoint(dir: string, options: LoadOptions = {}): Promise<Model> {
  if (!existsSync(dir)) throw new RlvdError("NOT_FOUND", `${dir}: checkpoint directory not found`);
  const cfgFile = join(dir, CHECKPOINT_FILES.config);
  const { tieWordEmbeddings, step, ...config } = parseHfConfig(await readJson(cfgFile), cfgFile);
  let tokenizer: CharTokenizer | undefined;
  const tokFile = join(dir, CHECKPOINT_FILES.tokenizer);
  if (existsSync(tokFile)) {
    tokenizer = CharTokenizer.fromJSON(await readJson(tokFile), tokFile);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new InputError(tokFile, undefined, `${tokenizer.vocabSize} tokens but config.json says vocab_size ${config.vocabSize}`);
    }
  }
  const model = new Model(config, await kernelsFor(options.backend), tokenizer);
  const wFile = join(dir, CHECKPOINT_FILES.weights);
  const bytes = await readBytes(wFile);
  try {
    decodeSafetensors(model, bytes, wFile, tieWordEmbeddings);
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.step = step;
  model.paramsChanged();
  return model;
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new RlvdError("NOT_FOUND", `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = Buffer.from(await readBytes(file)).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(file, undefined, `not valid JSON (${(e as Error).message})`);
  }
}

type LoadedConfig = ModelConfig & { tieWordEmbeddings: boolean; step: number };

function parseHfConfig(raw: unknown, file: string): LoadedConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new InputError(file, undefined, "expected a JSON object");
  const o = raw as Record<string, unknown>;
  const int = (k: string, fallback?: number): number => {
    const v = o[k] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new InputError(file, undefined, `${k} must be a positive integer (got ${JSON.stringify(o[k])})`);
    return v;
  };
  const num = (k: string, fallback: number): number => {
    const v = o[k] ?? fallback;
    if (typeof v !== "number" || !(v > 0)) throw new InputError(file, undefined, `${k} must be a positive number (got ${JSON.stringify(o[k])})`);
    return v;
  };
  if (o.model_type !== undefined && o.model_type !== "llama") throw new InputError(file, undefined, `model_type ${JSON.stringify(o.model_type)} is not "llama"`);
  if (o.hidden_act !== undefined && o.hidden_act !== "silu") throw new InputError(file, undefined, `hidden_act ${JSON.stringify(o.hidden_act)} is not supported (only silu)`);
  if (o.rope_scaling !== undefined && o.rope_scaling !== null) throw new InputError(file, undefined, "rope_scaling is not supported");
  const heads = int("num_attention_heads");
  if (int("num_key_value_heads", heads) !== heads) throw new InputError(file, undefined, "grouped-query attention (num_key_value_heads != num_attention_heads) is not supported");
  const dim = int("hidden_size");
  if (o.head_dim !== undefined && o.head_dim !== null && o.head_dim !== dim / heads) throw new InputError(file, undefined, `head_dim ${o.head_dim} is not hidden_size / num_attention_heads`);
  if (o.attention_bias === true || o.mlp_bias === true) throw new InputError(file, undefined, "attention or MLP biases are not supported");
  let config: ModelConfig;
  try {
    config = resolveConfig({
      vocabSize: int("vocab_size"),
      dim,
      layers: int("num_hidden_layers"),
      heads,
      intermediate: int("intermediate_size"),
      context: int("max_position_embeddings"),
      ropeTheta: num("rope_theta", 10000),
      rmsNormEps: num("rms_norm_eps", 1e-6),
    });
  } catch (e) {
    throw new InputError(file, undefined, `invalid model shape: ${oneLine(e)}`);
  }
  const rl = o.rlvd as { step?: unknown } | undefined;
  const step = typeof rl?.step === "number" && Number.isInteger(rl.step) && rl.step >= 0 ? rl.step : 0;
  return { ...config, tieWordEmbeddings: o.tie_word_embeddings === true, step };
}

function oneLine(e: unknown): string {
  const issues = (e as { issues?: Array<{ path: unknown[]; message: string }> }).issues;
  if (issues) return issues.map((i) => (i.path.length ? `${i.path.join(".")}: ` : "") + i.message).join("; ");
  return String((e as Error).message ?? e).replace(/\s+/g, " ");
}

function decodeSafetensors(m: Model, bytes: Uint8Array, file: string, tied: boolean): void {
  const bad = (what: string): never => {
    throw new InputError(file, undefined, what);
  };
  if (bytes.length < 8) bad(`truncated: ${bytes.length} bytes, not even a header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(view.getBigUint64(0, true));
  if (hlen > bytes.length - 8) bad(`truncated or not safetensors: header of ${hlen} bytes but the file has ${bytes.length}`);
  let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown }>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, hlen).toString("utf8"));
  } catch {
    return bad("not safetensors: the header is not valid JSON");
  }
  const dataStart = 8 + hlen, dataLen = bytes.length - dataStart;
  const entries = hfTensors(m);
  for (const e of entries) {
    let meta = header[e.name];
    if (!meta && e.name === "lm_head.weight" && tied) meta = header["model.embed_tokens.weight"];
    if (!meta) bad(`tensor ${e.name} missing`);
    if (meta.dtype !== "F32") bad(`tensor ${e.name} has dtype ${String(meta.dtype)}; only F32 is supported`);
    const shape = meta.shape;
    if (!Array.isArray(shape) || shape.length !== e.shape.length || shape.some((d, i) => d !== e.shape[i])) {
      bad(`tensor ${e.name} has shape ${JSON.stringify(shape)}, config.json implies ${JSON.stringify(e.shape)}`);
    }
    const offs = meta.data_offsets as number[];
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (!Array.isArray(offs) || offs.length !== 2 || typeof offs[0] !== "number" || offs[1] - offs[0] !== n * 4) {
      bad(`tensor ${e.name} has bad data_offsets ${JSON.stringify(offs)}`);
    }
    if (offs[1] > dataLen) bad(`truncated: tensor ${e.name} ends at byte ${offs[1]} of a ${dataLen}-byte data section`);
    const src = dataStart + offs[0];
    for (let i = 0; i < n; i++) m.params[e.offset + i] = view.getFloat32(src + 4 * i, true);
  }
}

/** Characters a fresh tokenizer takes, in order, when none are given: newline, then printable ASCII. */
export const DEFAULT_CHARS = "\n" + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");

export type InitCheckpointOptions = {
  out: string;
  dim: number;
  layers: number;
  heads: number;
  vocab: number;
  context: number;
  seed: number;
  intermediate?: number;
  /** the tokenizer's characters (default: the first vocab-4 of DEFAULT_CHARS) */
  chars?: string;
};

/** Writes a randomly initialised checkpoint; returns the model's parameter count. */
export async function initCheckpoint(o: InitCheckpointOptions): Promise<{ params: number }> {
  const nChars = o.vocab - Object.keys(SPECIAL_TOKENS).length;
  if (nChars < 1) throw new RlvdError("BAD_ARGUMENT", `vocab ${o.vocab} leaves no room for characters after the 4 special tokens`);
  const chars = [...new Set(o.chars ?? DEFAULT_CHARS)].slice(0, nChars);
  const tokenizer = new CharTokenizer([...Object.values(SPECIAL_TOKENS), ...chars]);
  let model: Model;
  try {
    const config = resolveConfig({ vocabSize: o.vocab, dim: o.dim, layers: o.layers, heads: o.heads, context: o.context, intermediate: o.intermediate });
    model = new Model(config, await kernelsFor("wasm"), tokenizer);
  } catch (e) {
    if (e instanceof RlvdError) throw e;
    throw new RlvdError("BAD_ARGUMENT", `invalid model shape: ${oneLine(e)}`);
  }
  try {
    model.initRandom(o.seed);
    await saveCheckpoint(model, o.out);
    return { params: model.layout.total };
  } finally {
    model.dispose();
  }
}

/** File with an AdamW state (rlvd's own; Hugging Face has no such file): flat m and v plus the step count. */
export const OPTIMIZER_FILE = "optimizer.safetensors";

/** Writes `opt`'s moments and step count to DIR/optimizer.safetensors (to resume training exactly). */
export async function saveOptimizerState(opt: AdamW, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const n = opt.model.layout.total;
  const header = JSON.stringify({
    __metadata__: { format: "rlvd-adamw", t: String(opt.t), options: JSON.stringify(opt.options) },
    m: { dtype: "F32", shape: [n], data_offsets: [0, 4 * n] },
    v: { dtype: "F32", shape: [n], data_offsets: [4 * n, 8 * n] },
  });
  const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
  const hb = Buffer.from(padded, "utf8");
  const out = new Uint8Array(8 + hb.length + 8 * n);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  const data = new Float32Array(out.buffer, 8 + hb.length, 2 * n);
  data.set(opt.m.subarray(0, n), 0);
  data.set(opt.v.subarray(0, n), n);
  const tmp = join(dir, `.${OPTIMIZER_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, out);
  await rename(tmp, join(dir, OPTIMIZER_FILE));
}

/** Restores the state saveOptimizerState wrote into `opt` (whose model must have the same shape). */
export async function loadOptimizerState(opt: AdamW, dir: string): Promise<void> {
  const file = join(dir, OPTIMIZER_FILE);
  const bytes = await readBytes(file);
  const bad = (what: string): never => {
    throw new InputError(file, undefined, what);
  };
  if (bytes.length < 8) bad("truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(view.getBigUint64(0, true));
  if (hlen > bytes.length - 8) bad(`truncated or not safetensors: header of ${hlen} bytes but the file has ${bytes.length}`);
  let header: { __metadata__?: { format?: string; t?: string }; m?: { shape?: number[] } };
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, hlen).toString("utf8"));
  } catch {
    return bad("not safetensors: the header is not valid JSON");
  }
  if (header.__metadata__?.format !== "rlvd-adamw") bad("not an rlvd optimizer state");
  const n = opt.model.layout.total;
  if (header.m?.shape?.[0] !== n) bad(`optimizer state for ${header.m?.shape?.[0]} parameters, the model has ${n}`);
  if (bytes.length < 8 + hlen + 8 * n) bad(`truncated: ${bytes.length} bytes, expected ${8 + hlen + 8 * n}`);
  const t = Number(header.__metadata__?.t);
  if (!Number.isInteger(t) || t < 0) bad("bad step count");
  for (let i = 0; i < n; i++) {
    opt.m[i] = view.getFloat32(8 + hlen + 4 * i, true);
    opt.v[i] = view.getFloat32(8 + hlen + 4 * (n + i), true);
  }
  opt.t = t;
}
